/**
 * `openRawHttp()`: one HTTP/1.1 request written by hand on a plain TCP connection, for what fetch() will not do:
 * a client that never reads its response (scenario 13), or a request with a forged Host header or a lying body
 * (tests/security). The caller reads (or does not) and closes the connection.
 */
export interface RawRequest {
  method?: string;
  /** Path and query, sent as they are (no normalisation: `/../x` stays `/../x`). */
  target: string;
  /** Header lines; Host defaults to the URL's host. */
  headers?: Record<string, string>;
  body?: Uint8Array | string;
}

export async function openRawHttp(baseUrl: string, request: RawRequest): Promise<Deno.TcpConn> {
  const url = new URL(baseUrl);
  const conn = await Deno.connect({ hostname: url.hostname, port: Number(url.port) });
  const body = typeof request.body === "string" ? new TextEncoder().encode(request.body) : request.body;
  const headers: Record<string, string> = { host: url.host, connection: "close", ...request.headers };
  if (
    body !== undefined &&
    !Object.keys(headers).some((h) => h.toLowerCase() === "content-length" || h.toLowerCase() === "transfer-encoding")
  ) {
    headers["content-length"] = String(body.byteLength);
  }
  const head = `${request.method ?? "GET"} ${request.target} HTTP/1.1\r\n` +
    Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join("") + "\r\n";
  try {
    await writeAll(conn, new TextEncoder().encode(head));
    if (body !== undefined) await writeAll(conn, body);
  } catch (error) {
    conn.close();
    throw error;
  }
  return conn;
}

/**
 * Reads until the server closes the connection, the response is complete (its Content-Length read, or the last
 * chunk of a chunked body; with `untilClose` only the close counts, for an event stream), `limitBytes`, or
 * `timeoutMs`; returns the raw text.
 */
export async function readAll(
  conn: Deno.TcpConn,
  options: { limitBytes?: number; timeoutMs?: number; untilClose?: boolean } = {},
): Promise<string> {
  const limit = options.limitBytes ?? 64 * 1024 * 1024;
  const chunks: Uint8Array[] = [];
  let total = 0;
  const buffer = new Uint8Array(64 * 1024);
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  while (total < limit && Date.now() < deadline) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), Math.max(1, deadline - Date.now()));
    });
    const n = await Promise.race([conn.read(buffer), timeout]);
    clearTimeout(timer);
    if (n === "timeout" || n === null) break;
    chunks.push(buffer.slice(0, n));
    total += n;
    if (!options.untilClose && isComplete(chunks)) break;
  }
  return new TextDecoder().decode(concat(chunks));
}

/** Status and body of a complete response text (chunked bodies are returned as sent). */
export function parseRawResponse(text: string): { status: number; headers: Headers; body: string } {
  const end = text.indexOf("\r\n\r\n");
  const head = end < 0 ? text : text.slice(0, end);
  const [statusLine, ...lines] = head.split("\r\n");
  const headers = new Headers();
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  return { status: Number(statusLine.split(" ")[1]), headers, body: end < 0 ? "" : text.slice(end + 4) };
}

function isComplete(chunks: readonly Uint8Array[]): boolean {
  const text = new TextDecoder().decode(concat(chunks));
  const end = text.indexOf("\r\n\r\n");
  if (end < 0) return false;
  const head = text.slice(0, end).toLowerCase();
  const body = text.slice(end + 4);
  const length = /\r\ncontent-length:\s*(\d+)/.exec(head);
  if (length) return new TextEncoder().encode(body).byteLength >= Number(length[1]);
  if (/\r\ntransfer-encoding:\s*chunked/.test(head)) return /(^|\r\n)0\r\n\r\n$/.test(body);
  return false;
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const bytes = new Uint8Array(chunks.reduce((sum, c) => sum + c.byteLength, 0));
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

async function writeAll(conn: Deno.TcpConn, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.byteLength) written += await conn.write(bytes.subarray(written));
}
