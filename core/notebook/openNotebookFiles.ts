/**
 * The notebook files under one folder (data/notebooks): list, read, write, delete. A notebook is addressed by a
 * name that is a plain file stem ([A-Za-z0-9][A-Za-z0-9_-]*, no dots or slashes), so no request can name a path
 * outside the folder; symlinks are refused too. Writes are atomic (temp file + rename) and carry the version
 * (a content hash) the editor started from, so a save over a file changed meanwhile is a conflict, not a loss.
 */
import { join } from "node:path";
import { formatNotebook, type NotebookDoc, parseNotebook } from "./notebookFile.ts";

export interface NotebookListing {
  name: string;
  /** The first "# heading", or the name. */
  title: string;
  cells: number;
  liveCells: number;
  modifiedMs: number;
}

export type NotebookRead =
  | { kind: "ok"; name: string; text: string; doc: NotebookDoc; version: string }
  | { kind: "missing"; message: string }
  | { kind: "rejected"; message: string };

export type NotebookWrite =
  | { kind: "ok"; version: string; created: boolean }
  | { kind: "conflict"; message: string; version: string | null }
  | { kind: "rejected"; message: string };

export interface NotebookFiles {
  readonly dir: string;
  list(): Promise<NotebookListing[]>;
  read(name: string): Promise<NotebookRead>;
  /**
   * Saves `doc`. `expectedVersion`: the version read before editing (the write is a conflict if the file now
   * differs), null to create a new file (a conflict if it exists), undefined to overwrite unconditionally.
   */
  write(name: string, doc: NotebookDoc, options?: { expectedVersion?: string | null }): Promise<NotebookWrite>;
  remove(
    name: string,
  ): Promise<{ kind: "ok" } | { kind: "missing"; message: string } | { kind: "rejected"; message: string }>;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const EXTENSION = ".md";
/** Notebooks are small; anything bigger is not one of ours. */
const MAX_BYTES = 1024 * 1024;

/** Why `name` cannot name a notebook, or null. */
export function notebookNameError(name: string): string | null {
  if (NAME.test(name)) return null;
  return `Notebook name ${
    JSON.stringify(name.slice(0, 80))
  } is not allowed: use 1-64 letters, digits, "_" or "-", starting with a letter or digit`;
}

/** Nothing is touched until a method is called; the folder is created on the first write. */
export function openNotebookFiles(dir: string): NotebookFiles {
  const pathOf = (name: string): string => join(dir, name + EXTENSION);

  async function list(): Promise<NotebookListing[]> {
    const listings: NotebookListing[] = [];
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(dir));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return [];
      throw error;
    }
    for (const entry of entries) {
      if (!entry.isFile || !entry.name.endsWith(EXTENSION)) continue;
      const name = entry.name.slice(0, -EXTENSION.length);
      if (notebookNameError(name) !== null) continue;
      const read = await readFile(name);
      if (read.kind !== "ok") continue;
      const info = await Deno.stat(pathOf(name));
      listings.push({
        name,
        title: titleOf(read.text) ?? name,
        cells: read.doc.cells.length,
        liveCells: read.doc.cells.filter((cell) => cell.live).length,
        modifiedMs: info.mtime?.getTime() ?? 0,
      });
    }
    return listings.sort((a, b) => a.name.localeCompare(b.name));
  }

  async function readFile(name: string): Promise<NotebookRead> {
    const problem = notebookNameError(name);
    if (problem !== null) return { kind: "rejected", message: problem };
    const path = pathOf(name);
    let info: Deno.FileInfo;
    try {
      info = await Deno.lstat(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        return { kind: "missing", message: `There is no notebook ${JSON.stringify(name)}` };
      }
      throw error;
    }
    if (!info.isFile) return { kind: "rejected", message: `Notebook ${JSON.stringify(name)} is not a regular file` };
    if (info.size > MAX_BYTES) {
      return {
        kind: "rejected",
        message: `Notebook ${JSON.stringify(name)} has ${info.size} bytes, more than ${MAX_BYTES}`,
      };
    }
    const bytes = await Deno.readFile(path);
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      return { kind: "rejected", message: `Notebook ${JSON.stringify(name)} is not UTF-8 text` };
    }
    return { kind: "ok", name, text, doc: parseNotebook(text), version: await versionOf(bytes) };
  }

  async function write(
    name: string,
    doc: NotebookDoc,
    options: { expectedVersion?: string | null } = {},
  ): Promise<NotebookWrite> {
    const problem = notebookNameError(name);
    if (problem !== null) return { kind: "rejected", message: problem };
    const text = formatNotebook(doc);
    const bytes = new TextEncoder().encode(text);
    if (bytes.byteLength > MAX_BYTES) {
      return {
        kind: "rejected",
        message: `Cannot save notebook ${JSON.stringify(name)}: ${bytes.byteLength} bytes, more than ${MAX_BYTES}`,
      };
    }
    const current = await readFile(name);
    if (current.kind === "rejected") return current;
    if (options.expectedVersion !== undefined) {
      const currentVersion = current.kind === "ok" ? current.version : null;
      if (currentVersion !== options.expectedVersion) {
        return {
          kind: "conflict",
          message: options.expectedVersion === null
            ? `Cannot create notebook ${JSON.stringify(name)}: it exists already`
            : `Cannot save notebook ${JSON.stringify(name)}: it changed on disk since it was opened (reload it)`,
          version: currentVersion,
        };
      }
    }
    await Deno.mkdir(dir, { recursive: true });
    const temp = join(dir, `.${name}.${crypto.randomUUID().slice(0, 8)}.tmp`);
    try {
      await Deno.writeFile(temp, bytes);
      await Deno.rename(temp, pathOf(name));
    } catch (error) {
      await Deno.remove(temp).catch(() => {});
      throw error;
    }
    return { kind: "ok", version: await versionOf(bytes), created: current.kind === "missing" };
  }

  async function remove(name: string): ReturnType<NotebookFiles["remove"]> {
    const current = await readFile(name);
    if (current.kind !== "ok") return current;
    await Deno.remove(pathOf(name));
    return { kind: "ok" };
  }

  return { dir, list, read: readFile, write, remove };
}

function titleOf(text: string): string | null {
  return /^#[ \t]+(.+?)[ \t]*#*[ \t]*$/m.exec(text)?.[1] ?? null;
}

async function versionOf(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return [...digest.subarray(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
