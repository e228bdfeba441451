import assert from "node:assert/strict";
import { type DuckDBConnection } from "@duckdb/node-api";
import { openStore, type Store } from "../../core/ingest/store.ts";
import { CRASH_SOURCE, CRASH_TOPICS, crashBatch, ticksPerSeq, tradesPerSeq } from "./fixtures/crashBatch.ts";

const WRITER = new URL("./fixtures/storeWriter.ts", import.meta.url).pathname;
const HOLDER = new URL("./fixtures/duckdbHolder.ts", import.meta.url).pathname;

/** A child process and the lines it prints. */
interface Writer {
  child: Deno.ChildProcess;
  /** Resolves with the next line, or null when stdout ended. */
  nextLine(): Promise<string | null>;
  /** Reads and drops the rest of stdout, returning the last line seen. */
  drain(): Promise<string | null>;
}

function spawnWriter(path: string, seed: number): Writer {
  return spawnProcess([WRITER, path, String(seed)]);
}

function spawnProcess(args: string[], stderr: "inherit" | "null" = "inherit"): Writer {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ...args],
    stdout: "piped",
    stderr,
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let last: string | null = null;
  async function nextLine(): Promise<string | null> {
    while (!buffer.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) return null;
      buffer += value;
    }
    const end = buffer.indexOf("\n");
    const line = buffer.slice(0, end);
    buffer = buffer.slice(end + 1);
    last = line;
    return line;
  }
  async function drain(): Promise<string | null> {
    while ((await nextLine()) !== null);
    reader.releaseLock();
    return last;
  }
  return { child, nextLine, drain };
}

function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function scalar(connection: DuckDBConnection, sql: string): Promise<number> {
  const value = (await connection.runAndReadAll(sql)).getRows()[0][0];
  return value === null ? 0 : Number(value);
}

/**
 * Checks that the cache holds exactly the complete batches up to its cursor: every seq 1..cursor with all its
 * rows in every table, nothing past it, gap rows tiling 1..cursor, and one newest forming-bar revision.
 */
async function assertConsistent(store: Store): Promise<number> {
  const cursors = (await store.loadCursors()).filter((c) => c.source === CRASH_SOURCE);
  assert.deepEqual(cursors.map((c) => c.topic), [...CRASH_TOPICS]);
  const cursor = cursors[0].lastSeq;
  for (const c of cursors) assert.equal(c.lastSeq, cursor, `cursor of ${c.topic}`);

  const connection = await store.instance.connect();
  try {
    assert.equal(await scalar(connection, `SELECT count(*) FROM candles WHERE symbol = 'T'`), cursor);
    assert.equal(await scalar(connection, `SELECT count(DISTINCT seq) FROM candles WHERE symbol = 'T'`), cursor);
    assert.equal(await scalar(connection, `SELECT max(seq) FROM candles WHERE symbol = 'T'`), cursor);

    let expectedTicks = 0;
    let expectedTrades = 0;
    for (let seq = 1; seq <= cursor; seq++) {
      expectedTicks += ticksPerSeq(seq);
      expectedTrades += tradesPerSeq(seq);
    }
    assert.equal(await scalar(connection, `SELECT count(*) FROM ticks`), expectedTicks);
    assert.equal(await scalar(connection, `SELECT max(seq) FROM ticks`), cursor);
    assert.equal(
      await scalar(
        connection,
        `SELECT count(*) FROM (SELECT seq, count(*) AS n FROM ticks GROUP BY seq) WHERE n <> 1 + seq % 97`,
      ),
      0,
      "every seq has all its ticks",
    );
    assert.equal(await scalar(connection, `SELECT count(*) FROM trades`), expectedTrades);

    const gaps = (await connection.runAndReadAll(`SELECT from_seq, to_seq FROM gaps ORDER BY from_seq`)).getRows();
    let next = 1;
    for (const [fromSeq, toSeq] of gaps) {
      assert.equal(Number(fromSeq), next, "gap rows tile the committed seqs");
      next = Number(toSeq) + 1;
    }
    assert.equal(next, cursor + 1);

    const forming = (await connection.runAndReadAll(
      `SELECT seq, close FROM candles_latest WHERE symbol = 'F'`,
    )).getRows();
    assert.deepEqual(forming, cursor === 0 ? [] : [[BigInt(cursor), cursor]]);
  } finally {
    connection.closeSync();
  }
  return cursor;
}

