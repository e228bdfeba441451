/**
 * The web app: file-system routes, island pages, island bundles, static files and the request checks,
 * behind one `fetch(req)` for `Deno.serve` and for tests (`app.fetch(new Request(…))`).
 *
 * Start-up (all in createApp, nothing at import time): import islands, import routes, build the island
 * bundles (unless prebuilt ones are passed). Order of a request: Host/Origin checks → body limit (Content-Length, or bytes streamed) →
 * bundle files (/_frsh/js/…) → static files → routes → _404. Any uncaught error becomes a 500 whose body says
 * only "Internal Server Error"; the error goes to the logger.
 */
import { buildIslandBundles, BUNDLE_PREFIX, bundleContentType, type IslandBundles } from "./buildIslandBundles.ts";
import { checkHostAndOrigin, DEFAULT_ALLOWED_HOSTS } from "./checkHostAndOrigin.ts";
import { createRouter } from "./createRouter.ts";
import { jsonError } from "./jsonError.ts";
import { BodyTooLargeError, limitBody } from "./limitBody.ts";
import { type LoadedRoute, loadFsRoutes } from "./loadFsRoutes.ts";
import { loadIslands } from "./loadIslands.ts";
import { consoleLogger, type Logger } from "./logger.ts";
import { isPageResponse } from "./page.ts";
import { renderPage } from "./renderPage.ts";
import { registerIslands } from "./renderWithIslands.ts";
import { serveStatic } from "./serveStatic.ts";
import { toPath } from "./toPath.ts";
import type { Context, HandlerFn, HttpMethod, PageProps } from "./types.ts";

export interface AppOptions<State> {
  routesDir: string | URL;
  islandsDir: string | URL;
  /** Served when it exists; a file is looked up per request, never outside the directory. */
  staticDir?: string | URL;
  /** Services for routes (a store, an SSE hub…), copied shallowly into each request's `ctx.state`. */
  state?: State;
  /** Requests declaring a larger Content-Length get 413 before any handler runs. Default 1 MiB. */
  bodyLimitBytes?: number;
  /** Host names ("localhost": any port) or host:port. Default 127.0.0.1, localhost and [::1], any port. */
  allowedHosts?: readonly string[];
  /** Bundles from an earlier buildIslandBundles(); the app then neither builds nor disposes them. */
  bundles?: IslandBundles;
  /** Passed to the bundle build. Default true. */
  minify?: boolean;
  logger?: Logger;
}

