/**
 * The logger the web layer writes to: four levels, a message and optional structured fields.
 *
 * Structurally compatible with `console` and with core/log.ts's `Logger`, so either can be passed in.
 */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** The default logger: the console. */
export const consoleLogger: Logger = console;
