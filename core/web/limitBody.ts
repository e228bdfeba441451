/**
 * `limitBody()`: a request whose body stream fails with BodyTooLargeError past `limitBytes`, for bodies that
 * declare no Content-Length (chunked). createApp turns that error into a 413 whatever the handler used to read
 * the body, so a route that forgets readJsonBody still cannot be fed an endless body.
 */
export class BodyTooLargeError extends Error {
  constructor(readonly limitBytes: number) {
    super(`Request body exceeds the limit of ${limitBytes} bytes (more was streamed without a Content-Length)`);
    this.name = "BodyTooLargeError";
  }
}

export function limitBody(req: Request, limitBytes: number): Request {
  if (req.body === null) return req;
  let received = 0;
  const counted = req.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        received += chunk.byteLength;
        if (received > limitBytes) controller.error(new BodyTooLargeError(limitBytes));
        else controller.enqueue(chunk);
      },
    }),
  );
  return new Request(req, { body: counted });
}
