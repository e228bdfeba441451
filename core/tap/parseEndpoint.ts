/**
 * Checks a ZeroMQ endpoint to connect to before handing it to libzmq, which accepts some nonsense
 * (`tcp://127.0.0.1:99999`) and reports the rest only as "Invalid argument".
 */

export type EndpointCheck = { kind: "ok"; endpoint: string } | { kind: "invalid"; message: string };

const EXAMPLE = "tcp://127.0.0.1:5556";
// A host name, an IPv4 address or a bracketed IPv6 address, then a port.
const TCP_ENDPOINT = /^tcp:\/\/(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):([^:]*)$/;

/** `tcp://HOST:PORT` with a port in 1..65535, or a message that says what is wrong with `text`. */
export function parseEndpoint(text: string): EndpointCheck {
  const invalid = (why: string): EndpointCheck => ({
    kind: "invalid",
    message: `invalid endpoint ${JSON.stringify(text)}: ${why}expected tcp://HOST:PORT (e.g. ${EXAMPLE})`,
  });
  const match = TCP_ENDPOINT.exec(text);
  if (match === null) return invalid("");
  const port = match[2];
  if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65_535) {
    return invalid(`port ${JSON.stringify(port)} is not a number in 1..65535; `);
  }
  return { kind: "ok", endpoint: text };
}
