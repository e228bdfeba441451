/**
 * `openWatchlist()`: the watchlist's symbols, kept in a JSON file (data/watchlist.json) so that they survive reloads
 * and restarts. The file is `{ "version": 1, "symbols": [...] }`, replaced atomically (written beside, then renamed)
 * and one write at a time. A missing file means the defaults; an unreadable one is reported and left alone until the
 * next save replaces it.
 */
import { dirname } from "node:path";
import type { Logger } from "../log.ts";
import { SYMBOL_PATTERN } from "../market/parseUniverse.ts";
import type { Parsed } from "./candleRequest.ts";

/** The most symbols a watchlist holds (each is one SSE key of the page; the hub allows 256 per client). */
export const MAX_WATCHLIST = 200;
const FILE_VERSION = 1;

export interface Watchlist {
  readonly path: string;
  symbols(): readonly string[];
  /** Validates and writes; a rejection (bad or unknown symbol, duplicate, too many) leaves the file unchanged. */
  save(value: unknown): Promise<Parsed<readonly string[]>>;
}

export interface WatchlistOptions {
  /** The list before anything was saved. */
  defaults: readonly string[];
  /** Whether a symbol is in the universe. */
  isKnown(symbol: string): boolean;
  logger?: Pick<Logger, "warn">;
}

export async function openWatchlist(path: string, options: WatchlistOptions): Promise<Watchlist> {
  let current: readonly string[] = options.defaults.filter((symbol) => options.isKnown(symbol)).slice(0, MAX_WATCHLIST);
  let text: string | null = null;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) {
      options.logger?.warn("Cannot read the watchlist; using the default one", { path, error: String(error) });
    }
  }
  if (text !== null) {
    let parsed: Parsed<readonly string[]>;
    try {
      parsed = parseWatchlist(JSON.parse(text), { ...options, dropUnknown: true });
    } catch (error) {
      parsed = { kind: "rejected", reason: `not JSON: ${(error as Error).message}` };
    }
    if (parsed.kind === "ok") current = parsed.value;
    else options.logger?.warn(`Cannot use the watchlist in ${path}: ${parsed.reason}; using the default one`);
  }

  let writing: Promise<unknown> = Promise.resolve();
  async function write(symbols: readonly string[]): Promise<void> {
    await Deno.mkdir(dirname(path), { recursive: true });
    const temp = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
    try {
      await Deno.writeTextFile(temp, JSON.stringify({ version: FILE_VERSION, symbols }, null, 2) + "\n");
      await Deno.rename(temp, path);
    } catch (error) {
      await Deno.remove(temp).catch(() => {});
      throw new Error(`Cannot save the watchlist to ${path}: ${(error as Error).message}`, { cause: error });
    }
  }

  return {
    path,
    symbols: () => current,
    save(value: unknown): Promise<Parsed<readonly string[]>> {
      const parsed = parseWatchlist(value, { ...options, dropUnknown: false });
      if (parsed.kind === "rejected") return Promise.resolve(parsed);
      const run = writing.then(() => write(parsed.value)).then(() => {
        current = parsed.value;
        return parsed;
      });
      writing = run.catch(() => {});
      return run;
    },
  };
}

/**
 * `{ symbols: [...] }` (a bare array is accepted too) → the symbols. The file's unknown symbols are dropped (the
 * universe may have changed since); a request's are refused.
 */
export function parseWatchlist(
  value: unknown,
  options: { isKnown(symbol: string): boolean; dropUnknown: boolean },
): Parsed<readonly string[]> {
  const list = Array.isArray(value)
    ? value
    : typeof value === "object" && value !== null && Array.isArray((value as { symbols?: unknown }).symbols)
    ? (value as { symbols: unknown[] }).symbols
    : null;
  if (list === null) return { kind: "rejected", reason: 'expected {"symbols": ["AAPL", …]}' };
  if (list.length > MAX_WATCHLIST) {
    return { kind: "rejected", reason: `${list.length} symbols; a watchlist holds at most ${MAX_WATCHLIST}` };
  }
  const out: string[] = [];
  for (const [index, symbol] of list.entries()) {
    if (typeof symbol !== "string" || !SYMBOL_PATTERN.test(symbol)) {
      return { kind: "rejected", reason: `symbols[${index}] ${JSON.stringify(symbol)} is not a symbol` };
    }
    if (!options.isKnown(symbol)) {
      if (options.dropUnknown) continue;
      return { kind: "rejected", reason: `symbols[${index}] ${symbol} is not in the universe` };
    }
    if (out.includes(symbol)) return { kind: "rejected", reason: `symbols[${index}] ${symbol} is listed twice` };
    out.push(symbol);
  }
  return { kind: "ok", value: out };
}
