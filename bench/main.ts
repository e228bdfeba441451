/**
 * `deno task bench [--only wire,ingest]`: runs the benchmark sections, prints one table of figures and writes
 * them to .artifacts/bench.json. Sections print nothing and assert nothing; goals are shown, not enforced.
 */
import type { Figure } from "./figure.ts";

interface Section {
  run(): Promise<Figure[]>;
}

/** Every section, in print order. Add a section here when its module exists. */
const SECTIONS: [name: string, load: () => Promise<Section>][] = [
  ["wire", () => import("./wire.ts")],
  ["stages", () => import("./stages.ts")],
  ["generate", () => import("./generate.ts")],
  ["publisher", () => import("./publisher.ts")],
  ["store", () => import("./store.ts")],
  ["ingest", () => import("./ingest.ts")],
  ["terminal", () => import("./terminal.ts")],
  ["notebook", () => import("./notebook.ts")],
];

const ARTIFACT = new URL("../.artifacts/bench.json", import.meta.url);
const USAGE = `Usage: deno task bench [--only SECTION[,SECTION...]]\nSections: ${SECTIONS.map(([n]) => n).join(", ")}`;

/** The sections `args` asks for, or a message saying what is wrong with them. */
export function selectSections(args: readonly string[]): { names: string[] } | { error: string } {
  const known = SECTIONS.map(([name]) => name);
  let names = known;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    let value: string | undefined;
    if (arg === "--only") value = args[++i];
    else if (arg.startsWith("--only=")) value = arg.slice("--only=".length);
    else return { error: `unknown argument ${JSON.stringify(arg)}` };
    if (value === undefined) return { error: "--only needs a comma-separated list of sections" };
    names = value.split(",").map((name) => name.trim()).filter((name) => name.length > 0);
    const unknown = names.filter((name) => !known.includes(name));
    if (unknown.length > 0) return { error: `unknown section(s) ${unknown.join(", ")}; known: ${known.join(", ")}` };
  }
  return { names };
}

/** `12345678.9` → `12,345,679`; small values keep two decimals. */
export function formatValue(value: number): string {
  const digits = Math.abs(value) >= 100 || Number.isInteger(value) ? 0 : 2;
  return value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** An aligned text table: group | figure | value | unit | goal, values right-aligned. */
export function formatTable(figures: readonly Figure[]): string {
  const header = ["group", "figure", "value", "unit", "goal"];
  const rows = figures.map((f) => [f.group, f.name, formatValue(f.value), f.unit, f.goal ?? ""]);
  const widths = header.map((h, col) => Math.max(h.length, ...rows.map((row) => row[col].length)));
  const line = (cells: string[]): string =>
    cells.map((cell, col) => col === 2 ? cell.padStart(widths[col]) : cell.padEnd(widths[col])).join(" | ").trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("-|-"), ...rows.map(line)].join("\n");
}

async function main(args: readonly string[]): Promise<number> {
  const selection = selectSections(args);
  if ("error" in selection) {
    console.error(`bench: ${selection.error}\n${USAGE}`);
    return 2;
  }
  const figures: Figure[] = [];
  for (const [name, load] of SECTIONS) {
    if (!selection.names.includes(name)) continue;
    const started = performance.now();
    const section = await load();
    figures.push(...await section.run());
    console.error(`bench: ${name} done in ${((performance.now() - started) / 1_000).toFixed(1)} s`);
  }
  console.log(formatTable(figures));
  const notes = figures.filter((f) => f.note);
  if (notes.length > 0) {
    console.log(`\nnotes:\n${notes.map((f) => `  ${f.group} / ${f.name}: ${f.note}`).join("\n")}`);
  }
  await Deno.mkdir(new URL(".", ARTIFACT), { recursive: true });
  const report = {
    generatedAt: new Date().toISOString(),
    deno: Deno.version.deno,
    cpus: navigator.hardwareConcurrency,
    figures,
  };
  await Deno.writeTextFile(ARTIFACT, JSON.stringify(report, null, 2) + "\n");
  console.log(`\nwrote ${ARTIFACT.pathname}`);
  return 0;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
