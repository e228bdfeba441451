/**
 * `deno task schema`: regenerates the TypeScript for schema/market_data.fbs with flatc (Debian's
 * flatbuffers-compiler) into schema/, then gives the generated imports their `.ts` extensions, which flatc
 * 2.0.8 leaves off and Deno needs. The generated files are never edited by hand.
 *
 *   deno task schema [--out DIR]
 */

const SCHEMA_FILE = new URL("../schema/market_data.fbs", import.meta.url).pathname;
const DEFAULT_OUT = new URL("../schema/", import.meta.url).pathname;

/** Runs flatc for the wire schema into `outDir` and fixes the imports. Returns the files written. */
export async function generateSchemaCode(outDir: string): Promise<string[]> {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command("flatc", {
      args: ["--ts", "-o", outDir, SCHEMA_FILE],
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(
        "Cannot regenerate the schema code: flatc is not installed. Install it with " +
          "`apt-get install -y flatbuffers-compiler` (Debian) and run `deno task schema` again.",
      );
    }
    throw error;
  }
  if (!output.success) {
    throw new Error(`flatc failed on ${SCHEMA_FILE}: ${new TextDecoder().decode(output.stderr).trim()}`);
  }
  const files: string[] = [];
  for await (const path of walkTs(outDir)) {
    const text = await Deno.readTextFile(path);
    const fixed = addImportExtensions(text);
    if (fixed !== text) await Deno.writeTextFile(path, fixed);
    files.push(path);
  }
  return files.sort();
}

/** `from './flux/market/candle'` → `from './flux/market/candle.ts'` for relative imports and re-exports. */
export function addImportExtensions(source: string): string {
  return source.replace(
    /(\bfrom\s+)(['"])(\.{1,2}\/[^'"]+?)(['"])/g,
    (match, from: string, open: string, path: string, close: string) =>
      path.endsWith(".ts") ? match : `${from}${open}${path}.ts${close}`,
  );
}

async function* walkTs(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir.replace(/\/$/, "")}/${entry.name}`;
    if (entry.isDirectory) yield* walkTs(path);
    else if (entry.isFile && entry.name.endsWith(".ts")) yield path;
  }
}

if (import.meta.main) {
  const outIndex = Deno.args.indexOf("--out");
  const outDir = outIndex >= 0 ? Deno.args[outIndex + 1] : DEFAULT_OUT;
  if (!outDir) {
    console.error("error: --out needs a directory");
    Deno.exit(2);
  }
  try {
    const files = await generateSchemaCode(outDir);
    console.log(`generated ${files.length} files under ${outDir}`);
  } catch (error) {
    console.error(`error: ${error instanceof Error ? error.message : error}`);
    Deno.exit(1);
  }
}
