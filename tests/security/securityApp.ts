/**
 * The real app as a child process for the security tests (no publisher: the checks are about the web layer), a
 * raw HTTP request helper that can forge Host and send bodies that lie, and the app's write routes found by reading
 * routes/ (so a new POST route is covered the day it is added).
 */
import { walk } from "./walk.ts";
import { openRawHttp, parseRawResponse, type RawRequest, readAll } from "../../core/chaos/openRawHttp.ts";
import { type AppProcess, startAppProcess } from "../../core/chaos/startAppProcess.ts";
import { REPO_ROOT } from "../../core/chaos/startPublisherProcess.ts";
import { fsRoutePath } from "../../core/web/fsRoutePath.ts";

export interface SecurityApp {
  app: AppProcess;
  url: string;
  /** One raw request; the response read whole. */
  send(request: RawRequest): Promise<{ status: number; headers: Headers; body: string }>;
}

/** Starts the app on a temp cache, runs `fn`, stops it; the app must exit 0. */
export async function withApp(fn: (app: SecurityApp) => Promise<void>, args: readonly string[] = []): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "fluxbook-security-" });
  // Nobody listens on port 9 (discard): the feed stays offline, which these tests do not care about.
  const app = startAppProcess({
    db: `${dir}/cache.duckdb`,
    pub: "tcp://127.0.0.1:9",
    req: "tcp://127.0.0.1:9",
    logFile: `${dir}/app.log`,
    extraArgs: args,
  });
  let failure: unknown = null;
  try {
    const url = await app.up;
    await fn({
      app,
      url,
      async send(request) {
        const conn = await openRawHttp(url, request);
        try {
          return parseRawResponse(await readAll(conn, { timeoutMs: 15_000 }));
        } finally {
          conn.close();
        }
      },
    });
  } catch (error) {
    failure = error;
  }
  const { status } = await app.stop({ timeoutMs: 20_000 });
  await Deno.remove(dir, { recursive: true });
  if (failure !== null) throw failure;
  if (status.code !== 0) {
    throw new Error(`the app exited with code ${status.code}; its log ends:\n${app.logLines().slice(-15).join("\n")}`);
  }
}

export interface WriteRoute {
  method: string;
  /** A concrete path, parameters filled with `probe`. */
  path: string;
  file: string;
}

const WRITE_METHODS = ["POST", "PUT", "PATCH", "DELETE"];

/** Every (method, path) under routes/ that accepts a write method. */
export async function writeRoutes(probe = "chaos-probe"): Promise<WriteRoute[]> {
  const routesDir = `${REPO_ROOT}/routes`;
  const routes: WriteRoute[] = [];
  for (const file of await walk(routesDir)) {
    const info = fsRoutePath(file);
    if (info.kind !== "route") continue;
    const module = await import(`file://${routesDir}/${file}`);
    const handler = module.handler;
    const methods = typeof handler === "function"
      ? WRITE_METHODS
      : WRITE_METHODS.filter((m) => typeof handler?.[m] === "function");
    const path = info.pattern.replace(/:([A-Za-z_$][\w$]*)\*?/g, probe);
    for (const method of methods) routes.push({ method, path, file });
  }
  return routes;
}
