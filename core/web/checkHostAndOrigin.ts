/**
 * Request checks that keep other sites and rebinding DNS names away from a server bound to loopback:
 * - Host must be one of `allowedHosts` for every method (a DNS-rebinding page sends its own host name).
 * - For methods other than GET and HEAD, Origin, when present, must be this same host (cross-site form
 *   posts and fetches carry the attacker's origin); absent is fine (curl and scripts send none), unless
 *   the browser says `Sec-Fetch-Site: cross-site`.
 *
 * An allowed host is a name ("localhost": any port) or name and port ("localhost:8000": that port only).
 */

export const DEFAULT_ALLOWED_HOSTS: readonly string[] = ["127.0.0.1", "localhost", "[::1]"];

export type HostCheck = { kind: "allowed" } | { kind: "rejected"; reason: string };

export function checkHostAndOrigin(req: Request, allowedHosts: readonly string[] = DEFAULT_ALLOWED_HOSTS): HostCheck {
  const host = (req.headers.get("host") ?? new URL(req.url).host).toLowerCase();
  if (!isAllowedHost(host, allowedHosts)) {
    return { kind: "rejected", reason: `Host ${JSON.stringify(host)} is not one of the allowed hosts` };
  }
  if (req.method === "GET" || req.method === "HEAD") return { kind: "allowed" };
  const origin = req.headers.get("origin");
  if (origin === null) {
    if (req.headers.get("sec-fetch-site") === "cross-site") {
      return { kind: "rejected", reason: "cross-site request without an Origin header" };
    }
    return { kind: "allowed" };
  }
  let originHost: string;
  try {
    const url = new URL(origin);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new TypeError("not http(s)");
    originHost = url.host.toLowerCase();
  } catch {
    return { kind: "rejected", reason: `Origin ${JSON.stringify(origin)} is not an http(s) origin` };
  }
  if (originHost !== host) {
    return { kind: "rejected", reason: `Origin ${JSON.stringify(origin)} does not match Host ${JSON.stringify(host)}` };
  }
  return { kind: "allowed" };
}

function isAllowedHost(host: string, allowedHosts: readonly string[]): boolean {
  const name = host.startsWith("[") ? host.slice(0, host.indexOf("]") + 1) : host.split(":")[0];
  return allowedHosts.some((allowed) => {
    const lower = allowed.toLowerCase();
    return lower === host || lower === name;
  });
}
