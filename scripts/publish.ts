/**
 * `deno task publish`: the demo market-data publisher. A thin CLI over core/publisher (parsePublishArgs,
 * loadDemoStreams, startPublisher); see `deno task publish --help`.
 *
 * Exit codes: 0 stopped by Ctrl-C / SIGTERM; 1 the publisher failed while running; 2 bad arguments, unusable data,
 * or an endpoint that cannot be bound (`publish: cannot bind PUB tcp://127.0.0.1:5556: address in use …`).
 */
import { createLogger } from "../core/log.ts";
import { loadDemoStreams } from "../core/publisher/loadDemoStreams.ts";
import { parsePublishArgs, PUBLISH_USAGE } from "../core/publisher/parsePublishArgs.ts";
import { startPublisher } from "../core/publisher/startPublisher.ts";
import type { Publisher } from "../core/publisher/types.ts";
import { BindError } from "../core/zmq/zmqDeno.ts";

/** Runs the publisher with `args` until SIGINT/SIGTERM (or `signal`) and returns the exit code. */
export async function runPublish(args: readonly string[], options: { signal?: AbortSignal } = {}): Promise<number> {
  const command = parsePublishArgs(args);
  switch (command.kind) {
    case "help":
      console.log(PUBLISH_USAGE);
      return 0;
    case "usage_error":
      console.error(`publish: ${command.message} (see deno task publish --help)`);
      return 2;
    case "run":
      break;
  }
  const config = command.config;
  const logger = createLogger("publish", config.quiet ? "warn" : "info");

  let streams;
  try {
    const loaded = await loadDemoStreams({
      dataDir: config.dataDir,
      symbols: config.symbols,
      generateDays: config.generateDays,
    });
    for (const warning of loaded.warnings.slice(0, 10)) logger.warn(warning);
    if (loaded.warnings.length > 10) logger.warn(`… and ${loaded.warnings.length - 10} more skipped rows`);
    streams = loaded.streams;
  } catch (error) {
    console.error(`publish: ${error instanceof Error ? error.message : error}`);
    return 2;
  }
  if (streams.length === 0) {
    console.error(`publish: no streams to publish from ${config.dataDir} (see the warnings above)`);
    return 2;
  }

  let publisher: Publisher;
  try {
    publisher = await startPublisher({
      streams,
      pubEndpoint: config.pubEndpoint,
      reqEndpoint: config.reqEndpoint,
      speed: config.speed,
      rate: config.rate,
      batchSize: config.batchSize,
      loop: config.loop,
      partials: config.partials,
      ticks: config.ticks,
      trades: config.trades,
      heartbeatMs: config.heartbeatMs,
      historyLimit: config.historyLimit,
      maxBackfill: config.maxBackfill,
      backlogBars: config.backlogBars,
      faults: config.faults,
      source: config.source,
      noDrop: config.noDrop,
      logger,
      statusMs: config.statusMs,
    });
  } catch (error) {
    if (error instanceof BindError || error instanceof RangeError) {
      console.error(`publish: ${error.message}`);
      return 2;
    }
    throw error;
  }

  await untilStopped(options.signal);
  logger.info("stopping");
  try {
    await publisher.stop();
  } catch (error) {
    logger.error("the publisher failed", { error });
    return 1;
  }
  return 0;
}

/** Resolves on SIGINT, SIGTERM or the signal, and removes its listeners. */
function untilStopped(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
    const stop = (): void => {
      for (const name of signals) Deno.removeSignalListener(name, stop);
      signal?.removeEventListener("abort", stop);
      resolve();
    };
    for (const name of signals) Deno.addSignalListener(name, stop);
    if (signal?.aborted) stop();
    else signal?.addEventListener("abort", stop, { once: true });
  });
}

if (import.meta.main) Deno.exit(await runPublish(Deno.args));
