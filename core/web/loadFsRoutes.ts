/**
 * Scans a routes/ directory and imports every route module: the start-up half of file-system routing.
 * Nothing is read at import time; the caller decides when (createApp() does it once at start-up).
 */
import type { ComponentType } from "preact";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { fsRoutePath } from "./fsRoutePath.ts";
import type { RouteEntry } from "./createRouter.ts";
import { listFiles } from "./listFiles.ts";
import { toPath } from "./toPath.ts";
import { type AppProps, HTTP_METHODS, type RouteModule } from "./types.ts";

export interface LoadedRoute {
  /** Path relative to the routes directory, e.g. "items/[id].tsx". */
  file: string;
  pattern: string;
  module: RouteModule;
}

export interface FsRoutes {
  dir: string;
  routes: RouteEntry<LoadedRoute>[];
  /** routes/_app.tsx's default export: the HTML shell around every page. */
  app: ComponentType<AppProps> | undefined;
  /** routes/_404.tsx: rendered (status 404) for GET/HEAD requests that match no route. */
  notFound: LoadedRoute | undefined;
}

export async function loadFsRoutes(dir: string | URL): Promise<FsRoutes> {
  const root = toPath(dir);
  const result: FsRoutes = { dir: root, routes: [], app: undefined, notFound: undefined };
  for (const file of await listFiles(root)) {
    const meaning = fsRoutePath(file);
    switch (meaning.kind) {
      case "ignored":
        continue;
      case "rejected":
        throw new Error(`Cannot load route "${join(root, file)}": ${meaning.reason}`);
      case "app": {
        const module = await importRoute(root, file);
        if (typeof module.default !== "function") {
          throw new TypeError(`Cannot load "${join(root, file)}": _app must default-export a component`);
        }
        result.app = module.default as ComponentType<AppProps>;
        continue;
      }
      case "notFound": {
        const module = await importRoute(root, file);
        methodsOf(module, join(root, file));
        result.notFound = { file, pattern: "/_404", module };
        continue;
      }
      case "route": {
        const module = await importRoute(root, file);
        result.routes.push({
          segments: meaning.segments,
          pattern: meaning.pattern,
          methods: methodsOf(module, join(root, file)),
          value: { file, pattern: meaning.pattern, module },
        });
        continue;
      }
    }
  }
  return result;
}

async function importRoute(root: string, file: string): Promise<RouteModule> {
  return await import(pathToFileURL(join(root, file)).href) as RouteModule;
}

/**
 * Which methods a module answers. A handler function takes every method; a handler object its keys; a page
 * adds GET when the object has none. HEAD follows GET (same handler, body dropped).
 */
function methodsOf(module: RouteModule, where: string): Set<string> | "any" {
  const { handler, default: component } = module;
  if (component !== undefined && typeof component !== "function") {
    throw new TypeError(`Cannot load route "${where}": its default export is a ${typeof component}, not a component`);
  }
  if (typeof handler === "function") return "any";
  const methods = new Set<string>();
  if (handler !== undefined) {
    if (typeof handler !== "object" || handler === null) {
      throw new TypeError(`Cannot load route "${where}": handler is a ${typeof handler}, not a function or object`);
    }
    for (const [key, fn] of Object.entries(handler)) {
      if (!(HTTP_METHODS as readonly string[]).includes(key)) {
        throw new TypeError(
          `Cannot load route "${where}": handler has key "${key}", expected one of ${HTTP_METHODS.join(", ")}`,
        );
      }
      if (typeof fn !== "function") {
        throw new TypeError(`Cannot load route "${where}": handler.${key} is a ${typeof fn}, not a function`);
      }
      methods.add(key);
    }
  }
  if (component !== undefined) methods.add("GET");
  if (methods.size === 0) {
    throw new TypeError(`Cannot load route "${where}": it exports neither a handler nor a default component`);
  }
  if (methods.has("GET")) methods.add("HEAD");
  return methods;
}
