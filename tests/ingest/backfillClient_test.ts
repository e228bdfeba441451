import assert from "node:assert/strict";
import { type BackfillResult, createBackfillClient } from "../../core/ingest/backfillClient.ts";
import { decodeFrame } from "../../core/wire/decode.ts";
import { encodeBackfillReply } from "../../core/wire/encode.ts";
import type { BackfillRequestPayload, Envelope } from "../../core/wire/types.ts";
import { candleFrame, EPHEMERAL, serveReplies, serveSilence, waitFor } from "./fixtures/zmqTestKit.ts";

/** Decodes a request as the publisher sees it. */
function requestOf(parts: Uint8Array[]): Envelope<BackfillRequestPayload> {
  assert.equal(parts.length, 1, "a request is one frame");
  const decoded = decodeFrame(parts[0]);
  assert.equal(decoded.kind, "envelope");
  assert.equal(decoded.envelope.payload.kind, "backfill_request");
  return decoded.envelope as Envelope<BackfillRequestPayload>;
}

/** A publisher's reply: a backfill_reply announcing `count` frames, then `frames` (which may disagree). */
function reply(requestId: bigint, frames: Uint8Array[], count = frames.length): Uint8Array[] {
  const header = { source: "test", epoch: 7n, seq: 0, symbol: "AAPL", sourceTsNs: 0n };
  return [encodeBackfillReply(header, { requestId, status: "ok", message: "", count }), ...frames];
}

/** Answers seq requests with the asked candle frames. */
function candleReplies(request: Uint8Array[]): Uint8Array[] {
  const { payload } = requestOf(request);
  const frames = [];
  for (let seq = payload.fromSeq; seq <= payload.toSeq; seq++) frames.push(candleFrame("AAPL", seq));
  return reply(payload.requestId, frames);
}

function assertKind<K extends BackfillResult["kind"]>(
  result: BackfillResult,
  kind: K,
): asserts result is Extract<BackfillResult, { kind: K }> {
  assert.equal(
    result.kind,
    kind,
    `expected ${kind}, got ${JSON.stringify(result, (_, v) => typeof v === "bigint" ? `${v}n` : v)}`,
  );
}

Deno.test("createBackfillClient() gets a reply with its raw data frames", async () => {
  const server = await serveReplies(EPHEMERAL, candleReplies);
  await using client = createBackfillClient(server.endpoint);
  try {
    const result = await client.request({ topic: "candle.AAPL.1m", fromSeq: 5, toSeq: 7, epoch: 7n });
    assertKind(result, "reply");
    assert.equal(result.requestId, 1n);
    assert.equal(result.status, "ok");
    assert.equal(result.count, 3);
    assert.equal(result.attempts, 1);
    assert.deepEqual(
      result.frames.map((f) => Array.from(f)),
      [5, 6, 7].map((seq) => Array.from(candleFrame("AAPL", seq))),
    );

    const request = requestOf(server.received[0]);
    assert.deepEqual(
      { ...request, sourceTsNs: 0n },
      {
        schemaVersion: 1,
        source: "fluxbook",
        epoch: 7n,
        seq: 0,
        symbol: "AAPL",
        sourceTsNs: 0n,
        payload: {
          kind: "backfill_request",
          requestId: 1n,
          topic: "candle.AAPL.1m",
          fromSeq: 5,
          toSeq: 7,
          fromMs: 0,
          toMs: 0,
        },
      },
    );
  } finally {
    await server.stop();
  }
});

Deno.test("createBackfillClient() serializes concurrent requests, with increasing ids", async () => {
  const server = await serveReplies(EPHEMERAL, candleReplies);
  const client = createBackfillClient(server.endpoint);
  try {
    const results = await Promise.all(
      [1, 2, 3].map((n) => client.request({ topic: "candle.AAPL.1m", fromSeq: n, toSeq: n })),
    );
    assert.deepEqual(results.map((r) => r.kind === "reply" ? [r.requestId, r.count] : r.kind), [[1n, 1], [2n, 1], [
      3n,
      1,
    ]]);
    assert.deepEqual(server.received.map((r) => requestOf(r).payload.requestId), [1n, 2n, 3n]);
    assert.equal(client.pending(), 0);
  } finally {
    await client.close();
    await server.stop();
  }
});

