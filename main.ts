/**
 * Composition root: config → demo publisher → ingest worker → web app → Deno.serve. The only place that opens the
 * socket, the database and the HTTP server; stops everything, in reverse order, on SIGINT/SIGTERM.
 */
import type { AppState, BaseState } from "./core/appState.ts";
import { type AppConfig, loadConfig } from "./core/config.ts";
import { UsageError } from "./core/flags.ts";
import { type IngestClient, startIngestWorker } from "./core/ingest/ingestClient.ts";
import { createLogger, type Logger } from "./core/log.ts";
import { createNotebookState } from "./core/notebook/notebookState.ts";
import { loadDemoStreams } from "./core/publisher/loadDemoStreams.ts";
import { startPublisher } from "./core/publisher/startPublisher.ts";
import { openStore } from "./core/ingest/store.ts";
import type { Publisher } from "./core/publisher/types.ts";
import { startLiveBridge } from "./core/terminal/liveBridge.ts";
import { createTerminalState } from "./core/terminal/terminalState.ts";
import { createApp, createSseHub } from "./core/web/mod.ts";

export interface RunningApp {
  /** The web app's address, e.g. `http://127.0.0.1:8000/`. */
  url: string;
  config: AppConfig;
  ingest: IngestClient;
  publisher: Publisher | null;
  stop(): Promise<void>;
}

const ROOT = new URL(".", import.meta.url);

/** Starts every part; on a failure part-way, stops what already started and rethrows. */
export async function startApp(config: AppConfig, options: { logger: Logger }): Promise<RunningApp> {
  const log = options.logger;
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.reverse()) {
      try {
        await stop();
      } catch (error) {
        log.error("error while stopping", { error: error instanceof Error ? error.message : String(error) });
      }
    }
    stops.length = 0;
  };
  try {
    const dataDir = new URL("data/", ROOT).pathname;
    let publisher: Publisher | null = null;
    if (config.demo) {
      const resume = await demoResumePoint(config.db);
      const demo = await loadDemoStreams({
        dataDir,
        symbols: config.demoSymbols.length > 0 ? config.demoSymbols : "sample",
      });
      for (const warning of demo.warnings) log.warn(warning);
      publisher = await startPublisher({
        streams: demo.streams,
        pubEndpoint: config.pubEndpoints[0],
        reqEndpoint: config.reqEndpoints[0],
        speed: config.demoSpeed,
        loop: true,
        ...resume,
        paused: true,
        logger: log.child("demo"),
        statusMs: 0,
      });
      stops.push(() => publisher!.stop());
      // With a `:0` port the publisher picked one; the subscriber must connect to that.
      config = {
        ...config,
        pubEndpoints: [publisher.endpoints.pub, ...config.pubEndpoints.slice(1)],
        reqEndpoints: [publisher.endpoints.req, ...config.reqEndpoints.slice(1)],
      };
      log.info("demo publisher started", {
        pub: publisher.endpoints.pub,
        req: publisher.endpoints.req,
        streams: demo.streams.length,
        epoch: publisher.epoch,
      });
    }

    const ingest = startIngestWorker(config, { logger: log.child("ingest") });
    stops.push(() => ingest.stop());
    await ingest.ready;
    if (publisher) {
      // PUB/SUB drops what is sent before the subscriber has joined; start the demo once it hears heartbeats.
      await waitFor(() => ingest.sources.value.some((s) => s.state === "live"), 5000);
      publisher.resume();
    }

    const hub = createSseHub({ logger: log.child("sse") });
    stops.push(() => Promise.resolve(hub.close()));
    const base: BaseState = { config, ingest, hub, logger: log, dataDir };
    const terminal = await createTerminalState(base);
    stops.push(() => terminal.stopTerminal());
    const notebook = await createNotebookState(base);
    stops.push(() => notebook.stopNotebook());
    const stopBridge = startLiveBridge(ingest, hub);
    stops.push(() => Promise.resolve(stopBridge()));

    const state: AppState = { ...base, ...terminal, ...notebook };
    const app = await createApp({
      routesDir: new URL("routes/", ROOT),
      islandsDir: new URL("islands/", ROOT),
      staticDir: new URL("static/", ROOT),
      state,
      logger: log.child("web"),
    });
    stops.push(() => app.dispose());

    let server: Deno.HttpServer<Deno.NetAddr>;
    try {
      server = Deno.serve({ hostname: config.host, port: config.port, onListen: () => {} }, app.fetch);
    } catch (error) {
      if (error instanceof Deno.errors.AddrInUse) {
        throw new Error(
          `Cannot listen on ${config.host}:${config.port}: the port is in use (is fluxbook already running?); ` +
            "choose another with --port",
        );
      }
      throw error;
    }
    stops.push(async () => {
      // Open event streams would keep shutdown() waiting: end them first.
      hub.close();
      await server.shutdown();
    });
    const host = server.addr.hostname.includes(":") ? `[${server.addr.hostname}]` : server.addr.hostname;
    const url = `http://${host}:${server.addr.port}/`;
    log.info(`fluxbook is up: open ${url}`, { cache: config.db });
    return { url, config, ingest, publisher, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** Bars of history the demo sends at start when the cache has none of its recent bars. */
const DEMO_BACKLOG_BARS = 600;

/**
 * Where the demo's replay starts. The demo runs at N× real time, so its bars run ahead of the clock; a restart
 * that anchored at "now" again would re-send (under a new epoch, which wins) bars the cache already holds with
 * other values. So it starts right after the newest demo bar in the cache, without a backlog; with no recent demo
 * bars it starts now, after a backlog of history for the chart.
 */
async function demoResumePoint(db: string): Promise<{ anchorMs?: number; backlogBars: number }> {
  let newestMs: number | null = null;
  try {
    // Before the ingest migrates an older cache: its `candles` table is all this reads.
    await using store = await openStore(db, { readOnly: true, acceptOlderSchema: true });
    const connection = await store.instance.connect();
    try {
      const [[value]] = (await connection.runAndReadAll(
        `SELECT epoch_ms(max(open_time)) FROM candles WHERE source = 'demo' AND interval = '1m'`,
      )).getRows();
      newestMs = value === null ? null : Number(value as bigint);
    } finally {
      connection.closeSync();
    }
  } catch {
    // No cache yet (or not a readable one): the ingest reports that clearly when it opens it.
  }
  if (newestMs === null || newestMs < Date.now() - DEMO_BACKLOG_BARS * 60_000) {
    return { backlogBars: DEMO_BACKLOG_BARS };
  }
  return { anchorMs: newestMs + 60_000, backlogBars: 0 };
}

/** Polls `condition` until it holds or `timeoutMs` passes; returns whether it held. */
async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

async function main(): Promise<number> {
  let config: AppConfig;
  try {
    config = loadConfig(Deno.args, Deno.env.toObject());
  } catch (error) {
    if (error instanceof UsageError) {
      const help = error.message.startsWith("Usage:");
      console.error(help ? error.message : `start: ${error.message}\n(see --help)`);
      return help ? 0 : 2;
    }
    throw error;
  }
  const log = createLogger("fluxbook", config.logLevel);
  // Listening before start-up: a SIGTERM that arrives while the cache opens still gets a clean stop, right after.
  const signalled = waitForSignal();
  let app: RunningApp;
  try {
    app = await startApp(config, { logger: log });
  } catch (error) {
    log.error(error instanceof Error ? error.message : String(error));
    return 1;
  }
  const signal = await signalled;
  log.info(`${signal}: stopping (flushing and checkpointing the cache)`);
  await app.stop();
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
