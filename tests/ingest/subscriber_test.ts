import assert from "node:assert/strict";
import { type ConnState, startSubscriber, type SubscriberOptions } from "../../core/ingest/subscriber.ts";
import { decodeFrame } from "../../core/wire/decode.ts";
import type * as zmq from "zeromq";
import {
  bindPublisher,
  candleFrame,
  heartbeatFrame,
  type Pump,
  sleep,
  startPump,
  waitFor,
} from "./fixtures/zmqTestKit.ts";

interface Received {
  topic: string;
  /** The envelope's seq, or -1 for a frame that does not decode. */
  seq: number;
}

/** Records what a subscriber delivers; `verdict` decides what onMessage returns. */
function recorder(verdict: (received: Received[]) => void | "pause" = () => undefined) {
  const received: Received[] = [];
  const states: ConnState[] = [];
  const callbacks: Pick<SubscriberOptions, "onMessage" | "onState"> = {
    onMessage(topic, frame) {
      const decoded = decodeFrame(frame);
      received.push({ topic, seq: decoded.kind === "envelope" ? decoded.envelope.seq : -1 });
      return verdict(received);
    },
    onState(state) {
      states.push(state);
    },
  };
  return { received, states, callbacks, seqsOf: (topic: string) => received.filter((r) => r.topic === topic) };
}

Deno.test("startSubscriber() delivers [topic, frame] in order, filtered by topic prefix, connecting → live", async () => {
  const pub = await bindPublisher();
  const rec = recorder();
  const bad: number[] = [];
  let throws = 1;
  const sub = startSubscriber(pub.lastEndpoint!, {
    topics: ["candle.AAPL"],
    ...rec.callbacks,
    onMessage(topic, frame, recvTimeMs) {
      if (topic === "candle.AAPL.1m" && throws-- > 0) throw new Error("a caller bug must not end the stream");
      return rec.callbacks.onMessage(topic, frame, recvTimeMs);
    },
    onBadMessage: (message) => bad.push(message.parts.length),
  });
  try {
    assert.equal(sub.state(), "connecting");
    // Heartbeats are subscribed even though the prefixes do not cover them: the watchdog lives on them.
    const warmup = startPump(() => pub.send(["hb", heartbeatFrame(1)]));
    await waitFor("the first heartbeat", () => rec.received.length > 0);
    await warmup.stop();
    assert.equal(sub.state(), "live");

    // seq 0 is swallowed by the throwing callback; seqs 1..60 must then arrive in order.
    for (let seq = 0; seq <= 60; seq++) {
      await pub.send(["candle.AAPL.1m", candleFrame("AAPL", seq)]);
      await pub.send(["candle.MSFT.1m", candleFrame("MSFT", seq)]);
      await pub.send(["tick.AAPL", candleFrame("AAPL", seq)]);
      if (seq === 30) {
        await pub.send(["candle.AAPL.1m", candleFrame("AAPL", 1000), new Uint8Array(1)]);
        await pub.send(["candle.AAPL.5m", new Uint8Array([1, 2, 3])]);
      }
    }
    await waitFor("seq 60 of candle.AAPL.1m", () => rec.received.at(-1)?.seq === 60);

    assert.deepEqual(rec.seqsOf("candle.AAPL.1m").map((r) => r.seq), Array.from({ length: 60 }, (_, i) => i + 1));
    assert.deepEqual(new Set(rec.received.map((r) => r.topic)), new Set(["hb", "candle.AAPL.1m", "candle.AAPL.5m"]));
    // A two-part message that is not an envelope is passed on as-is: decoding and rejecting it is the caller's job.
    assert.deepEqual(rec.seqsOf("candle.AAPL.5m"), [{ topic: "candle.AAPL.5m", seq: -1 }]);
    assert.deepEqual(bad, [3]);
    assert.deepEqual(rec.states, ["connecting", "live"]);
    const stats = sub.stats();
    assert.equal(stats.badMessages, 1);
    assert.equal(stats.callbackErrors, 1);
    assert.equal(stats.socketsOpened, 1);
  } finally {
    await sub.stop();
    pub.close();
  }
  assert.equal(sub.state(), "offline");
});

