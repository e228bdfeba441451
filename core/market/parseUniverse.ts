import { parseNumberField } from "./parseNumberField.ts";
import { readCsvTable, rowError } from "./readCsvTable.ts";
import { MAX_TICK_DECIMALS, tickDecimals } from "./roundToTick.ts";
import { ASSET_CLASSES, type AssetClass, type Instrument, type RowError } from "./types.ts";

export const UNIVERSE_COLUMNS = ["symbol", "name", "exchange", "asset_class", "currency", "tick_size"] as const;

/** Topics are `candle.<SYMBOL>.<interval>`: a dot or a space in a symbol would break prefix filtering. */
export const SYMBOL_PATTERN = /^[A-Z0-9_-]{1,32}$/;

const CURRENCY = /^[A-Z]{3,5}$/;

export interface ParsedUniverse {
  instruments: Instrument[];
  errors: RowError[];
}

/**
 * Validates the rows of universe.csv (`symbol,name,exchange,asset_class,currency,tick_size`). Each bad row
 * yields one RowError per bad field and is skipped; a repeated symbol keeps its first row.
 */
export function parseUniverse(text: string, options: { file: string }): ParsedUniverse {
  const { file } = options;
  const table = readCsvTable(text, { file, columns: UNIVERSE_COLUMNS });
  const errors = [...table.errors];
  const instruments: Instrument[] = [];
  const firstLine = new Map<string, number>();

  for (const { line, values } of table.rows) {
    const rowErrors: RowError[] = [];
    const fail = (column: string, detail: string): void => {
      rowErrors.push(rowError({ file, line, column, detail }));
    };

    const symbol = values.symbol.trim();
    if (!SYMBOL_PATTERN.test(symbol)) {
      fail("symbol", `expected 1-32 characters of A-Z, 0-9, "_" or "-" (a topic-safe symbol), got "${values.symbol}"`);
    } else if (firstLine.has(symbol)) {
      fail("symbol", `duplicate symbol "${symbol}", first defined on line ${firstLine.get(symbol)}`);
    }
    const name = values.name.trim();
    if (name === "") fail("name", "expected a name, got an empty field");
    const exchange = values.exchange.trim();
    if (exchange === "") fail("exchange", "expected an exchange, got an empty field");
    const assetClass = values.asset_class.trim() as AssetClass;
    if (!ASSET_CLASSES.includes(assetClass)) {
      fail("asset_class", `expected one of ${ASSET_CLASSES.join(", ")}, got "${values.asset_class}"`);
    }
    const currency = values.currency.trim();
    if (!CURRENCY.test(currency)) fail("currency", `expected a currency code like USD, got "${values.currency}"`);
    const tick = parseNumberField(values.tick_size, "positive");
    if (tick.kind === "rejected") fail("tick_size", tick.reason);
    else if (tickDecimals(tick.value) === null) {
      fail("tick_size", `expected at most ${MAX_TICK_DECIMALS} decimals, got "${values.tick_size}"`);
    }

    if (rowErrors.length > 0 || tick.kind === "rejected") {
      errors.push(...rowErrors);
      continue;
    }
    firstLine.set(symbol, line);
    instruments.push({ symbol, name, exchange, assetClass, currency, tickSize: tick.value });
  }
  errors.sort((a, b) => a.line - b.line);
  return { instruments, errors };
}
