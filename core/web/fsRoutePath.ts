/**
 * Maps a file path under routes/ to what it means, following Fresh's file-system routing:
 * `index.tsx` → `/`, `api/health.ts` → `/api/health`, `[id]` → a parameter, `[...rest]` → a catch-all,
 * `(group)` folders vanish from the path, `_app` is the HTML shell and `_404` the not-found page.
 *
 * Pure: takes a relative posix path, returns a value; loadFsRoutes() does the I/O.
 */

export type RouteSegment =
  | { kind: "static"; value: string }
  | { kind: "param"; name: string }
  | { kind: "catchall"; name: string };

export type FsRoutePath =
  /** `pattern` is a URLPattern pathname, e.g. "/items/:id" or "/files/:path*". */
  | { kind: "route"; file: string; segments: RouteSegment[]; pattern: string }
  | { kind: "app"; file: string }
  | { kind: "notFound"; file: string }
  /** Not a route module at all (other extension, a test, a type declaration). */
  | { kind: "ignored"; file: string; reason: string }
  /** Looks like a route but cannot be one; the loader refuses to start rather than drop it silently. */
  | { kind: "rejected"; file: string; reason: string };

const MODULE_EXTENSION = /\.(tsx|ts|jsx|js|mts|mjs)$/;
const PARAM_NAME = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
// Characters with a meaning in URLPattern syntax; a static segment containing them is escaped.
const URL_PATTERN_SYNTAX = /[:*?+(){}\\]/g;

export function fsRoutePath(file: string): FsRoutePath {
  if (!MODULE_EXTENSION.test(file)) return { kind: "ignored", file, reason: "not a module" };
  if (/\.d\.[mc]?ts$/.test(file)) return { kind: "ignored", file, reason: "a type declaration" };
  if (/[._]test\.[a-z]+$/.test(file)) return { kind: "ignored", file, reason: "a test" };

  const parts = file.replace(MODULE_EXTENSION, "").split("/");
  if (parts.some((part) => part === "" || part === "." || part === "..")) {
    return { kind: "rejected", file, reason: "the path has an empty, '.' or '..' part" };
  }
  const last = parts[parts.length - 1];
  if (parts.some((part) => part.startsWith("_"))) {
    if (parts.length === 1 && last === "_app") return { kind: "app", file };
    if (parts.length === 1 && last === "_404") return { kind: "notFound", file };
    // A silently skipped _middleware would be a security hole, so unknown special files stop the start-up.
    return {
      kind: "rejected",
      file,
      reason: "only routes/_app and routes/_404 are supported (no _layout, _middleware, _error or _-prefixed folders)",
    };
  }

  const segments: RouteSegment[] = [];
  const names = new Set<string>();
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    const isLast = i === parts.length - 1;
    if (/^\(.+\)$/.test(part) && !isLast) continue; // (group) folder: organises files, not URLs
    if (isLast && part === "index") continue;
    const bracket = /^\[(\.\.\.)?([^\]]*)\]$/.exec(part);
    if (bracket) {
      const name = bracket[2];
      if (!PARAM_NAME.test(name)) {
        return { kind: "rejected", file, reason: `parameter name "${name}" is not an identifier` };
      }
      if (names.has(name)) return { kind: "rejected", file, reason: `parameter "${name}" appears twice` };
      names.add(name);
      if (bracket[1]) {
        if (!isLast) return { kind: "rejected", file, reason: `catch-all "[...${name}]" must be the last part` };
        segments.push({ kind: "catchall", name });
      } else {
        segments.push({ kind: "param", name });
      }
      continue;
    }
    if (/[[\]]/.test(part)) {
      return {
        kind: "rejected",
        file,
        reason: `segment "${part}" mixes text and brackets; only whole-segment [param] or [...rest] is supported`,
      };
    }
    segments.push({ kind: "static", value: part });
  }
  return { kind: "route", file, segments, pattern: patternOf(segments) };
}

function patternOf(segments: readonly RouteSegment[]): string {
  if (segments.length === 0) return "/";
  return segments.map((segment) => {
    switch (segment.kind) {
      case "static":
        return "/" + encodeURI(segment.value).replace(URL_PATTERN_SYNTAX, (c) => `\\${c}`);
      case "param":
        return `/:${segment.name}`;
      case "catchall":
        return `/:${segment.name}*`;
    }
  }).join("");
}
