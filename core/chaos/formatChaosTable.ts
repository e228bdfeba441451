/**
 * `formatChaosTable()`: the chaos results as an aligned text table (one row per scenario), followed by the checks
 * that failed and the scenarios' notes. Also valid Markdown when `markdown` is set (the README's Reliability
 * section).
 */
import { ms } from "./createScenarioRun.ts";
import type { ScenarioResult } from "./types.ts";

const HEADERS = [
  "#",
  "scenario",
  "published",
  "expected",
  "in cache",
  "lost",
  "dup",
  "wrong",
  "rejected (by reason)",
  "gaps opened/filled",
  "recover",
  "peak RSS",
  "result",
];
const RIGHT = new Set([0, 2, 3, 4, 5, 6, 7, 9, 10, 11]);

export function formatChaosTable(results: readonly ScenarioResult[], options: { markdown?: boolean } = {}): string {
  const rows = results.map((r) => [
    String(r.id),
    r.name,
    String(r.published),
    String(r.expectedRows),
    String(r.cacheRows),
    String(r.lost),
    String(r.duplicated),
    String(r.wrong),
    Object.entries(r.rejected).map(([reason, n]) => `${reason} ${n}`).join(", ") || "-",
    `${r.gapsOpened}/${r.gapsFilled}${r.gapsUnfillable > 0 ? ` (${r.gapsUnfillable} unfillable)` : ""}`,
    r.recoverMs === null ? "-" : ms(r.recoverMs),
    r.peakRssMb === null ? "-" : `${r.peakRssMb} MiB`,
    r.pass ? "pass" : "FAIL",
  ]);
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const cell = (text: string, i: number): string => RIGHT.has(i) ? text.padStart(widths[i]) : text.padEnd(widths[i]);
  const lines: string[] = [];
  if (options.markdown) {
    lines.push(`| ${HEADERS.map(cell).join(" | ")} |`);
    lines.push(`| ${widths.map((w, i) => RIGHT.has(i) ? `${"-".repeat(w - 1)}:` : "-".repeat(w)).join(" | ")} |`);
    for (const row of rows) lines.push(`| ${row.map(cell).join(" | ")} |`);
  } else {
    lines.push(HEADERS.map(cell).join("  "));
    lines.push(widths.map((w) => "-".repeat(w)).join("  "));
    for (const row of rows) lines.push(row.map(cell).join("  "));
  }
  const failures = results.flatMap((r) => r.checks.filter((c) => !c.ok).map((c) => `#${r.id} ${c.name}: ${c.detail}`));
  if (failures.length > 0) lines.push("", "Failed checks:", ...failures.map((f) => `  ${f}`));
  const notes = results.flatMap((r) => r.notes.map((n) => `#${r.id} ${n}`));
  if (notes.length > 0) lines.push("", "Notes:", ...notes.map((n) => `  ${n}`));
  return lines.join("\n");
}
