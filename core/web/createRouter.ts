/**
 * Matches a request's method and path against routes, most specific first: at each segment a static name
 * beats a parameter, which beats a catch-all; a shorter path beats a longer one that shares its prefix.
 * One trailing slash is ignored ("/items/" matches "/items"), without a redirect.
 */
import type { RouteSegment } from "./fsRoutePath.ts";

export interface RouteEntry<T> {
  segments: readonly RouteSegment[];
  /** URLPattern pathname, from fsRoutePath(). */
  pattern: string;
  /** Methods the route answers, upper case; "any" for a handler function that takes every method. */
  methods: ReadonlySet<string> | "any";
  value: T;
}

export type RouteMatch<T> =
  | { kind: "matched"; value: T; params: Record<string, string>; pattern: string }
  | { kind: "not_found" }
  /** The path matched but no route there takes the method; `allow` is for the Allow header. */
  | { kind: "method_not_allowed"; allow: string[] };

export interface Router<T> {
  match(method: string, pathname: string): RouteMatch<T>;
  /** Patterns in match order, e.g. for a start-up log line. */
  readonly patterns: readonly string[];
}

interface CompiledRoute<T> {
  entry: RouteEntry<T>;
  urlPattern: URLPattern;
  endsWithCatchall: boolean;
}

const RANK: Record<RouteSegment["kind"], number> = { static: 0, param: 1, catchall: 2 };

export function createRouter<T>(entries: readonly RouteEntry<T>[]): Router<T> {
  const seen = new Map<string, string>();
  for (const entry of entries) {
    const shape = shapeOf(entry.segments);
    const other = seen.get(shape);
    if (other !== undefined) {
      throw new RangeError(`Cannot build the router: routes "${other}" and "${entry.pattern}" match the same paths`);
    }
    seen.set(shape, entry.pattern);
  }
  const compiled: CompiledRoute<T>[] = [...entries].sort((a, b) => compareSegments(a.segments, b.segments)).map((
    entry,
  ) => ({
    entry,
    urlPattern: new URLPattern({ pathname: entry.pattern }),
    endsWithCatchall: entry.segments.at(-1)?.kind === "catchall",
  }));

  function match(method: string, pathname: string): RouteMatch<T> {
    const path = pathname.length > 1 && pathname.endsWith("/") ? pathname.slice(0, -1) : pathname;
    const upper = method.toUpperCase();
    const allow = new Set<string>();
    for (const route of compiled) {
      // URLPattern's "/:rest*" cannot match "/" itself, only "": a root catch-all tries the empty path.
      const candidate = path === "/" && route.endsWithCatchall ? "" : path;
      const result = route.urlPattern.exec({ pathname: candidate });
      if (result === null) continue;
      const methods = route.entry.methods;
      if (methods === "any" || methods.has(upper)) {
        return {
          kind: "matched",
          value: route.entry.value,
          params: decodeParams(result.pathname.groups),
          pattern: route.entry.pattern,
        };
      }
      for (const m of methods) allow.add(m);
    }
    if (allow.size === 0) return { kind: "not_found" };
    return { kind: "method_not_allowed", allow: [...allow].sort() };
  }

  return { match, patterns: compiled.map((route) => route.entry.pattern) };
}

function compareSegments(a: readonly RouteSegment[], b: readonly RouteSegment[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const diff = RANK[a[i].kind] - RANK[b[i].kind];
    if (diff !== 0) return diff;
  }
  return a.length - b.length;
}

function shapeOf(segments: readonly RouteSegment[]): string {
  return segments.map((segment) => {
    switch (segment.kind) {
      case "static":
        return `/${segment.value}`;
      case "param":
        return "/:";
      case "catchall":
        return "/*";
    }
  }).join("") || "/";
}

function decodeParams(groups: Record<string, string | undefined>): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [name, raw] of Object.entries(groups)) {
    if (raw === undefined) {
      params[name] = "";
      continue;
    }
    try {
      params[name] = decodeURIComponent(raw);
    } catch {
      // A malformed escape ("%E0%A4%A") stays as sent; the handler sees exactly what the client wrote.
      params[name] = raw;
    }
  }
  return params;
}
