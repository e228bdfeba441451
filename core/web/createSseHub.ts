/**
 * A hub of server-sent-event streams, one per browser tab, fed by `publish(key, value)`.
 *
 * Subscription: a client names its keys when it connects, in the query string — `?keys=a,b` and/or
 * `?key=a&key=b` — or the route passes them (`hub.connect(req, { keys })`). To change keys the tab opens a
 * new EventSource. Each published value arrives as `id: <n>`, `event: <key>`, `data: <JSON>` (bigints become
 * decimal strings); listen with `source.addEventListener(key, …)`. The hub's own event is `lagging`.
 *
 * Back-pressure, per client: while the stream's queue is below `highWaterMarkBytes` events are enqueued;
 * once it is full the client is "behind" and updates wait in a map holding only the newest value per key
 * (coalesced), flushed in order when the client reads again. A client whose queue plus waiting updates
 * exceeds `maxBufferedBytes`, or that stays behind for `stallMs`, gets a `lagging` event (best effort:
 * it may never read it) and its stream is closed; the hub forgets it, so its memory is bounded by the high
 * -water mark plus one event, whatever the client does next. EventSource reconnects by itself.
 */
import { formatSseEvent } from "./formatSseEvent.ts";
import { jsonError } from "./jsonError.ts";
import { consoleLogger, type Logger } from "./logger.ts";

export interface SseHubOptions {
  /** Interval of `: ping` comments, which keep proxies and idle connections open. Default 15 000. */
  heartbeatMs?: number;
  /** Bytes a client's stream may hold before updates are coalesced instead. Default 64 KiB. */
  highWaterMarkBytes?: number;
  /** A client holding more than this (queued + coalesced) is dropped. Default 1 MiB. */
  maxBufferedBytes?: number;
  /** A client that is behind and reads nothing for this long is dropped. Default 30 000. */
  stallMs?: number;
  /** Default 256. */
  maxKeysPerClient?: number;
  /** Connections past this get 503. Default 1000. */
  maxClients?: number;
  /** Reconnection delay sent to browsers, ms. Default 3000. */
  retryMs?: number;
  /** Clock, ms; tests pass a fake one. Default Date.now. */
  nowMs?: () => number;
  logger?: Logger;
}

export interface SseHubStats {
  clients: number;
  /** Events (not heartbeats) enqueued to clients. */
  eventsSent: number;
  /** Updates replaced by a newer value for the same key before a slow client read them. */
  coalesced: number;
  droppedClients: number;
  /** Publishes refused (bad key, value not JSON-serializable). */
  rejected: number;
  /** Bytes held for all clients: queued in their streams plus waiting in their coalescing maps. */
  bufferedBytes: number;
  /** The largest `bufferedBytes` of one client. */
  maxClientBufferedBytes: number;
}

export type PublishResult = { kind: "published"; clients: number } | { kind: "rejected"; reason: string };

export interface SseConnectOptions {
  /** Keys to subscribe to; default: read from the request's query string. */
  keys?: Iterable<string>;
}

export interface SseHub {
  /** The event-stream Response for one tab, or a 400/503 JSON error. */
  connect(req: Request, options?: SseConnectOptions): Response;
  publish(key: string, value: unknown): PublishResult;
  stats(): SseHubStats;
  /** Closes every stream and stops the heartbeat. */
  close(): void;
}

interface Client {
  id: number;
  keys: readonly string[];
  controller: ReadableStreamDefaultController<Uint8Array>;
  /** Newest undelivered update per key, in first-arrival order. */
  pending: Map<string, Uint8Array>;
  pendingBytes: number;
  /** Since when the client has been behind without reading anything; null while it keeps up. */
  behindSinceMs: number | null;
  closed: boolean;
}

const MAX_KEY_LENGTH = 256;
const LAGGING = "lagging";

