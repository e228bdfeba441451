/**
 * One server-sent event in the text/event-stream format. `event` and `id` are single-line fields, so a
 * line break in them is refused (it would let a value inject fields); `data` may span lines and is split
 * into one `data:` line per line, which the browser joins back with "\n".
 */

export interface SseEvent {
  event?: string;
  id?: string;
  data?: string;
  /** Reconnection delay the browser should use, ms. */
  retry?: number;
  /** A comment line (": text"), ignored by EventSource; used for heartbeats. */
  comment?: string;
}

const LINE_BREAK = /\r\n|\r|\n/;

export function formatSseEvent(event: SseEvent): string {
  let text = "";
  if (event.comment !== undefined) {
    for (const line of event.comment.split(LINE_BREAK)) text += `: ${line}\n`;
  }
  if (event.retry !== undefined) {
    if (!Number.isSafeInteger(event.retry) || event.retry < 0) {
      throw new RangeError(`Cannot format SSE event: retry must be a non-negative integer, got ${event.retry}`);
    }
    text += `retry: ${event.retry}\n`;
  }
  if (event.id !== undefined) {
    // NUL is refused too: browsers ignore an id containing it.
    if (/[\r\n\0]/.test(event.id)) {
      throw new RangeError(`Cannot format SSE event: id ${JSON.stringify(event.id)} contains a line break or NUL`);
    }
    text += `id: ${event.id}\n`;
  }
  if (event.event !== undefined) {
    if (/[\r\n]/.test(event.event)) {
      throw new RangeError(`Cannot format SSE event: event name ${JSON.stringify(event.event)} contains a line break`);
    }
    text += `event: ${event.event}\n`;
  }
  if (event.data !== undefined) {
    for (const line of event.data.split(LINE_BREAK)) text += `data: ${line}\n`;
  }
  return text + "\n";
}
