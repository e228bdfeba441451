import { type NumberRule, parseNumberField } from "./parseNumberField.ts";
import { readCsvTable, rowError } from "./readCsvTable.ts";
import { SYMBOL_PATTERN } from "./parseUniverse.ts";
import { type CandleSource, type GeneratorSpec, type RowError, SESSION_KINDS, type SessionKind } from "./types.ts";

export const MAPPING_COLUMNS = [
  "symbol",
  "source",
  "file",
  "interval",
  "seed",
  "start_price",
  "drift",
  "volatility",
  "base_volume",
  "session",
] as const;

const INTERVAL = /^[1-9][0-9]*[smhdw]$/;

const GENERATOR_FIELDS: readonly [column: string, rule: NumberRule][] = [
  ["seed", "seed"],
  ["start_price", "positive"],
  ["drift", "finite"],
  ["volatility", "non_negative"],
  ["base_volume", "non_negative"],
];

export interface ParseMappingOptions {
  /** The file name used in error messages, e.g. `data/mapping.csv`. */
  file: string;
  /** The data directory that `file` columns are relative to; `path` = dir + "/" + file. */
  dir: string;
  /** Symbols of the universe; a row for any other symbol is rejected. Omit to skip that check. */
  symbols?: ReadonlySet<string>;
}

export interface ParsedMapping {
  mappings: CandleSource[];
  errors: RowError[];
}

/**
 * Validates the rows of mapping.csv. `source=generator` rows need every generator column and interval 1m;
 * `source=file` rows need a relative `.csv` path and may carry the generator columns that produced the file
 * (all five numbers and a session, or none). A bad row yields one RowError per bad field and is skipped; a
 * repeated (symbol, interval) keeps its first row. Whether the files exist is loadUniverse's business.
 */
export function parseMapping(text: string, options: ParseMappingOptions): ParsedMapping {
  const { file, dir, symbols } = options;
  const table = readCsvTable(text, { file, columns: MAPPING_COLUMNS });
  const errors = [...table.errors];
  const mappings: CandleSource[] = [];
  const firstLine = new Map<string, number>();

  for (const { line, values } of table.rows) {
    const rowErrors: RowError[] = [];
    const fail = (column: string, detail: string): void => {
      rowErrors.push(rowError({ file, line, column, detail }));
    };

    const symbol = values.symbol.trim();
    const interval = values.interval.trim();
    const key = `${symbol}.${interval}`;
    if (!SYMBOL_PATTERN.test(symbol)) {
      fail("symbol", `expected 1-32 characters of A-Z, 0-9, "_" or "-", got "${values.symbol}"`);
    } else if (symbols !== undefined && !symbols.has(symbol)) {
      fail("symbol", `unknown symbol "${symbol}": it has no valid row in universe.csv`);
    }
    if (!INTERVAL.test(interval)) {
      fail("interval", `expected an interval like 1m, 5m, 1h or 1d, got "${values.interval}"`);
    } else if (firstLine.has(key)) {
      fail("interval", `duplicate mapping for ${symbol} ${interval}, first defined on line ${firstLine.get(key)}`);
    }

    const source = values.source.trim();
    const fileValue = values.file.trim();
    const sessionText = values.session.trim();
    let session: SessionKind | null = null;
    if (sessionText !== "") {
      if (SESSION_KINDS.includes(sessionText as SessionKind)) session = sessionText as SessionKind;
      else fail("session", `expected one of ${SESSION_KINDS.join(", ")}, got "${values.session}"`);
    }

    // Generator numbers: all present (and valid) or, for file rows only, all empty.
    const given = GENERATOR_FIELDS.filter(([column]) => values[column].trim() !== "");
    const numbers: Record<string, number> = {};
    const wantGenerator = source === "generator" || given.length > 0;
    if (wantGenerator) {
      for (const [column, rule] of GENERATOR_FIELDS) {
        const parsed = parseNumberField(values[column], rule);
        if (parsed.kind === "ok") numbers[column] = parsed.value;
        else fail(column, parsed.reason);
      }
      if (sessionText === "") fail("session", `expected one of ${SESSION_KINDS.join(", ")} with generator parameters`);
    }

    switch (source) {
      case "generator":
        if (fileValue !== "") fail("file", `must be empty for source=generator, got "${values.file}"`);
        if (INTERVAL.test(interval) && interval !== "1m") {
          fail("interval", `the generator makes 1-minute bars: expected 1m, got "${values.interval}"`);
        }
        break;
      case "file":
        if (fileValue === "") fail("file", "expected a CSV path relative to the data directory, got an empty field");
        else if (fileValue.startsWith("/") || fileValue.split("/").includes("..") || !fileValue.endsWith(".csv")) {
          fail("file", `expected a relative .csv path inside the data directory, got "${values.file}"`);
        }
        break;
      default:
        fail("source", `expected "file" or "generator", got "${values.source}"`);
    }

    if (rowErrors.length > 0) {
      errors.push(...rowErrors);
      continue;
    }
    firstLine.set(key, line);
    const generator: GeneratorSpec | null = wantGenerator
      ? {
        seed: numbers.seed,
        startPrice: numbers.start_price,
        drift: numbers.drift,
        volatility: numbers.volatility,
        baseVolume: numbers.base_volume,
        session: session as SessionKind,
      }
      : null;
    if (source === "file") {
      const path = dir === "" ? fileValue : dir.endsWith("/") ? dir + fileValue : `${dir}/${fileValue}`;
      mappings.push({ kind: "file", symbol, interval, file: fileValue, path, session, generator, line });
    } else {
      mappings.push({
        kind: "generator",
        symbol,
        interval,
        session: session as SessionKind,
        generator: generator as GeneratorSpec,
        line,
      });
    }
  }
  errors.sort((a, b) => a.line - b.line);
  return { mappings, errors };
}
