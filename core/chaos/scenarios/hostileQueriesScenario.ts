/**
 * 12. Hostile query cells while ingest runs: two clients fire the notebook's safety matrix (writes, file and
 * network access, settings, extensions, several statements, and queries that never end) at POST /api/query for the
 * length of the publisher's run. Every statement that could write or reach outside the cache must be refused, the
 * endless ones stopped by the time limit, no answer may be a 5xx, no file may appear, the cache must equal what
 * was published, and the ingest must keep pace with the publisher (frames received per second).
 */
import type { Scenario } from "../types.ts";

/** What a hostile statement may get: refused outright, or (for a legal but endless one) stopped or capped. */
type Allowed = "refused" | "bounded";

const EVIL = "/tmp/fluxbook-chaos-evil";

export const HOSTILE_QUERIES: readonly { sql: string; allowed: Allowed }[] = [
  { sql: "DROP TABLE candles", allowed: "refused" },
  { sql: "DELETE FROM candles", allowed: "refused" },
  { sql: "UPDATE candles SET close = 0", allowed: "refused" },
  { sql: "INSERT INTO candles SELECT * FROM candles", allowed: "refused" },
  { sql: "CREATE TABLE evil AS SELECT 1", allowed: "refused" },
  { sql: "ALTER TABLE candles RENAME TO evil", allowed: "refused" },
  { sql: "TRUNCATE candles", allowed: "refused" },
  { sql: "SELECT 1; DROP TABLE candles", allowed: "refused" },
  { sql: `ATTACH '${EVIL}.db' AS evil`, allowed: "refused" },
  { sql: `COPY candles TO '${EVIL}.csv'`, allowed: "refused" },
  { sql: `EXPORT DATABASE '${EVIL}-dir'`, allowed: "refused" },
  { sql: "SELECT * FROM read_csv('/etc/passwd')", allowed: "refused" },
  { sql: "SELECT * FROM read_text('/etc/hostname')", allowed: "refused" },
  { sql: "SELECT * FROM glob('/*')", allowed: "refused" },
  { sql: "SELECT * FROM 'data/cache.duckdb'", allowed: "refused" },
  { sql: "SELECT * FROM read_parquet('../../../../etc/passwd')", allowed: "refused" },
  { sql: "SELECT * FROM read_csv('http://127.0.0.1:9/x.csv')", allowed: "refused" },
  { sql: "SELECT * FROM query('DROP TABLE candles')", allowed: "refused" },
  { sql: "INSTALL httpfs", allowed: "refused" },
  { sql: "LOAD httpfs", allowed: "refused" },
  { sql: "SET memory_limit = '100TB'", allowed: "refused" },
  { sql: "PRAGMA enable_external_access", allowed: "refused" },
  { sql: "CHECKPOINT", allowed: "refused" },
  { sql: "VACUUM", allowed: "refused" },
  { sql: "CALL pragma_database_size()", allowed: "refused" },
  { sql: "SELECT count(*) FROM range(1000000000000)", allowed: "bounded" },
  { sql: "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r", allowed: "bounded" },
  { sql: "SELECT count(*) FROM candles a, candles b, candles c", allowed: "bounded" },
  { sql: "SELECT string_agg(x::VARCHAR, ',') FROM range(1000000000) t(x)", allowed: "bounded" },
  { sql: "SELECT * FROM range(100000000)", allowed: "bounded" },
];

