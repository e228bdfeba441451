/** A worker request the caller got wrong: its message goes back to the main thread as a 4xx, not a 500. */
export class RequestError extends Error {
  override name = "RequestError";
  constructor(message: string, readonly status = 400) {
    super(message);
  }
}
