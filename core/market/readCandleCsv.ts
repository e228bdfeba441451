import { parseCandleCsv, type ParsedCandles } from "./parseCandleCsv.ts";

/**
 * Reads a candle CSV file (see parseCandleCsv). Bad rows come back as errors; a missing or unreadable file
 * throws, naming the file.
 */
export async function readCandleCsv(path: string): Promise<ParsedCandles> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    const why = error instanceof Deno.errors.NotFound
      ? "it does not exist (check the file column of mapping.csv, or run `deno task generate`)"
      : (error as Error).message;
    throw new Error(`Cannot read candle file ${path}: ${why}`, { cause: error });
  }
  return parseCandleCsv(text, { file: path });
}
