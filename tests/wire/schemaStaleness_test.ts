/**
 * The generated code in schema/ must be what `deno task schema` makes from schema/market_data.fbs today;
 * a .fbs edit without regenerating would leave encoder and decoder on different layouts.
 *
 * Needs flatc. Without it the test is skipped locally, but never in CI (CI=true), where it must run and fails
 * if flatc is missing.
 */
import assert from "node:assert/strict";
import { generateSchemaCode } from "../../scripts/schema.ts";

const SCHEMA_DIR = new URL("../../schema/", import.meta.url).pathname;

async function hasFlatc(): Promise<boolean> {
  try {
    const { success } = await new Deno.Command("flatc", { args: ["--version"], stdout: "null", stderr: "null" })
      .output();
    return success;
  } catch {
    return false;
  }
}

const inCi = Deno.env.get("CI") === "true";

/** Relative paths of the .ts files under `dir`, sorted. */
async function tsFiles(dir: string, prefix = ""): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(`${dir}${prefix}`)) {
    const path = `${prefix}${entry.name}`;
    if (entry.isDirectory) files.push(...await tsFiles(dir, `${path}/`));
    else if (entry.isFile && entry.name.endsWith(".ts")) files.push(path);
  }
  return files.sort();
}

async function sameBytes(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([Deno.readFile(a), Deno.readFile(b)]);
  return x.length === y.length && x.every((byte, i) => byte === y[i]);
}

Deno.test({
  name: "the generated code in schema/ matches what `deno task schema` generates from market_data.fbs",
  ignore: !inCi && !(await hasFlatc()),
  fn: async () => {
    const tmpDir = await Deno.makeTempDir({ prefix: "fluxbook-schema-" });
    try {
      await generateSchemaCode(tmpDir);
      const generated = await tsFiles(`${tmpDir}/`);
      const checkedIn = await tsFiles(SCHEMA_DIR);
      assert.ok(
        generated.includes("market_data_generated.ts"),
        `flatc wrote no market_data_generated.ts: ${generated}`,
      );
      const stale: string[] = [];
      for (const file of generated) {
        if (!checkedIn.includes(file)) stale.push(`${file} (missing)`);
        else if (!await sameBytes(`${tmpDir}/${file}`, `${SCHEMA_DIR}${file}`)) stale.push(`${file} (differs)`);
      }
      for (const file of checkedIn) if (!generated.includes(file)) stale.push(`${file} (no longer generated)`);
      assert.deepEqual(
        stale,
        [],
        `schema/ is stale: ${stale.join(", ")}; run \`deno task schema\` and commit the result`,
      );
    } finally {
      await Deno.remove(tmpDir, { recursive: true });
    }
  },
});
