/**
 * `startPublisherProcess()`: runs publisherChild.ts as a separate process and talks to it over stdin/stdout.
 * `stop()` ends it gracefully and returns every data frame it put on the wire, in wire order (publisherRecord.ts).
 */
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import type { SendEvent } from "../publisher/types.ts";
import { captureLines } from "./captureLines.ts";
import type { PublisherChildConfig, PublisherChildMessage } from "./publisherChild.ts";
import { readRecord } from "./publisherRecord.ts";

export interface PublisherProcess {
  readonly pid: number;
  readonly endpoints: { pub: string; req: string };
  readonly epoch: bigint;
  readonly config: PublisherChildConfig;
  /** Resolves when every stream has run out (never with `loop`). */
  readonly finished: Promise<void>;
  readonly exited: Promise<Deno.CommandStatus>;
  resume(): Promise<void>;
  /** The last seq given to each data topic so far (dropped messages included). */
  seqs(): Promise<Record<string, number>>;
  stats(): Promise<Record<string, unknown>>;
  kill(signal: Deno.Signal): void;
  /** Stops the child (it flushes its record) and returns the recorded events. */
  stop(): Promise<SendEvent[]>;
}

const CHILD = fileURLToPath(new URL("./publisherChild.ts", import.meta.url));
export const REPO_ROOT = dirname(dirname(dirname(CHILD)));
/** Safety net for the child's answers; a healthy child answers in milliseconds. */
const ANSWER_TIMEOUT_MS = 30_000;

export async function startPublisherProcess(
  config: PublisherChildConfig,
  options: { logFile?: string } = {},
): Promise<PublisherProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", `${REPO_ROOT}/deno.json`, CHILD, JSON.stringify(config)],
    cwd: REPO_ROOT,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  const encoder = new TextEncoder();
  const waiters = new Map<string, ((message: PublisherChildMessage) => void)[]>();
  const ready = Promise.withResolvers<PublisherChildMessage & { kind: "ready" }>();
  const finished = Promise.withResolvers<void>();
  const stderrLines: string[] = [];
  const stdoutDone = captureLines(child.stdout, {
    onLine: (line) => {
      let message: PublisherChildMessage;
      try {
        message = JSON.parse(line);
      } catch {
        return;
      }
      if (message.kind === "ready") ready.resolve(message);
      else if (message.kind === "finished") finished.resolve();
      else waiters.get(message.kind)?.shift()?.(message);
    },
  });
  const stderrDone = captureLines(child.stderr, {
    file: options.logFile,
    onLine: (line) => {
      if (stderrLines.length < 200) stderrLines.push(line);
    },
  });
  const exited = child.status.then(async (status) => {
    await Promise.all([stdoutDone, stderrDone]);
    ready.reject(
      new Error(`The publisher child exited with code ${status.code} before it was ready: ${stderrLines.join("\n")}`),
    );
    finished.resolve();
    return status;
  });
  void finished.promise;

  let hello: PublisherChildMessage & { kind: "ready" };
  try {
    hello = await ready.promise;
  } catch (error) {
    await writer.close().catch(() => {});
    throw error;
  }

  async function ask<K extends "seqs" | "stats">(kind: K): Promise<PublisherChildMessage & { kind: K }> {
    const answer = Promise.withResolvers<PublisherChildMessage>();
    waiters.set(kind, [...(waiters.get(kind) ?? []), answer.resolve]);
    const timer = setTimeout(
      () => answer.reject(new Error(`The publisher child (pid ${child.pid}) did not answer "${kind}" in time`)),
      ANSWER_TIMEOUT_MS,
    );
    void exited.then(() => answer.reject(new Error(`The publisher child (pid ${child.pid}) exited`)));
    try {
      await writer.write(encoder.encode(`${kind}\n`));
      return await answer.promise as PublisherChildMessage & { kind: K };
    } finally {
      clearTimeout(timer);
    }
  }

  let stopping: Promise<SendEvent[]> | null = null;
  return {
    pid: child.pid,
    endpoints: { pub: hello.pub, req: hello.req },
    epoch: BigInt(hello.epoch),
    config,
    finished: finished.promise,
    exited,
    resume: () => writer.write(encoder.encode("resume\n")),
    seqs: async () => (await ask("seqs")).seqs,
    stats: async () => (await ask("stats")).stats,
    kill: (signal) => {
      try {
        child.kill(signal);
      } catch {
        // Already gone.
      }
    },
    stop(): Promise<SendEvent[]> {
      stopping ??= (async () => {
        try {
          child.kill("SIGCONT");
          child.kill("SIGTERM");
        } catch {
          // Already exited.
        }
        await writer.close().catch(() => {});
        const status = await exited;
        if (status.code !== 0 && status.signal === null) {
          throw new Error(`The publisher child exited with code ${status.code}: ${stderrLines.join("\n")}`);
        }
        return await readRecord(config.record);
      })();
      return stopping;
    },
  };
}
