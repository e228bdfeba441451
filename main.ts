/**
 * Composition root: config → demo publisher → ingest → web app → Deno.serve. The only place that opens the
 * socket, the database and the HTTP server; stops everything on SIGINT/SIGTERM.
 */
import { loadConfig } from "./core/config.ts";
import { UsageError } from "./core/flags.ts";
import { createLogger } from "./core/log.ts";

async function main(): Promise<number> {
  let config;
  try {
    config = loadConfig(Deno.args, Deno.env.toObject());
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(error.message.startsWith("Usage:") ? error.message : `start: ${error.message}\n(see --help)`);
      return error.message.startsWith("Usage:") ? 0 : 2;
    }
    throw error;
  }
  const log = createLogger("fluxbook", config.logLevel);
  log.info("nothing to ingest yet: the ingest core lands next; press Ctrl-C to stop", {
    pub: config.pubEndpoints.join(","),
    db: config.db,
  });
  await waitForSignal();
  log.info("stopped");
  return 0;
}

function waitForSignal(): Promise<Deno.Signal> {
  return new Promise((resolve) => {
    const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
    const handlers = signals.map((signal) => {
      const handler = (): void => {
        signals.forEach((s, i) => Deno.removeSignalListener(s, handlers[i]));
        resolve(signal);
      };
      Deno.addSignalListener(signal, handler);
      return handler;
    });
  });
}

if (import.meta.main) Deno.exit(await main());
