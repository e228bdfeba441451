import assert from "node:assert/strict";
import { createFaultInjector, type FaultOptions, GARBAGE_KINDS } from "../../core/publisher/createFaultInjector.ts";
import { garbageFrame } from "../../core/publisher/garbageFrame.ts";
import { startPublisher } from "../../core/publisher/startPublisher.ts";
import type { SendEvent } from "../../core/publisher/types.ts";
import { decodeFrame } from "../../core/wire/decode.ts";
import type { RejectReason } from "../../core/wire/types.ts";
import { connected, envelopeOf, openRequester, recordSubscriber, syntheticStream } from "./harness.ts";

const EPHEMERAL = "tcp://127.0.0.1:*";
const RATES: FaultOptions = { dropRate: 0.1, dupRate: 0.05, reorderRate: 0.08, garbageRate: 0.03, seed: 42 };

Deno.test("createFaultInjector() faults the requested shares of messages", () => {
  const injector = createFaultInjector(RATES);
  const n = 40_000;
  const counts = { drop: 0, duplicate: 0, reorder: 0, garbage: 0 };
  for (let i = 0; i < n; i++) {
    const d = injector.decide();
    if (d.drop) counts.drop++;
    if (d.duplicate) counts.duplicate++;
    if (d.reorder) counts.reorder++;
    if (d.garbage !== null) counts.garbage++;
  }
  const expect = (count: number, rate: number, name: string): void => {
    // Four standard deviations of a binomial: fails by chance about once in 16 000 seeds, never for this one.
    const tolerance = 4 * Math.sqrt(n * rate * (1 - rate));
    assert.ok(
      Math.abs(count - n * rate) <= tolerance,
      `${name}: ${count} of ${n}, expected ${n * rate} ± ${tolerance}`,
    );
  };
  expect(counts.drop, RATES.dropRate, "drops");
  expect(counts.duplicate, RATES.dupRate, "duplicates");
  expect(counts.reorder, RATES.reorderRate, "reorders");
  expect(counts.garbage, RATES.garbageRate, "garbage");
});

Deno.test("createFaultInjector() repeats itself for a seed and cycles through the garbage kinds", async (t) => {
  const run = (seed: number) => {
    const injector = createFaultInjector({ ...RATES, garbageRate: 0.5, seed });
    return Array.from({ length: 500 }, () => injector.decide());
  };
  await t.step("same seed, same decisions", () => assert.deepEqual(run(7), run(7)));
  await t.step("another seed, other decisions", () => assert.notDeepEqual(run(7), run(8)));
  await t.step("garbage kinds come in order", () => {
    const kinds = run(7).map((d) => d.garbage).filter((k) => k !== null);
    assert.deepEqual(kinds.slice(0, 14), [...GARBAGE_KINDS, ...GARBAGE_KINDS]);
  });
  await t.step("all rates 0: inactive, never a fault", () => {
    const injector = createFaultInjector({ dropRate: 0, dupRate: 0, reorderRate: 0, garbageRate: 0, seed: 1 });
    assert.equal(injector.active, false);
    assert.deepEqual(injector.decide(), { drop: false, duplicate: false, reorder: false, garbage: null });
  });
  await t.step("a rate outside 0..1 is refused with its name and value", () => {
    assert.throws(
      () => createFaultInjector({ ...RATES, dupRate: 1.5 }),
      /dupRate must be a number in 0\.\.1, got 1\.5/,
    );
  });
});

Deno.test("garbageFrame() builds frames that decodeFrame() rejects, each for its own reason", () => {
  const sample = {
    envelope: { source: "demo", epoch: 1_732_000_000_000n, seq: 5, symbol: "AAPL", sourceTsNs: 1n },
    interval: "1m",
    candle: { openTimeMs: 1_732_000_020_000, open: 10, high: 12, low: 9, close: 11, volume: 100 },
  };
  const expected: Record<typeof GARBAGE_KINDS[number], RejectReason[]> = {
    random_bytes: ["too_short", "bad_identifier"],
    truncated: ["out_of_bounds"],
    wrong_identifier: ["bad_identifier"],
    future_version: ["unsupported_version"],
    absurd_length: ["out_of_bounds"],
    nan_price: ["invalid_values"],
    high_below_low: ["invalid_values"],
  };
  let seed = 0.123;
  const random = () => (seed = (seed * 9301 + 0.49297) % 1);
  for (const kind of GARBAGE_KINDS) {
    for (let i = 0; i < 20; i++) {
      const result = decodeFrame(garbageFrame(kind, sample, random));
      assert.equal(result.kind, "rejected", kind);
      if (result.kind === "rejected") assert.ok(expected[kind].includes(result.reason), `${kind}: ${result.reason}`);
    }
  }
});

