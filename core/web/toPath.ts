/** Accepts a directory as a path or a file: URL, the way callers naturally have it (`new URL("./routes", import.meta.url)`). */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

export function toPath(pathOrUrl: string | URL): string {
  if (pathOrUrl instanceof URL) return fileURLToPath(pathOrUrl);
  return pathOrUrl.startsWith("file:") ? fileURLToPath(pathOrUrl) : resolve(pathOrUrl);
}
