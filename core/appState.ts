/**
 * What every route handler gets as `ctx.state`: the services main.ts composed. The web layer (core/web) never
 * sees this type; routes/ and islands/ do, and reach market data only through it.
 */
import type { AppConfig } from "./config.ts";
import type { IngestClient } from "./ingest/ingestClient.ts";
import type { Logger } from "./log.ts";
import type { SseHub } from "./web/mod.ts";
import type { TerminalState } from "./terminal/terminalState.ts";
import type { NotebookState } from "./notebook/notebookState.ts";

export interface BaseState {
  config: AppConfig;
  ingest: IngestClient;
  hub: SseHub;
  logger: Logger;
  /** The folder with universe.csv, mapping.csv, notebooks/ and exports; no endpoint reads or writes outside it. */
  dataDir: string;
}

export type AppState = BaseState & TerminalState & NotebookState;