export interface App {
  fetch(req: Request): Promise<Response>;
  /** Route patterns in match order. */
  readonly routes: readonly string[];
  readonly bundles: IslandBundles;
  /** Removes the bundle temp dir (if this app built it). */
  dispose(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export async function createApp<State extends object = Record<string, unknown>>(
  options: AppOptions<State>,
): Promise<App> {
  const logger = options.logger ?? consoleLogger;
  const bodyLimitBytes = options.bodyLimitBytes ?? 1024 * 1024;
  const allowedHosts = options.allowedHosts ?? DEFAULT_ALLOWED_HOSTS;
  // Islands first: route modules may create island vnodes as they load, and those must already be known.
  const islands = await loadIslands(options.islandsDir);
  registerIslands(islands);
  const fsRoutes = await loadFsRoutes(options.routesDir);
  const router = createRouter(fsRoutes.routes);
  const staticRoot = options.staticDir === undefined ? undefined : await realDir(toPath(options.staticDir), logger);
  const ownsBundles = options.bundles === undefined;
  const bundles = options.bundles ?? await buildIslandBundles(islands, { minify: options.minify, logger });

  async function fetch(req: Request): Promise<Response> {
    const method = req.method.toUpperCase();
    try {
      const response = await respond(req, method);
      return method === "HEAD" ? withoutBody(response) : response;
    } catch (error) {
      if (error instanceof BodyTooLargeError) return jsonError(413, error.message);
      logger.error(`Unhandled error in ${method} ${safePath(req.url)}`, { error });
      await req.body?.cancel().catch(() => {});
      return jsonError(500, "Internal Server Error");
    }
  }

  async function respond(req: Request, method: string): Promise<Response> {
    const url = new URL(req.url);
    const check = checkHostAndOrigin(req, allowedHosts);
    if (check.kind === "rejected") {
      await req.body?.cancel();
      return jsonError(403, `Forbidden: ${check.reason}`);
    }
    const length = req.headers.get("content-length");
    const declared = Number(length ?? "0");
    if (declared > bodyLimitBytes) {
      await req.body?.cancel();
      return jsonError(413, `Request body of ${declared} bytes exceeds the limit of ${bodyLimitBytes} bytes`);
    }
    // Streamed without a length: counted as it is read, whoever reads it (see limitBody.ts).
    if (length === null && req.body !== null) req = limitBody(req, bodyLimitBytes);
    const isRead = method === "GET" || method === "HEAD";
    if (isRead && url.pathname.startsWith(BUNDLE_PREFIX)) return serveBundle(url.pathname.slice(BUNDLE_PREFIX.length));
    if (isRead && staticRoot !== undefined) {
      const file = await serveStatic(req, url, staticRoot);
      if (file !== null) return file;
    }
    const match = router.match(method, url.pathname);
    switch (match.kind) {
      case "matched":
        return await runRoute(match.value, { req, url, params: match.params, method, status: 200 });
      case "method_not_allowed":
        await req.body?.cancel();
        return jsonError(405, `Method ${method} is not allowed here`, { allow: match.allow.join(", ") });
      case "not_found":
        if (isRead && fsRoutes.notFound !== undefined) {
          return await runRoute(fsRoutes.notFound, { req, url, params: {}, method, status: 404 });
        }
        await req.body?.cancel();
        return jsonError(404, `Not found: ${url.pathname}`);
    }
  }

  async function runRoute(
    route: LoadedRoute,
    request: { req: Request; url: URL; params: Record<string, string>; method: string; status: number },
  ): Promise<Response> {
    const { handler } = route.module;
    const ctx: Context<State> = {
      req: request.req,
      url: request.url,
      params: request.params,
      state: { ...options.state } as State,
      route: route.pattern,
    };
    let fn: HandlerFn<unknown, State> | undefined;
    if (typeof handler === "function") fn = handler as HandlerFn<unknown, State>;
    else if (handler !== undefined) {
      const byMethod = handler as Partial<Record<string, HandlerFn<unknown, State>>>;
      fn = byMethod[request.method as HttpMethod] ?? (request.method === "HEAD" ? byMethod.GET : undefined);
    }
    if (fn === undefined) return await render(route, ctx, undefined, { status: request.status });
    const result = await fn(ctx);
    if (result instanceof Response) return result;
    if (isPageResponse(result)) {
      return await render(route, ctx, result.data, {
        status: result.status ?? request.status,
        headers: result.headers,
      });
    }
    throw new TypeError(
      `Route "${route.file}" ${request.method} handler returned ${describe(result)}; expected a Response or page(data)`,
    );
  }

  async function render(
    route: LoadedRoute,
    ctx: Context<State>,
    data: unknown,
    init: { status: number; headers?: HeadersInit },
  ): Promise<Response> {
    const page = route.module.default;
    if (page === undefined) {
      throw new TypeError(`Route "${route.file}" returned page(…) but has no default-exported component`);
    }
    const props: PageProps = {
      data,
      url: ctx.url,
      params: ctx.params,
      state: ctx.state,
      req: ctx.req,
      route: ctx.route,
    };
    const html = await renderPage({ page, props, app: fsRoutes.app, bundles });
    const headers = new Headers(init.headers);
    if (!headers.has("content-type")) headers.set("content-type", "text/html; charset=utf-8");
    headers.set("x-content-type-options", "nosniff");
    return new Response(html, { status: init.status, headers });
  }

  function serveBundle(name: string): Response {
    const bytes = bundles.files.get(name);
    if (bytes === undefined) return jsonError(404, `No bundle named ${JSON.stringify(name)}`);
    return new Response(bytes as Uint8Array<ArrayBuffer>, {
      headers: {
        "content-type": bundleContentType(name),
        // Names carry a content hash: a changed file gets a new name, so browsers may keep this one forever.
        "cache-control": "public, max-age=31536000, immutable",
        "x-content-type-options": "nosniff",
      },
    });
  }

  async function dispose(): Promise<void> {
    if (ownsBundles) await bundles.dispose();
  }

  return { fetch, routes: router.patterns, bundles, dispose, [Symbol.asyncDispose]: dispose };
}

function withoutBody(response: Response): Response {
  if (response.body === null) return response;
  response.body.cancel().catch(() => {});
  return new Response(null, { status: response.status, statusText: response.statusText, headers: response.headers });
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return `an object (${Object.keys(value).slice(0, 5).join(", ") || "no keys"})`;
  return typeof value;
}

function safePath(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return "(bad URL)";
  }
}

/** The static dir's real path; undefined when it does not exist ("static/ if present"). */
async function realDir(path: string, logger: Logger): Promise<string | undefined> {
  let real: string;
  try {
    real = await Deno.realPath(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    logger.debug(`No static files: ${path} does not exist`);
    return undefined;
  }
  if (!(await Deno.stat(real)).isDirectory) {
    throw new Error(`Cannot serve static files from "${path}": not a directory`);
  }
  return real;
}
