/**
 * `captureLines()`: drains a child's output stream line by line into a log file and a callback, until it ends.
 * A child's pipe must always be drained: one left full blocks the child on its next write.
 */
export function captureLines(
  stream: ReadableStream<Uint8Array>,
  options: { file?: string; onLine?: (line: string) => void },
): Promise<void> {
  return (async () => {
    const file = options.file === undefined
      ? null
      : await Deno.open(options.file, { write: true, create: true, append: true });
    const decoder = new TextDecoder();
    const reader = stream.getReader();
    let buffered = "";
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        if (file !== null) await file.write(value);
        buffered += decoder.decode(value, { stream: true });
        let newline: number;
        while ((newline = buffered.indexOf("\n")) >= 0) {
          options.onLine?.(buffered.slice(0, newline));
          buffered = buffered.slice(newline + 1);
        }
      }
      if (buffered !== "") options.onLine?.(buffered);
    } finally {
      reader.releaseLock();
      file?.close();
    }
  })();
}
