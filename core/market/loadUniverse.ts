import { parseMapping } from "./parseMapping.ts";
import { parseUniverse } from "./parseUniverse.ts";
import { rowError } from "./readCsvTable.ts";
import type { CandleSource, RowError, Universe } from "./types.ts";

export interface LoadUniverseOptions {
  /** Defaults to `<dir>/universe.csv`. */
  universeFile?: string;
  /** Defaults to `<dir>/mapping.csv`. Its `file` column stays relative to `dir`. */
  mappingFile?: string;
  /**
   * Reject file rows whose file does not exist (default true). `deno task generate` turns it off: it is
   * about to write those files.
   */
  checkFiles?: boolean;
}

/**
 * Loads the instrument universe and each symbol's candle source from a data directory. Bad rows come back as
 * `errors` (file, line, column, message) and are skipped, so one typo does not take the universe down; a
 * mapping row whose file does not exist is such an error too. A missing universe or mapping file throws.
 */
export async function loadUniverse(dir: string = "data", options: LoadUniverseOptions = {}): Promise<Universe> {
  const universeFile = options.universeFile ?? joinPath(dir, "universe.csv");
  const mappingFile = options.mappingFile ?? joinPath(dir, "mapping.csv");
  const universeText = await readDataFile(universeFile, "universe");
  const mappingText = await readDataFile(mappingFile, "mapping");

  const universe = parseUniverse(universeText, { file: universeFile });
  const symbols = new Set(universe.instruments.map((i) => i.symbol));
  const mapping = parseMapping(mappingText, { file: mappingFile, dir, symbols });

  const mappings: CandleSource[] = [];
  const fileErrors: RowError[] = [];
  for (const m of mapping.mappings) {
    if (m.kind === "file" && options.checkFiles !== false && !(await isFile(m.path))) {
      fileErrors.push(rowError({
        file: mappingFile,
        line: m.line,
        column: "file",
        detail: `"${m.file}" does not exist (looked for ${m.path}); generate it or fix the path`,
      }));
      continue;
    }
    mappings.push(m);
  }
  const errors = [...universe.errors, ...mapping.errors, ...fileErrors.sort((a, b) => a.line - b.line)];
  return { instruments: universe.instruments, mappings, errors };
}

async function readDataFile(path: string, what: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(
        `Cannot load the ${what} file ${path}: it does not exist. Pass the data directory that holds universe.csv ` +
          `and mapping.csv (the repository ships them in data/), or run from the repository root.`,
        { cause: error },
      );
    }
    throw new Error(`Cannot load the ${what} file ${path}: ${(error as Error).message}`, { cause: error });
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

function joinPath(dir: string, name: string): string {
  if (dir === "") return name;
  return dir.endsWith("/") ? dir + name : `${dir}/${name}`;
}
