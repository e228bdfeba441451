/** Levelled logging to stderr, with one switch (`--log-level` / `FLUXBOOK_LOG_LEVEL`). */

export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** A logger for a sub-system, e.g. `log.child("ingest")`. */
  child(name: string): Logger;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error", "silent"];

export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

/** A logger writing `time LEVEL name message key=value…` lines to stderr at `level` and above. */
export function createLogger(name: string, level: LogLevel = "info"): Logger {
  const threshold = RANK[level];
  const encoder = new TextEncoder();
  const write = (lvl: Exclude<LogLevel, "silent">, message: string, fields?: Record<string, unknown>): void => {
    if (RANK[lvl] < threshold) return;
    let line = `${new Date().toISOString()} ${lvl.toUpperCase().padEnd(5)} ${name.padEnd(9)} ${message}`;
    if (fields) {
      for (const [key, value] of Object.entries(fields)) line += ` ${key}=${formatValue(value)}`;
    }
    // Synchronous so that lines are not lost when the process exits right after logging.
    Deno.stderr.writeSync(encoder.encode(line + "\n"));
  };
  return {
    debug: (m, f) => write("debug", m, f),
    info: (m, f) => write("info", m, f),
    warn: (m, f) => write("warn", m, f),
    error: (m, f) => write("error", m, f),
    child: (child) => createLogger(`${name}.${child}`, level),
  };
}

function formatValue(value: unknown): string {
  if (typeof value === "string") return /[\s"=]/.test(value) ? JSON.stringify(value) : value;
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Error) return JSON.stringify(value.message);
  return JSON.stringify(value) ?? String(value);
}
