/**
 * The publisher as a child process of the chaos runner, so that SIGSTOP/SIGCONT, SIGTERM and restarts hit a real
 * process. A thin wrapper over startPublisher() that `deno task publish` cannot be: it records every SendEvent to a
 * file (publisherRecord.ts), takes a fixed `epoch` (scenario 5's misbehaving publisher), and answers the runner on
 * stdin/stdout.
 *
 *   deno run -A core/chaos/publisherChild.ts '<PublisherChildConfig as JSON>'
 *
 * stdout, one JSON object per line: `{"kind":"ready","pub","req","epoch"}`, then `{"kind":"finished"}` when every
 * stream has run out, and the answers to stdin commands: `seqs` → `{"kind":"seqs","seqs":{topic: lastSeq}}`,
 * `stats` → `{"kind":"stats","stats":{…}}`; `resume` starts a paused replay; `stop` (or SIGTERM/SIGINT) stops,
 * flushes the record and exits 0.
 */
import type { FaultOptions } from "../publisher/createFaultInjector.ts";
import { startPublisher } from "../publisher/startPublisher.ts";
import { chaosStreams, type ChaosStreamSpec } from "./chaosStreams.ts";
import { openRecordWriter } from "./publisherRecord.ts";

export interface PublisherChildConfig {
  pub: string;
  req: string;
  streams: ChaosStreamSpec;
  /** Where the replayed bars are anchored (see createStreamReplay); fixed, so a scenario repeats. */
  anchorMs: number;
  speed?: number | "max";
  rate?: number;
  batchSize?: number;
  partials?: number;
  heartbeatMs?: number;
  historyLimit?: number;
  maxBackfill?: number;
  backlogBars?: number;
  faults?: Partial<FaultOptions>;
  /** Decimal u64; default: a fresh one (the start time). */
  epoch?: string;
  source?: string;
  noDrop?: boolean;
  sendHighWaterMark?: number;
  loop?: boolean;
  paused?: boolean;
  /** Path of the record file (created, truncated). */
  record: string;
}

export type PublisherChildMessage =
  | { kind: "ready"; pub: string; req: string; epoch: string }
  | { kind: "seqs"; seqs: Record<string, number> }
  | { kind: "stats"; stats: Record<string, unknown> }
  | { kind: "finished" };

const RECORD_FLUSH_MS = 50;

async function main(): Promise<number> {
  const config = JSON.parse(Deno.args[0] ?? "") as PublisherChildConfig;
  const record = openRecordWriter(config.record);
  const lastSeqs: Record<string, number> = {};
  const say = (message: PublisherChildMessage): void => console.log(JSON.stringify(message));
  const publisher = await startPublisher({
    streams: chaosStreams(config.streams),
    pubEndpoint: config.pub,
    reqEndpoint: config.req,
    anchorMs: config.anchorMs,
    speed: config.speed,
    rate: config.rate,
    batchSize: config.batchSize,
    partials: config.partials,
    heartbeatMs: config.heartbeatMs,
    historyLimit: config.historyLimit,
    maxBackfill: config.maxBackfill,
    backlogBars: config.backlogBars,
    faults: config.faults,
    epoch: config.epoch === undefined ? undefined : BigInt(config.epoch),
    source: config.source,
    noDrop: config.noDrop,
    sendHighWaterMark: config.sendHighWaterMark,
    loop: config.loop,
    paused: config.paused,
    statusMs: 0,
    onSend: (event) => {
      if (event.topic === "hb") return;
      if (event.fate !== "garbage") lastSeqs[event.topic] = Math.max(lastSeqs[event.topic] ?? 0, event.seq);
      record.add(event);
    },
  });
  const flushTimer = setInterval(() => record.flush(), RECORD_FLUSH_MS);
  say({ kind: "ready", pub: publisher.endpoints.pub, req: publisher.endpoints.req, epoch: String(publisher.epoch) });
  void publisher.finished.then(() => {
    record.flush();
    say({ kind: "finished" });
  });

  const stop = Promise.withResolvers<void>();
  const onSignal = (): void => stop.resolve();
  for (const signal of ["SIGTERM", "SIGINT"] as const) Deno.addSignalListener(signal, onSignal);
  const commands = (async () => {
    const decoder = new TextDecoder();
    const reader = Deno.stdin.readable.getReader();
    let buffered = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffered += decoder.decode(value, { stream: true });
      let newline: number;
      while ((newline = buffered.indexOf("\n")) >= 0) {
        const command = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (command === "resume") publisher.resume();
        else if (command === "seqs") {
          record.flush();
          say({ kind: "seqs", seqs: { ...lastSeqs } });
        } else if (command === "stats") {
          say({
            kind: "stats",
            stats: JSON.parse(JSON.stringify(publisher.stats, (_, v) => typeof v === "bigint" ? String(v) : v)),
          });
        } else if (command === "stop") stop.resolve();
      }
    }
  })();
  void commands.catch(() => stop.resolve());

  await stop.promise;
  clearInterval(flushTimer);
  let code = 0;
  try {
    await publisher.stop();
  } catch (error) {
    console.error(`publisherChild: the publisher failed: ${error instanceof Error ? error.message : error}`);
    code = 1;
  }
  record.close();
  return code;
}

if (import.meta.main) Deno.exit(await main());
