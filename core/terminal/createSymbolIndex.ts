/**
 * `createSymbolIndex()`: search over the instrument universe for the watchlist's symbol box, by prefix and fuzzy
 * match on symbol and name, ranked. Tiers, best first: exact symbol; symbol prefix; a name word's prefix; symbol
 * substring; name substring; the letters of the query in order in the symbol, then in the name (fuzzy). Within a
 * tier: symbols that have live data first, then the tighter match (shorter symbol, earlier or denser hit), then
 * alphabetical. Pure.
 */
import type { AssetClass, Instrument } from "../market/types.ts";

export interface SymbolHit {
  symbol: string;
  name: string;
  exchange: string;
  assetClass: AssetClass;
  /** The cache or the live window has bars of it. */
  live: boolean;
}

export interface SymbolIndex {
  readonly size: number;
  /** Up to `limit` (default 20) instruments for `query`; an empty query lists live symbols first. */
  search(query: string, options?: { limit?: number; isLive?: (symbol: string) => boolean }): SymbolHit[];
  get(symbol: string): Instrument | undefined;
}

interface Entry {
  instrument: Instrument;
  symbol: string;
  name: string;
  words: string[];
}

const MAX_QUERY = 64;

export function createSymbolIndex(instruments: readonly Instrument[]): SymbolIndex {
  const entries: Entry[] = instruments.map((instrument) => {
    const name = instrument.name.toLowerCase();
    return { instrument, symbol: instrument.symbol, name, words: name.split(/[^a-z0-9]+/).filter((w) => w !== "") };
  });
  const bySymbol = new Map(instruments.map((instrument) => [instrument.symbol, instrument]));

  function search(query: string, options: { limit?: number; isLive?: (symbol: string) => boolean } = {}): SymbolHit[] {
    const limit = Math.max(1, Math.min(200, options.limit ?? 20));
    const isLive = options.isLive ?? (() => false);
    const q = query.trim().slice(0, MAX_QUERY);
    const scored: { entry: Entry; score: number; live: boolean }[] = [];
    for (const entry of entries) {
      const score = q === "" ? 0 : scoreOf(entry, q.toUpperCase(), q.toLowerCase());
      if (score === null) continue;
      scored.push({ entry, score, live: isLive(entry.symbol) });
    }
    // The score is a tier × 1000 plus a tightness bonus below 1000: live symbols lead within their tier.
    scored.sort((a, b) =>
      Math.floor(b.score / 1000) - Math.floor(a.score / 1000) || Number(b.live) - Number(a.live) ||
      b.score - a.score || a.entry.symbol.length - b.entry.symbol.length ||
      (a.entry.symbol < b.entry.symbol ? -1 : a.entry.symbol > b.entry.symbol ? 1 : 0)
    );
    return scored.slice(0, limit).map(({ entry, live }) => ({
      symbol: entry.symbol,
      name: entry.instrument.name,
      exchange: entry.instrument.exchange,
      assetClass: entry.instrument.assetClass,
      live,
    }));
  }

  return { size: entries.length, search, get: (symbol) => bySymbol.get(symbol) };
}

/** Tier × 1000 + a bonus < 1000 for a tighter hit; null when the query does not match at all. */
function scoreOf(entry: Entry, upper: string, lower: string): number | null {
  const { symbol, name, words } = entry;
  if (symbol === upper) return 6000;
  if (symbol.startsWith(upper)) return 5000 + tightness(symbol.length - upper.length);
  const wordIndex = words.findIndex((word) => word.startsWith(lower));
  // Earlier word, then the word matched more fully, then the shorter name ("Bitcoin" before "Bitcoin Cash").
  if (wordIndex >= 0) {
    return 4000 +
      tightness(wordIndex * 100 + (words[wordIndex].length - lower.length) * 10 + Math.min(9, words.length));
  }
  // Multi-word queries ("micro soft", "bank of") match the name as a phrase.
  if (lower.includes(" ") && name.startsWith(lower)) return 4000;
  const inSymbol = symbol.indexOf(upper);
  if (inSymbol >= 0) return 3000 + tightness(inSymbol * 10 + symbol.length);
  const inName = name.indexOf(lower);
  if (inName >= 0) return 2000 + tightness(inName);
  const fuzzySymbol = subsequenceSpread(symbol, upper);
  if (fuzzySymbol !== null) return 1000 + tightness(fuzzySymbol * 10 + symbol.length);
  const compact = lower.replace(/\s+/g, "");
  const fuzzyName = compact.length >= 2 ? subsequenceSpread(name, compact) : null;
  if (fuzzyName !== null && fuzzyName <= compact.length * 4) return tightness(fuzzyName);
  return null;
}

function tightness(distance: number): number {
  return Math.max(0, 999 - distance);
}

/** Characters skipped between the first and last matched letter when `needle` is a subsequence, else null. */
function subsequenceSpread(haystack: string, needle: string): number | null {
  if (needle.length === 0) return null;
  let at = haystack.indexOf(needle[0]);
  if (at < 0) return null;
  const start = at;
  for (let i = 1; i < needle.length; i++) {
    at = haystack.indexOf(needle[i], at + 1);
    if (at < 0) return null;
  }
  return at - start + 1 - needle.length;
}
