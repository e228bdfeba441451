const NEEDS_QUOTES = /[",\r\n]/;

/** One CSV record per RFC 4180, without its line break: fields holding a comma, quote or line break are quoted. */
export function formatCsvRow(fields: readonly string[]): string {
  return fields.map((f) => NEEDS_QUOTES.test(f) ? `"${f.replaceAll('"', '""')}"` : f).join(",");
}
