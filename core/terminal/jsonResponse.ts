/** JSON responses of the terminal's API routes: never cached, errors as `{ "error": message }`. */

export function jsonOk(value: unknown, init: { status?: number } = {}): Response {
  return Response.json(value, {
    status: init.status ?? 200,
    headers: { "cache-control": "no-store", "x-content-type-options": "nosniff" },
  });
}

export function jsonFail(status: number, message: string): Response {
  return Response.json({ error: message }, {
    status,
    headers: { "cache-control": "no-store", "x-content-type-options": "nosniff" },
  });
}