Deno.test("createBackfillClient() retries a hung publisher on fresh sockets, gives up, then works on the same port", async () => {
  const silent = await serveSilence(EPHEMERAL);
  const client = createBackfillClient(silent.endpoint, { timeoutMs: 150, retries: 2 });
  try {
    const result = await client.request({ topic: "candle.AAPL.1m", fromMs: 1_700_000_000_000 });
    assertKind(result, "unavailable");
    assert.equal(result.attempts, 3);
    assert.match(result.message, /3 attempts failed/);
    // A ROUTER prefixes each message with the sender's routing id: three attempts came from three sockets.
    const senders = new Set(silent.received.map((parts) => Array.from(parts[0]).join(",")));
    assert.equal(silent.received.length, 3);
    assert.equal(senders.size, 3);
    // Every attempt resent the same request.
    assert.deepEqual(silent.received.map((parts) => requestOf(parts.slice(2)).payload.requestId), [1n, 1n, 1n]);
  } finally {
    await silent.stop();
  }
  // The publisher comes back on the same port: the next request gets through. A REQ socket still waiting for
  // the lost reply would refuse to send, so this also shows the client let go of the stuck one.
  const server = await serveReplies(silent.endpoint, candleReplies);
  try {
    const result = await client.request({ topic: "candle.AAPL.1m", fromSeq: 1, toSeq: 2 });
    assertKind(result, "reply");
    assert.equal(result.requestId, 2n);
    assert.equal(result.count, 2);
  } finally {
    await client.close();
    await server.stop();
  }
});

Deno.test("createBackfillClient() rejects a reply that does not match its request", async (t) => {
  const cases: { name: string; answer: (requestId: bigint) => Uint8Array[]; message: RegExp }[] = [
    {
      name: "count says 3, two frames follow",
      answer: (id) => reply(id, [candleFrame("AAPL", 1), candleFrame("AAPL", 2)], 3),
      message: /announces 3 data frames but 2 follow/,
    },
    {
      name: "another request's id",
      answer: (id) => reply(id + 100n, []),
      message: /answers request 101/,
    },
    {
      name: "first frame is a data frame",
      answer: () => [candleFrame("AAPL", 1)],
      message: /carries candles, expected backfill_reply/,
    },
    {
      name: "first frame is not an envelope",
      answer: () => [new Uint8Array([1, 2, 3])],
      message: /not an envelope \(too_short/,
    },
  ];
  for (const c of cases) {
    await t.step(c.name, async () => {
      const server = await serveReplies(EPHEMERAL, (request) => c.answer(requestOf(request).payload.requestId));
      const client = createBackfillClient(server.endpoint);
      try {
        const result = await client.request({ topic: "candle.AAPL.1m", fromSeq: 1, toSeq: 2 });
        assertKind(result, "bad_reply");
        assert.match(result.message, c.message);
        // The REQ got its reply, so the same socket carries the next request.
        const next = await client.request({ topic: "candle.AAPL.1m", fromSeq: 1, toSeq: 2 });
        assert.equal(next.kind, "bad_reply");
        assert.equal(server.received.length, 2);
      } finally {
        await client.close();
        await server.stop();
      }
    });
  }
});

Deno.test("createBackfillClient() ends requests on close() and on abort, and rejects malformed ones", async (t) => {
  const silent = await serveSilence(EPHEMERAL);
  try {
    await t.step("close() ends the request in flight and the queued ones", async () => {
      const client = createBackfillClient(silent.endpoint, { timeoutMs: 60_000 });
      const before = silent.received.length;
      const first = client.request({ topic: "tick.AAPL", fromSeq: 1 });
      const second = client.request({ topic: "tick.AAPL", fromSeq: 2 });
      assert.equal(client.pending(), 2);
      await waitFor("the first request at the publisher", () => silent.received.length > before);
      await client.close();
      const results = await Promise.all([first, second]);
      assert.deepEqual(results.map((r) => [r.kind, r.attempts]), [["aborted", 1], ["aborted", 0]]);
      assert.match(results[0].message, /client was closed/);
      assert.equal(client.pending(), 0);
    });

    await t.step("a request's signal ends it, even while it waits its turn", async () => {
      const client = createBackfillClient(silent.endpoint, { timeoutMs: 60_000 });
      const controller = new AbortController();
      const first = client.request({ topic: "tick.AAPL", fromSeq: 1 });
      const queued = client.request({ topic: "tick.AAPL", fromSeq: 2 }, { signal: controller.signal });
      controller.abort(new Error("user left the page"));
      const result = await queued;
      assertKind(result, "aborted");
      assert.equal(result.attempts, 0);
      assert.match(result.message, /user left the page/);
      await client.close();
      assert.equal((await first).kind, "aborted");
    });

    await t.step("malformed requests reject with a RangeError naming the field", async () => {
      const client = createBackfillClient(silent.endpoint);
      await assert.rejects(client.request({ topic: "" }), /topic is ""/);
      await assert.rejects(client.request({ topic: "tick.AAPL", fromSeq: -1 }), RangeError);
      await assert.rejects(client.request({ topic: "tick.AAPL", fromSeq: 5, toSeq: 2 }), /toSeq 2 is below fromSeq 5/);
      await assert.rejects(client.request({ topic: "tick.AAPL", fromSeq: 1.5 }), /fromSeq is 1.5/);
      assert.equal(client.pending(), 0);
      await client.close();
    });
  } finally {
    await silent.stop();
  }
});
