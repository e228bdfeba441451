/**
 * `startAppProcess()`: the real app (`main.ts --no-demo`) as a child process, with what a scenario needs from the
 * outside: its URL (parsed from the "fluxbook is up: open …" log line), /metrics and /api/health, read-only SQL on
 * its cache through POST /api/query, its resident memory sampled from /proc, its log, and signals.
 */
import { fileURLToPath } from "node:url";
import { captureLines } from "./captureLines.ts";
import { type Metrics, parsePrometheus } from "./parsePrometheus.ts";
import { readProcStatus } from "./readProcStatus.ts";
import { REPO_ROOT } from "./startPublisherProcess.ts";
import { startTaskV8Flags } from "./startTaskV8Flags.ts";

export interface AppProcessOptions {
  db: string;
  pub: string;
  req: string;
  /** SUB high-water mark (`--hwm`). */
  hwm?: number;
  heartbeatTimeoutMs?: number;
  /** Default 0 (a free port). */
  port?: number;
  host?: string;
  logFile?: string;
  extraArgs?: readonly string[];
}

export interface AppHealth {
  status: string;
  cacheOpen: boolean;
  /** Why commits fail right now (a full disk; a fatal DuckDB error that needs a restart), or null. */
  commitError: string | null;
  sources: { endpoint: string; state: string; detail: string; epoch: string | null }[];
  counters: Record<string, number | null>;
  sse: Record<string, number>;
}

export interface AppProcess {
  readonly pid: number;
  /** Resolves with the app's URL once it is serving; rejects if it exits first. */
  readonly up: Promise<string>;
  /** The URL once the app serves, else null. */
  url(): string | null;
  readonly exited: Promise<Deno.CommandStatus>;
  /** Log lines so far (the newest 5000). */
  logLines(): readonly string[];
  /** Largest VmHWM seen (KiB); sampled every 100 ms and on `sampleMemory()`. */
  peakRssKb(): number;
  /** Reads /proc now; returns the current RSS in KiB, or null when the process is gone. */
  sampleMemory(): number | null;
  kill(signal: Deno.Signal): void;
  fetch(path: string, init?: RequestInit): Promise<Response>;
  metrics(): Promise<Metrics>;
  health(): Promise<AppHealth>;
  /** Rows of one read-only statement, through POST /api/query; throws with the server's message on an error. */
  query(sql: string): Promise<unknown[][]>;
  /** Sends `signal` (default SIGTERM) and waits; SIGKILLs after `timeoutMs` and says so in `forced`. */
  stop(
    options?: { signal?: Deno.Signal; timeoutMs?: number },
  ): Promise<{ status: Deno.CommandStatus; forced: boolean }>;
}

const MAIN = fileURLToPath(new URL("../../main.ts", import.meta.url));
const MAX_LINES = 5000;
const SAMPLE_MS = 100;
const UP_PATTERN = /fluxbook is up: open (http:\/\/\S+)/;

export function startAppProcess(options: AppProcessOptions): AppProcess {
  const args = [
    "run",
    "-A",
    ...startTaskV8Flags(Deno.readTextFileSync(`${REPO_ROOT}/deno.json`)),
    "--config",
    `${REPO_ROOT}/deno.json`,
    MAIN,
    "--no-demo",
    "--pub",
    options.pub,
    "--req",
    options.req,
    "--db",
    options.db,
    "--port",
    String(options.port ?? 0),
    "--log-level",
    "info",
    ...(options.host === undefined ? [] : ["--host", options.host]),
    ...(options.hwm === undefined ? [] : ["--hwm", String(options.hwm)]),
    ...(options.heartbeatTimeoutMs === undefined ? [] : ["--heartbeat-timeout", String(options.heartbeatTimeoutMs)]),
    ...(options.extraArgs ?? []),
  ];
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: REPO_ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines: string[] = [];
  const up = Promise.withResolvers<string>();
  void up.promise.catch(() => {});
  let url: string | null = null;
  const onLine = (line: string): void => {
    lines.push(line);
    if (lines.length > MAX_LINES) lines.splice(0, lines.length - MAX_LINES);
    const match = url === null ? UP_PATTERN.exec(line) : null;
    if (match) {
      url = match[1];
      up.resolve(url);
    }
  };
  const drained = Promise.all([
    captureLines(child.stdout, { file: options.logFile, onLine }),
    captureLines(child.stderr, { file: options.logFile, onLine }),
  ]);
  let peakKb = 0;
  let lastRssKb: number | null = null;
  const sampleMemory = (): number | null => {
    const memory = readProcStatus(child.pid);
    if (memory === null) return null;
    peakKb = Math.max(peakKb, memory.hwmKb);
    lastRssKb = memory.rssKb;
    return memory.rssKb;
  };
  const sampler = setInterval(sampleMemory, SAMPLE_MS);
  const exited = child.status.then(async (status) => {
    clearInterval(sampler);
    await drained;
    up.reject(
      new Error(
        `The app (pid ${child.pid}) exited with code ${status.code} before serving:\n${lines.slice(-20).join("\n")}`,
      ),
    );
    return status;
  });

  async function fetchApp(path: string, init?: RequestInit): Promise<Response> {
    const base = await up.promise;
    return await fetch(new URL(path, base), init);
  }

  return {
    pid: child.pid,
    up: up.promise,
    url: () => url,
    exited,
    logLines: () => lines,
    peakRssKb: () => peakKb,
    sampleMemory: () => sampleMemory() ?? lastRssKb,
    kill(signal: Deno.Signal): void {
      if (signal === "SIGKILL" || signal === "SIGTERM") sampleMemory();
      try {
        child.kill(signal);
      } catch {
        // Already gone.
      }
    },
    fetch: fetchApp,
    async metrics(): Promise<Metrics> {
      const response = await fetchApp("/metrics");
      return parsePrometheus(await response.text());
    },
    async health(): Promise<AppHealth> {
      const response = await fetchApp("/api/health");
      return await response.json();
    },
    async query(sql: string): Promise<unknown[][]> {
      const response = await fetchApp("/api/query", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ sql }),
      });
      const body = await response.json();
      if (!response.ok) throw new Error(`Query failed (${response.status}): ${body.error ?? JSON.stringify(body)}`);
      return body.rows;
    },
    async stop(stopOptions = {}): Promise<{ status: Deno.CommandStatus; forced: boolean }> {
      const signal = stopOptions.signal ?? "SIGTERM";
      sampleMemory();
      try {
        child.kill("SIGCONT");
        child.kill(signal);
      } catch {
        // Already exited.
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timedOut = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), stopOptions.timeoutMs ?? 30_000);
      });
      const first = await Promise.race([exited, timedOut]);
      clearTimeout(timer);
      if (first !== "timeout") return { status: first, forced: false };
      try {
        child.kill("SIGKILL");
      } catch {
        // Exited just now.
      }
      return { status: await exited, forced: true };
    },
  };
}
