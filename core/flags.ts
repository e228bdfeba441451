/** A small command-line flag parser shared by main.ts and the scripts (std's parseArgs is on JSR, out of reach). */

export interface FlagSpec {
  /** Flags that take a value: `--db PATH` or `--db=PATH`; repeated flags collect into an array. */
  string?: readonly string[];
  /** Flags without a value: `--loop`; `--no-loop` sets false. */
  boolean?: readonly string[];
}

export interface ParsedFlags {
  values: Map<string, string[]>;
  booleans: Map<string, boolean>;
  positional: string[];
}

/** Thrown for a flag the command does not know or one missing its value; the CLI prints the message. */
export class UsageError extends Error {
  override name = "UsageError";
}

export function parseFlags(args: readonly string[], spec: FlagSpec): ParsedFlags {
  const strings = new Set(spec.string ?? []);
  const booleans = new Set(spec.boolean ?? []);
  const parsed: ParsedFlags = { values: new Map(), booleans: new Map(), positional: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith("--") || arg === "--") {
      if (arg === "--") {
        parsed.positional.push(...args.slice(i + 1));
        break;
      }
      parsed.positional.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (strings.has(name)) {
      const value = eq >= 0 ? arg.slice(eq + 1) : args[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      parsed.values.set(name, [...(parsed.values.get(name) ?? []), value]);
    } else if (booleans.has(name) && eq < 0) {
      parsed.booleans.set(name, true);
    } else if (name.startsWith("no-") && booleans.has(name.slice(3)) && eq < 0) {
      parsed.booleans.set(name.slice(3), false);
    } else {
      throw new UsageError(`unknown flag --${name}`);
    }
  }
  return parsed;
}

/** The last value given for a string flag, if any. */
export function flagValue(flags: ParsedFlags, name: string): string | undefined {
  return flags.values.get(name)?.at(-1);
}

/** A number flag within bounds, or a UsageError that names the flag, the value and what was expected. */
export function numberFlag(
  raw: string | undefined,
  name: string,
  options: { fallback: number; min?: number; max?: number; integer?: boolean },
): number {
  if (raw === undefined || raw === "") return options.fallback;
  const value = Number(raw);
  const { min = -Infinity, max = Infinity, integer = false } = options;
  if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    const range = `${integer ? "an integer" : "a number"}${min > -Infinity ? ` >= ${min}` : ""}${
      max < Infinity ? ` and <= ${max}` : ""
    }`;
    throw new UsageError(`${name} must be ${range}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/** Checks a ZeroMQ TCP endpoint such as `tcp://127.0.0.1:5556` and returns it. */
export function tcpEndpoint(raw: string, name: string): string {
  const match = /^tcp:\/\/([^:/\s]+|\[[0-9a-fA-F:]+\]):(\d+|\*)$/.exec(raw);
  const port = match?.[2] === "*" ? 0 : Number(match?.[2]);
  if (!match || !(port >= 0 && port <= 65535)) {
    throw new UsageError(
      `${name}: invalid endpoint ${JSON.stringify(raw)}: expected tcp://HOST:PORT (e.g. tcp://127.0.0.1:5556)`,
    );
  }
  return raw;
}