Deno.test("startPublisher() faults: a SUB sees exactly the frames reported, gaps where drops were", async () => {
  const events: SendEvent[] = [];
  const pub = await startPublisher({
    streams: [syntheticStream("AAPL", 400), syntheticStream("MSFT", 400)],
    pubEndpoint: EPHEMERAL,
    reqEndpoint: EPHEMERAL,
    speed: "max",
    batchSize: 5,
    partials: 1,
    trades: true,
    heartbeatMs: 20,
    faults: RATES,
    paused: true,
    noDrop: true,
    onSend: (e) => events.push(e),
  });
  const sub = recordSubscriber(pub.endpoints.pub);
  try {
    await connected(sub);
    const startAt = events.length;
    pub.resume();
    await pub.finished;
    const onWire = () => events.slice(startAt).filter((e) => e.fate !== "dropped" && e.topic !== "hb");
    await sub.waitFor(
      (ms) => ms.filter((m) => m.topic !== "hb").length === onWire().length,
      "every frame that went on the wire",
    );
    const received = sub.messages.filter((m) => m.topic !== "hb");
    assert.deepEqual(received.map((m) => m.frame), onWire().map((e) => e.frame));

    const stats = pub.stats;
    const count = (fate: SendEvent["fate"]) => events.filter((e) => e.fate === fate).length;
    assert.equal(stats.dropped, count("dropped"));
    assert.equal(stats.duplicated, count("duplicate"));
    assert.equal(stats.garbage, count("garbage"));
    assert.equal(stats.reordered, events.filter((e) => e.fate === "sent" && e.reordered).length);
    assert.ok(stats.dropped > 0 && stats.duplicated > 0 && stats.reordered > 0 && stats.garbage > 0);

    // Garbage never decodes; everything else does, and per topic the valid seqs are 1..last minus the drops.
    const wire = onWire();
    received.forEach((m, i) => assert.equal(m.decoded.kind === "rejected", wire[i].fate === "garbage"));
    const dropped = new Set(events.filter((e) => e.fate === "dropped").map((e) => `${e.topic}#${e.seq}`));
    for (const topic of ["candle.AAPL.1m", "trade.MSFT"]) {
      const seqs = new Set(
        received.filter((m) => m.topic === topic && m.decoded.kind === "envelope").map((m) => envelopeOf(m).seq),
      );
      const last = Math.max(
        ...seqs,
        ...[...dropped].filter((k) => k.startsWith(`${topic}#`)).map((k) => Number(k.split("#")[1])),
      );
      for (let seq = 1; seq <= last; seq++) {
        assert.equal(seqs.has(seq), !dropped.has(`${topic}#${seq}`), `${topic} ${seq}`);
      }
    }

    // A dropped message is in the history: backfill by seq fills the gap with the bytes that were never sent.
    const req = openRequester(pub.endpoints.req);
    try {
      const drop = events.findLast((e) => e.fate === "dropped" && e.topic === "candle.AAPL.1m")!;
      const { reply, frames } = await req.backfill({ topic: drop.topic, fromSeq: drop.seq, toSeq: drop.seq });
      assert.equal(reply.status, "ok", reply.message);
      assert.deepEqual(frames, [drop.frame]);
    } finally {
      req.close();
    }
  } finally {
    await sub.close();
    await pub.stop();
  }
});

Deno.test("startPublisher() faults: the proportions hold on a run, and the same seed gives the same pattern", async () => {
  const rates = { dropRate: 0.1, dupRate: 0.1, reorderRate: 0.1, garbageRate: 0.1, seed: 9 };
  const run = async (seed: number) => {
    const events: SendEvent[] = [];
    const pub = await startPublisher({
      streams: [syntheticStream("AAPL", 1500), syntheticStream("QQQ", 1500)],
      pubEndpoint: EPHEMERAL,
      reqEndpoint: EPHEMERAL,
      speed: "max",
      batchSize: 3,
      partials: 0,
      // One heartbeat at the start and none during the run: a heartbeat flushes swaps, and its timing is not seeded.
      heartbeatMs: 600_000,
      faults: { ...rates, seed },
      onSend: (e) => events.push(e),
    });
    await pub.finished;
    const stats = pub.stats;
    await pub.stop();
    return {
      stats,
      pattern: events.filter((e) => e.topic !== "hb").map((e) => `${e.fate} ${e.topic} ${e.seq} ${e.reordered}`),
    };
  };
  const a = await run(9), b = await run(9), c = await run(10);
  assert.deepEqual(a.pattern, b.pattern);
  assert.notDeepEqual(a.pattern, c.pattern);

  const published = 2 * 1500 / 3;
  const near = (count: number, rate: number, base: number, name: string): void => {
    const tolerance = 4 * Math.sqrt(base * rate * (1 - rate));
    assert.ok(Math.abs(count - base * rate) <= tolerance, `${name}: ${count} of ${base}, expected ~${base * rate}`);
  };
  near(a.stats.dropped, rates.dropRate, published, "drops");
  near(a.stats.garbage, rates.garbageRate, published, "garbage");
  // Duplicates and swaps only happen to messages that were not dropped.
  near(a.stats.duplicated, rates.dupRate, published - a.stats.dropped, "duplicates");
  assert.ok(a.stats.reordered > 0 && a.stats.reordered <= (published - a.stats.dropped) * rates.reorderRate * 1.5);
});
