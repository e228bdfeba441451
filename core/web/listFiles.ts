/** Recursive directory listing shared by the route and island loaders. */
import { join } from "node:path";

/** Files under `dir`, as posix paths relative to it, sorted so that loading order is stable. */
export async function listFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  async function walk(relative: string): Promise<void> {
    const entries: Deno.DirEntry[] = [];
    for await (const entry of Deno.readDir(join(dir, relative))) entries.push(entry);
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const path = relative === "" ? entry.name : `${relative}/${entry.name}`;
      const info = entry.isSymlink ? await Deno.stat(join(dir, path)) : entry;
      if (info.isDirectory) await walk(path);
      else if (info.isFile) files.push(path);
    }
  }
  await walk("");
  return files;
}
