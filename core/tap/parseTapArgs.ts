/** Command-line parsing for `deno task tap` (scripts/tap.ts), kept apart from the socket so it can be tested. */
import { parseEndpoint } from "./parseEndpoint.ts";

export const DEFAULT_TAP_ENDPOINT = "tcp://127.0.0.1:5556";

export const TAP_USAGE = `Usage: deno task tap [options]

Prints one JSON object per message of a market-data PUB socket (or of one frame file), one per line.

Options:
  --endpoint URL   PUB socket to connect to (default ${DEFAULT_TAP_ENDPOINT})
  --topic PREFIX   only topics starting with PREFIX; repeat it or separate prefixes with commas (default: all)
  --count N        exit after N messages
  --file PATH      decode one raw frame from PATH ('-' reads stdin) instead; exit 1 if it is rejected
  -h, --help       show this help

Examples:
  deno task tap --topic candle.AAPL --count 5 | jq .records
  deno task tap --file frame.bin`;

export type TapCommand =
  | { kind: "subscribe"; endpoint: string; topics: string[]; count: number | null }
  | { kind: "file"; path: string }
  | { kind: "help" }
  | { kind: "usage_error"; message: string; showUsage: boolean };

const VALUE_FLAGS = new Set(["--endpoint", "--topic", "--count", "--file"]);

/** Parses tap's arguments; never throws and never exits. */
export function parseTapArgs(args: readonly string[]): TapCommand {
  let endpoint: string | null = null;
  let count: number | null = null;
  let file: string | null = null;
  const topics: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "-h" || arg === "--help") return { kind: "help" };
    const eq = arg.indexOf("=");
    const flag = arg.startsWith("--") && eq > 0 ? arg.slice(0, eq) : arg;
    if (!VALUE_FLAGS.has(flag)) {
      const what = arg.startsWith("-") ? "unknown option" : "unexpected argument";
      return { kind: "usage_error", message: `${what} ${JSON.stringify(arg)}`, showUsage: true };
    }
    let value: string;
    if (flag !== arg) {
      value = arg.slice(eq + 1);
    } else if (i + 1 < args.length) {
      value = args[++i];
    } else {
      return { kind: "usage_error", message: `${flag} needs a value`, showUsage: true };
    }
    switch (flag) {
      case "--endpoint":
        endpoint = value;
        break;
      case "--topic":
        // An empty prefix would subscribe to everything, which is the default anyway; it is dropped.
        topics.push(...value.split(",").map((t) => t.trim()).filter((t) => t.length > 0));
        break;
      case "--count":
        if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
          return {
            kind: "usage_error",
            message: `--count ${JSON.stringify(value)} is not a whole number of messages >= 1`,
            showUsage: false,
          };
        }
        count = Number(value);
        break;
      case "--file":
        file = value;
        break;
    }
  }
  if (file !== null) {
    if (endpoint !== null || topics.length > 0 || count !== null) {
      return {
        kind: "usage_error",
        message: "--file reads one frame and cannot be combined with --endpoint, --topic or --count",
        showUsage: true,
      };
    }
    return { kind: "file", path: file };
  }
  const check = parseEndpoint(endpoint ?? DEFAULT_TAP_ENDPOINT);
  if (check.kind === "invalid") return { kind: "usage_error", message: check.message, showUsage: false };
  return { kind: "subscribe", endpoint: check.endpoint, topics, count };
}