Deno.test("startSubscriber() receives again after each of 5 publisher restarts on the same port", async () => {
  let pub = await bindPublisher();
  const endpoint = pub.lastEndpoint!;
  const rec = recorder();
  const sub = startSubscriber(endpoint, {
    ...rec.callbacks,
    // Far beyond the test's waits: the socket that saw the publisher go must read the new one by itself.
    heartbeatTimeoutMs: 60_000,
  });
  let round = 0;
  let seq = 1;
  // Publisher #round sends seqs round * 1000 + 1, + 2, …
  const pump = startPump(async () => {
    if (!pub.closed) {
      await pub.send(["candle.AAPL.1m", candleFrame("AAPL", round * 1000 + seq++, { epoch: BigInt(round) })]);
    }
  });
  const heardFrom = (r: number): boolean => rec.received.some((m) => Math.floor(m.seq / 1000) === r);
  try {
    for (round = 0;; round++) {
      await waitFor(`a message from publisher #${round}`, () => heardFrom(round));
      if (round === 5) break;
      // The restart: the publisher goes away while the subscriber waits for its next message, and a new one binds
      // the same port 300 ms later. With a pending receive() instead of polling, nothing arrives after this.
      pub.close();
      await sleep(300);
      seq = 1;
      pub = await bindPublisher(endpoint);
    }
    assert.equal(sub.state(), "live");
    const stats = sub.stats();
    assert.equal(stats.socketsOpened, 1);
    assert.equal(stats.recycles.silence, 0);
    // Within one publisher, seqs arrive in order (the reconnect may lose the first few of each).
    const seqs = rec.received.map((m) => m.seq);
    assert.ok(seqs.every((s, i) => i === 0 || s > seqs[i - 1]), `out of order: ${seqs.join(",")}`);
  } finally {
    await pump.stop();
    await sub.stop();
    pub.close();
  }
});

Deno.test("startSubscriber() marks a silent stream stale, then offline, and is live again when data resumes", async () => {
  const pub = await bindPublisher();
  const rec = recorder();
  const sub = startSubscriber(pub.lastEndpoint!, {
    ...rec.callbacks,
    heartbeatTimeoutMs: 300,
    backoff: { initialMs: 20, maxMs: 100, jitter: 0.2 },
  });
  try {
    let pump = startPump(() => pub.send(["hb", heartbeatFrame(1)]));
    await waitFor("live", () => sub.state() === "live");
    await pump.stop();
    await waitFor("stale", () => sub.state() === "stale");
    assert.equal(sub.stats().recycles.silence, 1);
    await waitFor("offline", () => sub.state() === "offline");
    pump = startPump(() => pub.send(["hb", heartbeatFrame(2)]));
    await waitFor("live again", () => sub.state() === "live");
    await pump.stop();
    assert.deepEqual(rec.states, ["connecting", "live", "stale", "offline", "live"]);
    // Each silence replaced the socket, and a fresh socket reads the publisher that never went away.
    const stats = sub.stats();
    assert.ok(stats.recycles.silence >= 2);
    assert.equal(stats.socketsOpened, stats.recycles.silence + 1);
  } finally {
    await sub.stop();
    pub.close();
  }
});

Deno.test("startSubscriber() is offline while nobody publishes, and live once a publisher binds", async () => {
  const probe = await bindPublisher();
  const endpoint = probe.lastEndpoint!;
  probe.close();
  const rec = recorder();
  const sub = startSubscriber(endpoint, {
    ...rec.callbacks,
    heartbeatTimeoutMs: 200,
    backoff: { initialMs: 20, maxMs: 100, jitter: 0.2 },
  });
  let pub: zmq.Publisher | null = null;
  let pump: Pump | null = null;
  try {
    await waitFor("offline", () => sub.state() === "offline");
    await waitFor("a few fresh sockets", () => sub.stats().socketsOpened >= 3);
    pub = await bindPublisher(endpoint);
    const bound = pub;
    pump = startPump(() => bound.send(["hb", heartbeatFrame(1)]));
    await waitFor("live", () => sub.state() === "live");
    assert.deepEqual(rec.states, ["connecting", "offline", "live"]);
  } finally {
    await pump?.stop();
    await sub.stop();
    pub?.close();
  }
});

