/**
 * The terminal's web app built from real parts, the way main.ts composes it: a publisher on ephemeral ports (when
 * streams are given), the ingest worker on a temp cache, an SSE hub, the terminal state, the live bridge, and
 * createApp() over routes/, islands/ and static/. Requests go through `app.fetch(new Request(…))`.
 */
import { join } from "node:path";
import type { AppState, BaseState } from "../../core/appState.ts";
import { type AppConfig, loadConfig } from "../../core/config.ts";
import { type IngestClient, startIngestWorker } from "../../core/ingest/ingestClient.ts";
import { createLogger } from "../../core/log.ts";
import { createNotebookState } from "../../core/notebook/notebookState.ts";
import { startPublisher } from "../../core/publisher/startPublisher.ts";
import type { Publisher, ReplayStream } from "../../core/publisher/types.ts";
import { startLiveBridge } from "../../core/terminal/liveBridge.ts";
import { createTerminalState, type TerminalState } from "../../core/terminal/terminalState.ts";
import { type App, createApp, createSseHub, type SseHub, type SseHubOptions } from "../../core/web/mod.ts";

const ROOT = new URL("../../", import.meta.url);
export const DATA_DIR = new URL("data/", ROOT).pathname;
export const silent = createLogger("test", "silent");

export interface TerminalApp extends AsyncDisposable {
  app: App;
  state: AppState;
  hub: SseHub;
  ingest: IngestClient;
  publisher: Publisher | null;
  config: AppConfig;
  dir: string;
  /** A GET (or other) request to the app, as a browser on 127.0.0.1 would send it. */
  request(path: string, init?: RequestInit): Promise<Response>;
  /** A second terminal state on the same parts: what a restart of the server would build. */
  restartTerminal(): Promise<TerminalState & { stopTerminal(): Promise<void> }>;
}

export interface TerminalAppOptions {
  /** Published by a real publisher; none: the ingest has no publisher to reach. */
  streams?: ReplayStream[];
  speed?: number | "max";
  rate?: number;
  backlogBars?: number;
  hub?: SseHubOptions;
  /** Make the cache impossible to open (a directory where the file should be). */
  brokenCache?: boolean;
}

export async function startTerminalApp(options: TerminalAppOptions = {}): Promise<TerminalApp> {
  const dir = await Deno.makeTempDir({ prefix: "fluxbook-terminal-" });
  const db = join(dir, "cache.duckdb");
  if (options.brokenCache) await Deno.mkdir(db);
  const stops: (() => Promise<void> | void)[] = [() => Deno.remove(dir, { recursive: true })];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.reverse()) await stop();
  };
  try {
    let publisher: Publisher | null = null;
    if (options.streams !== undefined) {
      publisher = await startPublisher({
        streams: options.streams,
        pubEndpoint: "tcp://127.0.0.1:*",
        reqEndpoint: "tcp://127.0.0.1:*",
        speed: options.speed,
        rate: options.rate,
        loop: true,
        backlogBars: options.backlogBars ?? 0,
        paused: true,
        heartbeatMs: 100,
      });
      const started = publisher;
      stops.push(() => started.stop());
    }
    const config: AppConfig = {
      ...loadConfig([], {}),
      db,
      demo: false,
      // No publisher: a port nobody listens on; the feed stays "connecting".
      pubEndpoints: [publisher?.endpoints.pub ?? "tcp://127.0.0.1:9"],
      reqEndpoints: [publisher?.endpoints.req ?? "tcp://127.0.0.1:9"],
      logLevel: "silent",
      heartbeatTimeoutMs: 2000,
    };
    const ingest = startIngestWorker(config, { logger: silent });
    stops.push(() => ingest.stop());
    if (!options.brokenCache) await ingest.ready;
    if (publisher !== null) {
      await until(() => ingest.sources.peek().some((source) => source.state === "live"), "the feed to go live");
      publisher.resume();
    }
    const hub = createSseHub({ logger: silent, ...options.hub });
    stops.push(() => hub.close());
    const base: BaseState = { config, ingest, hub, logger: silent, dataDir: DATA_DIR };
    const terminal = await createTerminalState(base);
    stops.push(() => terminal.stopTerminal());
    // The notebook's part too (its routes load with the app); it needs an open cache.
    const notebook = options.brokenCache ? null : await createNotebookState(base, {
      notebooksDir: join(dir, "notebooks"),
      exportDir: join(dir, "export"),
    });
    if (notebook !== null) stops.push(() => notebook.stopNotebook());
    const stopBridge = startLiveBridge(ingest, hub);
    stops.push(stopBridge);
    const state = { ...base, ...terminal, ...notebook } as AppState;
    const app = await createApp({
      routesDir: new URL("routes/", ROOT),
      islandsDir: new URL("islands/", ROOT),
      staticDir: new URL("static/", ROOT),
      state,
      logger: silent,
    });
    stops.push(() => app.dispose());
    return {
      app,
      state,
      hub,
      ingest,
      publisher,
      config,
      dir,
      request: (path, init) => app.fetch(new Request(new URL(path, "http://127.0.0.1:8000"), init)),
      restartTerminal: () => createTerminalState(base),
      [Symbol.asyncDispose]: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** Polls until `condition` holds; throws after 15 s (a safety net, never a timing assertion). */
export async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