Deno.test("openStore() keeps whole batches and their cursors across kill -9 of the writer", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/cache.duckdb`;
  const random = mulberry32(20240611);
  try {
    let durable = 0;
    for (let round = 0; round < 4; round++) {
      const writer = spawnWriter(path, round + 1);
      const ready = await writer.nextLine();
      assert.equal(ready, `ready ${durable}`, "the writer resumes after the stored cursor");
      // Let it commit a few batches, then kill it at a random moment: mid-commit, mid-compact or between.
      for (let i = 0; i < 3; i++) assert.notEqual(await writer.nextLine(), null, "the writer is committing");
      await new Promise((resolve) => setTimeout(resolve, random() * 400));
      writer.child.kill("SIGKILL");
      const lastPrinted = Number(await writer.drain());
      const status = await writer.child.status;
      assert.equal(status.signal, "SIGKILL");

      await using store = await openStore(path);
      const cursor = await assertConsistent(store);
      assert.ok(cursor >= lastPrinted, `a commit that returned (${lastPrinted}) survives the kill (got ${cursor})`);
      durable = cursor;
    }

    // The reopened cache keeps taking batches, from this process too.
    {
      await using store = await openStore(path);
      await store.commit(crashBatch(durable + 1, 5));
    }
    await using store = await openStore(path);
    assert.equal(await assertConsistent(store), durable + 5);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("openStore() refuses a cache that is already open, naming who holds it", async (t) => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/cache.duckdb`;
  const refusedWith = (prefix: string) => (error: unknown): boolean =>
    error instanceof Error && error.message.startsWith(`Cannot open cache ${path}: ${prefix}`);
  try {
    await t.step("by another fluxbook process", async () => {
      const writer = spawnWriter(path, 1);
      try {
        assert.equal(await writer.nextLine(), "ready 0");
        const inUse = refusedWith(`it is in use by another fluxbook process (pid ${writer.child.pid})`);
        await assert.rejects(openStore(path), inUse);
        await assert.rejects(openStore(path, { readOnly: true }), inUse);
      } finally {
        writer.child.kill("SIGKILL");
        await writer.drain();
        await writer.child.status;
      }
    });

    await t.step("by another program using DuckDB", async () => {
      const holder = spawnProcess([HOLDER, path]);
      try {
        assert.equal(await holder.nextLine(), "holding");
        await assert.rejects(
          openStore(path),
          refusedWith(`it is in use by another fluxbook process (pid ${holder.child.pid}, `),
        );
      } finally {
        holder.child.kill("SIGKILL");
        await holder.drain();
        await holder.child.status;
      }
    });

    await t.step("by this process, where DuckDB itself would let a second instance in", async () => {
      await using store = await openStore(path);
      await assert.rejects(openStore(path), refusedWith("this process already has it open"));
      await assert.rejects(openStore(path, { readOnly: true }), refusedWith("this process already has it open"));
      await store.commit({ cursors: [{ source: "demo", topic: "hb", epoch: 1n, lastSeq: 1 }] });
      // The refused opens must have left DuckDB's own lock in place: another program is still kept out.
      const holder = spawnProcess([HOLDER, path], "null");
      assert.equal(await holder.drain(), null);
      assert.notEqual((await holder.child.status).code, 0);
    });

    await t.step("and opens once the holder is gone", async () => {
      await using store = await openStore(path);
      assert.deepEqual(await store.loadCursors(), [{ source: "demo", topic: "hb", epoch: 1n, lastSeq: 1 }]);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
