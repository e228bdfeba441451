/**
 * Serves files from a static/ directory, and nothing outside it: the decoded path may not contain "..",
 * ".", backslashes or NUL, and the resolved real path (symlinks followed) must stay under the directory.
 * Returns null when there is no such file, so the router gets its turn.
 */
import { extname, join, sep } from "node:path";
import { jsonError } from "./jsonError.ts";

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".woff": "font/woff",
  ".wasm": "application/wasm",
  ".map": "application/json; charset=utf-8",
};

/** `rootRealPath` is the static directory after Deno.realPath(). */
export async function serveStatic(req: Request, url: URL, rootRealPath: string): Promise<Response | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(url.pathname);
  } catch {
    return jsonError(400, `Bad path ${JSON.stringify(url.pathname)}: malformed percent-encoding`);
  }
  const parts = decoded.split("/").slice(1);
  if (decoded.includes("\\") || decoded.includes("\0") || parts.some((part) => part === ".." || part === ".")) {
    return jsonError(400, `Bad path ${JSON.stringify(url.pathname)}: it leaves the static directory`);
  }
  if (parts.some((part) => part === "")) return null; // "/" and "/dir/" are routes, never directory listings
  let realPath: string;
  let info: Deno.FileInfo;
  try {
    realPath = await Deno.realPath(join(rootRealPath, ...parts));
    info = await Deno.stat(realPath);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) return null;
    throw error;
  }
  if (!realPath.startsWith(rootRealPath + sep) || !info.isFile) return null;
  const etag = `W/"${info.size.toString(36)}-${(info.mtime?.getTime() ?? 0).toString(36)}"`;
  const headers = new Headers({
    "content-type": CONTENT_TYPES[extname(realPath).toLowerCase()] ?? "application/octet-stream",
    "cache-control": "no-cache",
    "x-content-type-options": "nosniff",
    etag,
  });
  if (req.headers.get("if-none-match") === etag) return new Response(null, { status: 304, headers });
  headers.set("content-length", String(info.size));
  // Read whole: static assets are small, and no file handle can outlive an unread response.
  const body = req.method === "HEAD" ? null : await Deno.readFile(realPath);
  return new Response(body, { headers });
}
