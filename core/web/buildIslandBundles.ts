/**
 * Builds the browser bundles with `deno bundle`: one entry per island plus the boot module, code-split so
 * that Preact and the signals library are shared chunks (one copy, the one hydration uses). Entry files are
 * renamed to content-hashed names (chunks already are), and everything is read into memory to be served
 * under `/_frsh/js/` with an immutable cache header.
 *
 * Entries are tiny re-export files written to a work dir, so the output is flat whatever the island and
 * boot modules' locations; the browser only ever loads bootIslands.ts and the island modules' graphs.
 */
import { dirname, extname, join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Islands } from "./loadIslands.ts";
import { consoleLogger, type Logger } from "./logger.ts";

export const BUNDLE_PREFIX = "/_frsh/js/";

export interface IslandBundles {
  /** Directory holding the files (also served from memory, see `files`). */
  dir: string;
  /** URL of the boot module, e.g. "/_frsh/js/boot-3f2a….js". */
  bootUrl: string;
  /** Island name → URL of its entry. */
  islandUrls: ReadonlyMap<string, string>;
  /** Entry URL → URLs of the chunks it imports, directly or not (for <link rel="modulepreload">). */
  chunkUrls: ReadonlyMap<string, readonly string[]>;
  /** File name under the prefix → contents. */
  files: ReadonlyMap<string, Uint8Array>;
  /** Wall time of the build, ms. */
  buildMs: number;
  /** Removes `dir` if the build created it as a temp dir; a caller-given outDir is left alone. */
  dispose(): Promise<void>;
}

export interface BuildIslandBundlesOptions {
  /** Where to write the bundles; default: a new temp dir, removed by dispose(). */
  outDir?: string;
  /** deno.json whose import map resolves the islands; default: the nearest one above the islands dir. */
  configPath?: string;
  /** Default true. */
  minify?: boolean;
  logger?: Logger;
}

const BOOT_MODULE = new URL("./bootIslands.ts", import.meta.url).href;
const STATIC_CHUNK_IMPORT = /(?:\bfrom|\bimport)\s*["']\.\/([^"']+\.js)["']/g;

export async function buildIslandBundles(
  islands: Islands,
  options: BuildIslandBundlesOptions = {},
): Promise<IslandBundles> {
  const startMs = performance.now();
  const logger = options.logger ?? consoleLogger;
  const ownsDir = options.outDir === undefined;
  const outDir = options.outDir ?? await Deno.makeTempDir({ prefix: "fluxbook-bundles-" });
  const configPath = options.configPath ?? await findConfig(islands.dir);
  const workDir = await Deno.makeTempDir({ prefix: "fluxbook-bundle-entries-" });
  try {
    const entries = new Map<string, string>([[
      "boot",
      `export { bootIslands } from ${JSON.stringify(BOOT_MODULE)};\n`,
    ]]);
    for (const island of islands.byName.values()) {
      entries.set(island.name, `export { default } from ${JSON.stringify(pathToFileURL(island.file).href)};\n`);
    }
    const entryFiles: string[] = [];
    for (const [name, source] of entries) {
      const file = join(workDir, `${name}.ts`);
      await Deno.writeTextFile(file, source);
      entryFiles.push(file);
    }
    await Deno.mkdir(outDir, { recursive: true });
    const args = ["bundle", "--quiet", "--platform", "browser", "--format", "esm", "--code-splitting"];
    if (options.minify ?? true) args.push("--minify");
    if (configPath !== undefined) args.push("--config", configPath);
    args.push("--outdir", outDir, ...entryFiles);
    const output = await new Deno.Command(Deno.execPath(), {
      args,
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    if (!output.success) {
      const stderr = new TextDecoder().decode(output.stderr).trim();
      throw new Error(`Cannot build island bundles: deno bundle exited with code ${output.code}: ${stderr}`);
    }

    // Entries come out as <name>.js; give them content-hashed names like the chunks have.
    const fileNames = new Map<string, string>(); // entry name → hashed file name
    for (const name of entries.keys()) {
      const bytes = await Deno.readFile(join(outDir, `${name}.js`));
      const hashed = `${name}-${await shortHash(bytes)}.js`;
      await Deno.rename(join(outDir, `${name}.js`), join(outDir, hashed));
      fileNames.set(name, hashed);
    }
    const files = new Map<string, Uint8Array>();
    for await (const entry of Deno.readDir(outDir)) {
      if (entry.isFile) files.set(entry.name, await Deno.readFile(join(outDir, entry.name)));
    }
    const chunkUrls = new Map<string, string[]>();
    for (const fileName of fileNames.values()) {
      chunkUrls.set(BUNDLE_PREFIX + fileName, chunksOf(fileName, files).map((chunk) => BUNDLE_PREFIX + chunk));
    }
    const islandUrls = new Map<string, string>();
    for (const [name, fileName] of fileNames) if (name !== "boot") islandUrls.set(name, BUNDLE_PREFIX + fileName);
    const buildMs = performance.now() - startMs;
    logger.info(`Built ${islandUrls.size} island bundle(s) and ${files.size - fileNames.size} shared chunk(s)`, {
      buildMs: Math.round(buildMs),
      outDir,
    });
    return {
      dir: outDir,
      bootUrl: BUNDLE_PREFIX + fileNames.get("boot"),
      islandUrls,
      chunkUrls,
      files,
      buildMs,
      dispose: async () => {
        if (ownsDir) await Deno.remove(outDir, { recursive: true }).catch(() => {});
      },
    };
  } catch (error) {
    if (ownsDir) await Deno.remove(outDir, { recursive: true }).catch(() => {});
    throw error;
  } finally {
    await Deno.remove(workDir, { recursive: true });
  }
}

/** Content type for a file served from the bundle directory. */
export function bundleContentType(fileName: string): string {
  switch (extname(fileName)) {
    case ".js":
      return "text/javascript; charset=utf-8";
    case ".css":
      return "text/css; charset=utf-8";
    case ".map":
      return "application/json; charset=utf-8";
    default:
      return "application/octet-stream";
  }
}

function chunksOf(fileName: string, files: ReadonlyMap<string, Uint8Array>): string[] {
  const seen = new Set<string>();
  const decoder = new TextDecoder();
  const visit = (name: string): void => {
    const bytes = files.get(name);
    if (bytes === undefined) return;
    for (const match of decoder.decode(bytes).matchAll(STATIC_CHUNK_IMPORT)) {
      if (seen.has(match[1])) continue;
      seen.add(match[1]);
      visit(match[1]);
    }
  };
  visit(fileName);
  return [...seen].sort();
}

async function shortHash(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return [...digest.subarray(0, 6)].map((b) => b.toString(16).padStart(2, "0")).join("").toUpperCase();
}

async function findConfig(fromDir: string): Promise<string | undefined> {
  for (let dir = fromDir;; dir = dirname(dir)) {
    for (const name of ["deno.json", "deno.jsonc"]) {
      try {
        if ((await Deno.stat(join(dir, name))).isFile) return join(dir, name);
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
    }
    if (dirname(dir) === dir) return undefined;
  }
}
