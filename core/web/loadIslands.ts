/**
 * Imports every island under islands/: one PascalCase file per island, the component as its default export
 * (`islands/Counter.tsx` → island "Counter"). Sub-folders are not scanned, so helpers can live there.
 */
import type { ComponentType } from "preact";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { toPath } from "./toPath.ts";

export interface Island {
  name: string;
  /** Absolute path of the module, the bundler's entry. */
  file: string;
  // deno-lint-ignore no-explicit-any -- islands take any props; the serializer checks them at render time
  component: ComponentType<any>;
}

export interface Islands {
  dir: string;
  byName: ReadonlyMap<string, Island>;
  /** Looked up for every component vnode while a page renders. */
  byComponent: ReadonlyMap<unknown, Island>;
}

const ISLAND_FILE = /^([^.]+)\.(tsx|ts|jsx|js)$/;
const PASCAL_CASE = /^[A-Z][A-Za-z0-9]*$/;

export async function loadIslands(dir: string | URL): Promise<Islands> {
  const root = toPath(dir);
  const names: string[] = [];
  for await (const entry of Deno.readDir(root)) {
    if (!entry.isFile && !entry.isSymlink) continue;
    const match = ISLAND_FILE.exec(entry.name);
    if (match === null) continue;
    if (!PASCAL_CASE.test(match[1])) {
      throw new Error(
        `Cannot load island "${join(root, entry.name)}": island files are PascalCase, named after their component`,
      );
    }
    names.push(entry.name);
  }
  names.sort();
  const byName = new Map<string, Island>();
  const byComponent = new Map<unknown, Island>();
  for (const fileName of names) {
    const name = ISLAND_FILE.exec(fileName)![1];
    const file = join(root, fileName);
    if (byName.has(name)) {
      throw new Error(`Cannot load island "${file}": another file in ${root} is also named "${name}"`);
    }
    const module = await import(pathToFileURL(file).href);
    if (typeof module.default !== "function") {
      throw new TypeError(
        `Cannot load island "${file}": its default export is a ${typeof module.default}, not a component`,
      );
    }
    if (byComponent.has(module.default)) {
      throw new Error(
        `Cannot load island "${file}": it exports the same component as island "${
          byComponent.get(module.default)!.name
        }"`,
      );
    }
    const island: Island = { name, file, component: module.default };
    byName.set(name, island);
    byComponent.set(module.default, island);
  }
  return { dir: root, byName, byComponent };
}