export const hostileQueriesScenario: Scenario = {
  id: 12,
  name: "hostile queries during ingest",
  ci: false,
  async play(run): Promise<void> {
    const publisher = await run.startPublisher({
      streams: { seed: run.ctx.seed, symbols: run.workload.symbols, bars: run.workload.bars * 2 },
    });
    const app = run.startApp(publisher.endpoints);
    await run.waitLive(app);
    await publisher.resume();
    await new Promise((resolve) => setTimeout(resolve, 500));

    const answers: { sql: string; allowed: Allowed; status: number; kind: string; ms: number }[] = [];
    let attacking = true;
    const client = async (offset: number): Promise<void> => {
      for (let i = offset; attacking; i++) {
        const { sql, allowed } = HOSTILE_QUERIES[i % HOSTILE_QUERIES.length];
        const t0 = performance.now();
        const response = await app.fetch("/api/query", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ sql, timeoutMs: 1000, maxRows: 1000 }),
        });
        const body = await response.json().catch(() => ({}));
        answers.push({
          sql,
          allowed,
          status: response.status,
          kind: body.kind ?? (response.ok ? (body.truncated ? "truncated" : "ok") : "?"),
          ms: performance.now() - t0,
        });
      }
    };
    const startMetrics = await app.metrics();
    const startSeqs = await publisher.seqs();
    const startedAt = performance.now();
    const clients = [client(0), client(Math.floor(HOSTILE_QUERIES.length / 2))];
    await publisher.finished;
    const endSeqs = await publisher.seqs();
    const endedAt = performance.now();
    attacking = false;
    await Promise.all(clients);
    // The counters lag by up to one stats period on both ends of the window alike.
    const endMetrics = await app.metrics();
    const frames = (endMetrics.get("fluxbook_frames_total") ?? 0) - (startMetrics.get("fluxbook_frames_total") ?? 0);
    const heartbeats = (endMetrics.get("fluxbook_heartbeats_total") ?? 0) -
      (startMetrics.get("fluxbook_heartbeats_total") ?? 0);
    const sent = Object.keys(endSeqs).reduce((sum, topic) => sum + endSeqs[topic] - (startSeqs[topic] ?? 0), 0);
    run.recovered(await run.caughtUp(app, endSeqs, { epoch: publisher.epoch }));
    await run.stopApp(app);
    run.addSession(await publisher.stop());

    const ran = answers.filter((a) => a.allowed === "refused" && a.status < 400);
    const failed = answers.filter((a) => a.status >= 500);
    const slow = answers.filter((a) => a.ms > 10_000);
    run.check(
      "every writing or file-reaching statement refused",
      ran.length === 0,
      ran.map((a) => `${a.sql} → ${a.status}`).slice(0, 3).join("; ") || `${answers.length} answers`,
    );
    run.check(
      "no 5xx answer",
      failed.length === 0,
      failed.map((a) => `${a.sql} → ${a.status}`).slice(0, 3).join("; ") || "none",
    );
    run.check(
      "every answer within 10 s",
      slow.length === 0,
      `slowest ${Math.round(Math.max(...answers.map((a) => a.ms)))} ms`,
    );
    const leftovers = [...Deno.readDirSync("/tmp")].filter((e) => e.name.startsWith("fluxbook-chaos-evil"));
    run.check(
      "no file written outside the cache",
      leftovers.length === 0,
      leftovers.map((e) => e.name).join(", ") || "none",
    );
    const rate = sent / ((endedAt - startedAt) / 1000);
    const kept = (frames - heartbeats) / Math.max(1, sent);
    run.check(
      "the ingest kept pace during the attack",
      kept >= 0.95,
      `${Math.round(rate)} msg/s published, ${Math.round(kept * 100)}% received in the same window`,
      { timed: true },
    );
    const kinds: Record<string, number> = {};
    for (const answer of answers) {
      kinds[`${answer.status} ${answer.kind}`] = (kinds[`${answer.status} ${answer.kind}`] ?? 0) + 1;
    }
    const bySql: Record<string, string[]> = {};
    for (const answer of answers) {
      const outcome = `${answer.status} ${answer.kind}`;
      if (!(bySql[answer.sql] ??= []).includes(outcome)) bySql[answer.sql].push(outcome);
    }
    run.figure("hostileAnswers", bySql);
    run.note(`${answers.length} hostile queries: ${Object.entries(kinds).map(([k, n]) => `${n}× ${k}`).join(", ")}`);
  },
};
