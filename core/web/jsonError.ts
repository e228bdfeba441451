/** The web layer's error response: `{ "error": message }` with a status. Messages never carry stack traces. */
export function jsonError(status: number, message: string, headers?: HeadersInit): Response {
  const response = Response.json({ error: message }, { status, headers });
  response.headers.set("x-content-type-options", "nosniff");
  return response;
}
