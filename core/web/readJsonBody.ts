/**
 * Reads a request body as JSON with a size limit, for handlers. The limit is checked against Content-Length
 * before reading and against the bytes actually streamed (a client can lie or send chunked). Failures are
 * values carrying the Response to return: 413 past the limit, 400 for an empty body, bad UTF-8 or bad JSON.
 *
 *   const body = await readJsonBody(ctx.req, { limitBytes: 64 * 1024 });
 *   if (body.kind === "rejected") return body.response;
 */
import { jsonError } from "./jsonError.ts";

export type JsonBodyResult<T = unknown> =
  | { kind: "ok"; value: T }
  | { kind: "rejected"; status: 400 | 413; message: string; response: Response };

export interface ReadJsonBodyOptions {
  /** Default 1 MiB. */
  limitBytes?: number;
}

export async function readJsonBody<T = unknown>(
  req: Request,
  options: ReadJsonBodyOptions = {},
): Promise<JsonBodyResult<T>> {
  const limitBytes = options.limitBytes ?? 1024 * 1024;
  const declared = req.headers.get("content-length");
  if (declared !== null && Number(declared) > limitBytes) {
    await req.body?.cancel();
    return reject(413, `Cannot read JSON body: Content-Length ${declared} exceeds the limit of ${limitBytes} bytes`);
  }
  if (req.body === null) return reject(400, "Cannot read JSON body: the request has no body");
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = req.body.getReader();
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limitBytes) {
      await reader.cancel();
      return reject(413, `Cannot read JSON body: more than ${limitBytes} bytes received`);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return reject(400, "Cannot read JSON body: it is not valid UTF-8");
  }
  if (text.trim() === "") return reject(400, "Cannot read JSON body: the body is empty");
  try {
    return { kind: "ok", value: JSON.parse(text) as T };
  } catch (error) {
    return reject(400, `Cannot parse JSON body: ${(error as SyntaxError).message}`);
  }
}

function reject(status: 400 | 413, message: string): JsonBodyResult<never> {
  return { kind: "rejected", status, message, response: jsonError(status, message) };
}