Deno.test("startSubscriber() pause/resume", async (t) => {
  await t.step("'pause' from onMessage stops delivery until resume(), which delivers what libzmq queued", async () => {
    const pub = await bindPublisher();
    const rec = recorder((
      received,
    ) => (received.filter((r) => r.topic === "candle.AAPL.1m").length === 5 ? "pause" : undefined));
    const sub = startSubscriber(pub.lastEndpoint!, { ...rec.callbacks, heartbeatTimeoutMs: 200 });
    try {
      const warmup = startPump(() => pub.send(["hb", heartbeatFrame(1)]));
      await waitFor("live", () => sub.state() === "live");
      await warmup.stop();
      for (let seq = 1; seq <= 20; seq++) await pub.send(["candle.AAPL.1m", candleFrame("AAPL", seq)]);
      await waitFor("the pausing message", () => sub.paused());
      // Longer than the watchdog: while paused, silence must not count as a dead stream.
      await sleep(400);
      assert.deepEqual(rec.seqsOf("candle.AAPL.1m").map((r) => r.seq), [1, 2, 3, 4, 5]);
      assert.equal(sub.stats().recycles.silence, 0);
      assert.equal(sub.state(), "live");

      sub.resume();
      await waitFor("seq 20", () => rec.received.at(-1)?.seq === 20);
      assert.deepEqual(rec.seqsOf("candle.AAPL.1m").map((r) => r.seq), Array.from({ length: 20 }, (_, i) => i + 1));
      assert.equal(sub.paused(), false);
    } finally {
      await sub.stop();
      pub.close();
    }
  });

  await t.step("reading a long backlog still lets timers run", async () => {
    const pub = await bindPublisher(undefined, { sendHighWaterMark: 0 });
    const rec = recorder((received) => (received.length === 1 ? "pause" : undefined));
    const sub = startSubscriber(pub.lastEndpoint!, { ...rec.callbacks, highWaterMark: 0 });
    const backlog = 50_000;
    try {
      const warmup = startPump(() => pub.send(["hb", heartbeatFrame(1)]));
      await waitFor("paused by the first message", () => sub.paused());
      await warmup.stop();
      const frame = candleFrame("AAPL", 1);
      for (let i = 0; i < backlog; i++) await pub.send(["candle.AAPL.1m", frame]);
      // Let the whole backlog cross the loopback into the SUB's queue, so that resume() finds it all there.
      await sleep(300);
      let deliveredWhenTimerRan = -1;
      const timer = new Promise<void>((resolve) =>
        setTimeout(() => {
          deliveredWhenTimerRan = rec.seqsOf("candle.AAPL.1m").length;
          resolve();
        }, 0)
      );
      sub.resume();
      await timer;
      await waitFor("the whole backlog", () => rec.seqsOf("candle.AAPL.1m").length === backlog, 30_000);
      // Every queued message resolves receive() at once: without yielding, the timer would only run at the end.
      assert.ok(
        deliveredWhenTimerRan < backlog,
        `the timer ran only after all ${backlog} messages were delivered`,
      );
    } finally {
      await sub.stop();
      pub.close();
    }
  });

  await t.step("beyond the high-water mark libzmq drops, and the caller sees seq gaps", async () => {
    const pub = await bindPublisher(undefined, { sendHighWaterMark: 50 });
    const rec = recorder((received) => (received.length === 1 ? "pause" : undefined));
    const sub = startSubscriber(pub.lastEndpoint!, { ...rec.callbacks, highWaterMark: 50, heartbeatTimeoutMs: 60_000 });
    const sent = 20_000;
    try {
      const warmup = startPump(() => pub.send(["hb", heartbeatFrame(1)]));
      await waitFor("paused by the first message", () => sub.paused());
      await warmup.stop();
      // 20 000 frames of ~4 KB are far more than the two HWMs plus the kernel's socket buffers hold.
      const frames = Array.from({ length: sent }, (_, i) => candleFrame("AAPL", i + 1, { count: 85 }));
      for (const frame of frames) await pub.send(["candle.AAPL.1m", frame]);
      sub.resume();
      await sleep(500);
      const seqs = rec.seqsOf("candle.AAPL.1m").map((r) => r.seq);
      assert.ok(seqs.length > 0, "nothing queued was delivered after resume()");
      assert.ok(seqs.length < sent, `expected drops at the high-water mark, got all ${sent}`);
      assert.ok(seqs.every((s, i) => i === 0 || s > seqs[i - 1]), "delivered out of order");
    } finally {
      await sub.stop();
      pub.close();
    }
  });
});

Deno.test("startSubscriber() stops cleanly while nothing is listening, and on abort", async (t) => {
  // A port that was just free: nobody listens, so the SUB is retrying and its receive() is pending.
  const probe = await bindPublisher();
  const endpoint = probe.lastEndpoint!;
  probe.close();

  await t.step("stop() resolves while the socket is still trying to connect, and again when called twice", async () => {
    const rec = recorder();
    const sub = startSubscriber(endpoint, rec.callbacks);
    await sleep(50);
    await sub.stop();
    await sub.stop();
    assert.equal(sub.state(), "offline");
    assert.equal(rec.received.length, 0);
  });

  await t.step("aborting the signal stops it", async () => {
    const controller = new AbortController();
    const rec = recorder();
    const sub = startSubscriber(endpoint, { ...rec.callbacks, signal: controller.signal });
    await sleep(20);
    controller.abort();
    await waitFor("offline", () => sub.state() === "offline");
    await sub.stop();
    assert.equal(rec.states.at(-1), "offline");
  });

  await t.step("an invalid endpoint or option throws at once", () => {
    const rec = recorder();
    assert.throws(() => startSubscriber("tcp://no-port", rec.callbacks), TypeError);
    assert.throws(() => startSubscriber(endpoint, { ...rec.callbacks, topics: [] }), /topics is empty/);
    assert.throws(() => startSubscriber(endpoint, { ...rec.callbacks, heartbeatTimeoutMs: 0 }), RangeError);
  });
});