export function createSseHub(options: SseHubOptions = {}): SseHub {
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const highWaterMark = options.highWaterMarkBytes ?? 64 * 1024;
  const maxBufferedBytes = options.maxBufferedBytes ?? 1024 * 1024;
  const stallMs = options.stallMs ?? 30_000;
  const maxKeysPerClient = options.maxKeysPerClient ?? 256;
  const maxClients = options.maxClients ?? 1000;
  const retryMs = options.retryMs ?? 3000;
  const now = options.nowMs ?? Date.now;
  const logger = options.logger ?? consoleLogger;
  const encoder = new TextEncoder();
  const ping = encoder.encode(formatSseEvent({ comment: "ping" }));

  const clients = new Set<Client>();
  const byKey = new Map<string, Set<Client>>();
  let nextClientId = 1;
  let sequence = 0;
  let eventsSent = 0;
  let coalesced = 0;
  let droppedClients = 0;
  let rejected = 0;
  let heartbeat: ReturnType<typeof setInterval> | undefined;

  function queuedBytes(client: Client): number {
    const desired = client.controller.desiredSize;
    return desired === null ? 0 : highWaterMark - desired;
  }

  function hasRoom(client: Client): boolean {
    return (client.controller.desiredSize ?? 0) > 0;
  }

  function send(client: Client, bytes: Uint8Array): void {
    client.controller.enqueue(bytes);
    eventsSent++;
    if (!hasRoom(client)) client.behindSinceMs ??= now();
  }

  function flush(client: Client): void {
    for (const [key, bytes] of client.pending) {
      if (!hasRoom(client)) return;
      client.pending.delete(key);
      client.pendingBytes -= bytes.byteLength;
      send(client, bytes);
    }
    if (hasRoom(client)) client.behindSinceMs = null;
  }

  function deliver(client: Client, key: string, bytes: Uint8Array): void {
    if (client.pending.size === 0 && hasRoom(client)) {
      send(client, bytes);
      return;
    }
    const previous = client.pending.get(key);
    if (previous !== undefined) {
      coalesced++;
      client.pendingBytes -= previous.byteLength;
    }
    client.pending.set(key, bytes);
    client.pendingBytes += bytes.byteLength;
    client.behindSinceMs ??= now();
    // Room may have opened since the last pull; flushing keeps per-key order (older value never after newer).
    if (hasRoom(client)) flush(client);
    checkLimits(client);
  }

  function checkLimits(client: Client): void {
    const buffered = queuedBytes(client) + client.pendingBytes;
    if (buffered > maxBufferedBytes) drop(client, "buffer_full", buffered);
    else if (client.behindSinceMs !== null && now() - client.behindSinceMs >= stallMs) {
      drop(client, "stalled", buffered);
    }
  }

  function drop(client: Client, reason: string, bufferedBytes: number): void {
    if (client.closed) return;
    client.pending.clear();
    client.pendingBytes = 0;
    try {
      // Past the high-water mark on purpose: best effort, bounded to this one event.
      client.controller.enqueue(
        encoder.encode(formatSseEvent({ event: LAGGING, data: JSON.stringify({ reason, bufferedBytes }) })),
      );
      client.controller.close();
    } catch {
      // The stream was cancelled meanwhile; nothing left to tell.
    }
    forget(client);
    droppedClients++;
    logger.warn("Dropped a server-sent-events client that stopped reading", {
      client: client.id,
      reason,
      bufferedBytes,
    });
  }

  function forget(client: Client): void {
    if (client.closed) return;
    client.closed = true;
    client.pending.clear();
    client.pendingBytes = 0;
    clients.delete(client);
    for (const key of client.keys) {
      const set = byKey.get(key);
      set?.delete(client);
      if (set?.size === 0) byKey.delete(key);
    }
    if (clients.size === 0 && heartbeat !== undefined) {
      clearInterval(heartbeat);
      heartbeat = undefined;
    }
  }

  function tick(): void {
    for (const client of [...clients]) {
      if (client.behindSinceMs !== null) checkLimits(client);
      else if (hasRoom(client)) client.controller.enqueue(ping);
    }
  }

  function connect(req: Request, connectOptions: SseConnectOptions = {}): Response {
    const keys = [...new Set(connectOptions.keys ?? keysFromQuery(new URL(req.url)))];
    if (keys.length === 0) return jsonError(400, "Cannot subscribe: no keys (use ?keys=a,b)");
    if (keys.length > maxKeysPerClient) {
      return jsonError(400, `Cannot subscribe: ${keys.length} keys, at most ${maxKeysPerClient} allowed`);
    }
    for (const key of keys) {
      const reason = invalidKey(key);
      if (reason !== null) return jsonError(400, `Cannot subscribe to key ${JSON.stringify(key)}: ${reason}`);
    }
    if (clients.size >= maxClients) return jsonError(503, `Cannot subscribe: ${clients.size} clients connected`);

    let client: Client | undefined;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        client = {
          id: nextClientId++,
          keys,
          controller,
          pending: new Map(),
          pendingBytes: 0,
          behindSinceMs: null,
          closed: false,
        };
      },
      pull() {
        // The reader took something: progress. A slow reader that keeps reading is coalesced, never dropped
        // for stalling; only one that stops reading for stallMs while behind is.
        if (client === undefined || client.closed) return;
        flush(client);
        client.behindSinceMs = hasRoom(client) ? null : now();
      },
      cancel() {
        if (client !== undefined) forget(client);
      },
    }, { highWaterMark: highWaterMark, size: (chunk) => chunk.byteLength });
    const added = client!;
    clients.add(added);
    for (const key of keys) {
      let set = byKey.get(key);
      if (set === undefined) byKey.set(key, set = new Set());
      set.add(added);
    }
    added.controller.enqueue(encoder.encode(formatSseEvent({ retry: retryMs, comment: "connected" })));
    // A disconnect reaches us as cancel() on the stream (Deno.serve cancels the body); req.signal is not
    // watched because Deno.serve warns about its legacy abort-on-success behaviour.
    heartbeat ??= setInterval(tick, heartbeatMs);
    return new Response(stream, {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache, no-store",
        "x-content-type-options": "nosniff",
        // Tells nginx-style proxies not to buffer the stream.
        "x-accel-buffering": "no",
      },
    });
  }

  function publish(key: string, value: unknown): PublishResult {
    const reason = invalidKey(key);
    if (reason !== null) {
      rejected++;
      return { kind: "rejected", reason: `key ${JSON.stringify(key)}: ${reason}` };
    }
    const subscribers = byKey.get(key);
    if (subscribers === undefined) return { kind: "published", clients: 0 };
    let data: string | undefined;
    try {
      data = JSON.stringify(value, (_, v) => typeof v === "bigint" ? v.toString() : v);
    } catch (error) {
      rejected++;
      return { kind: "rejected", reason: `value for key "${key}" is not JSON: ${(error as Error).message}` };
    }
    if (data === undefined) {
      rejected++;
      return { kind: "rejected", reason: `value for key "${key}" is ${typeof value}, not JSON` };
    }
    // Encoded once and shared by every subscriber.
    const bytes = encoder.encode(formatSseEvent({ id: String(++sequence), event: key, data }));
    const reached = subscribers.size;
    for (const client of [...subscribers]) deliver(client, key, bytes);
    return { kind: "published", clients: reached };
  }

  function stats(): SseHubStats {
    let bufferedBytes = 0;
    let maxClientBufferedBytes = 0;
    for (const client of clients) {
      const bytes = queuedBytes(client) + client.pendingBytes;
      bufferedBytes += bytes;
      maxClientBufferedBytes = Math.max(maxClientBufferedBytes, bytes);
    }
    return {
      clients: clients.size,
      eventsSent,
      coalesced,
      droppedClients,
      rejected,
      bufferedBytes,
      maxClientBufferedBytes,
    };
  }

  function close(): void {
    for (const client of [...clients]) {
      forget(client);
      try {
        client.controller.close();
      } catch {
        // Already cancelled.
      }
    }
    if (heartbeat !== undefined) clearInterval(heartbeat);
    heartbeat = undefined;
  }

  return { connect, publish, stats, close };
}

function keysFromQuery(url: URL): string[] {
  const keys = url.searchParams.getAll("key");
  for (const list of url.searchParams.getAll("keys")) keys.push(...list.split(",").filter((key) => key !== ""));
  return keys;
}

function invalidKey(key: string): string | null {
  if (typeof key !== "string" || key === "") return "a key is a non-empty string";
  if (key.length > MAX_KEY_LENGTH) return `longer than ${MAX_KEY_LENGTH} characters`;
  if (/[\r\n\0]/.test(key)) return "contains a line break or NUL";
  if (key === LAGGING) return `"${LAGGING}" is the hub's own event`;
  return null;
}
