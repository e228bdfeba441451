import assert from "node:assert/strict";
import { createSseHub, type SseHubOptions } from "../../core/web/createSseHub.ts";
import { formatSseEvent } from "../../core/web/formatSseEvent.ts";
import type { Logger } from "../../core/web/logger.ts";

interface ParsedEvent {
  event: string;
  id?: string;
  data: string;
  comments: string[];
}

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Reads a text/event-stream as EventSource would: blank-line separated blocks, multi-line data joined. */
function eventReader(body: ReadableStream<Uint8Array>) {
  // A plain reader (no pipe), so nothing reads ahead of the test: an unread stream stays unread.
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let done = false;
  async function next(): Promise<ParsedEvent | null> {
    while (true) {
      const end = buffer.indexOf("\n\n");
      if (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const parsed: ParsedEvent = { event: "message", data: "", comments: [] };
        const data: string[] = [];
        for (const line of block.split("\n")) {
          if (line.startsWith(":")) parsed.comments.push(line.slice(1).trim());
          else if (line.startsWith("data: ")) data.push(line.slice(6));
          else if (line.startsWith("event: ")) parsed.event = line.slice(7);
          else if (line.startsWith("id: ")) parsed.id = line.slice(4);
        }
        parsed.data = data.join("\n");
        return parsed;
      }
      if (done) return null;
      const chunk = await reader.read();
      if (chunk.done) done = true;
      else buffer += decoder.decode(chunk.value, { stream: true });
    }
  }
  /** Events (comment-only blocks skipped) until `stop` says so or the stream ends. */
  async function until(stop: (event: ParsedEvent) => boolean): Promise<ParsedEvent[]> {
    const events: ParsedEvent[] = [];
    for (let event = await next(); event !== null; event = await next()) {
      if (event.comments.length > 0 && event.data === "" && event.event === "message") continue;
      events.push(event);
      if (stop(event)) break;
    }
    return events;
  }
  return { next, until, cancel: () => reader.cancel() };
}

function connect(hub: ReturnType<typeof createSseHub>, query: string) {
  const response = hub.connect(new Request(`http://127.0.0.1/stream?${query}`));
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "text/event-stream; charset=utf-8");
  return eventReader(response.body!);
}

Deno.test("formatSseEvent() escapes fields", async (t) => {
  const cases: [string, Parameters<typeof formatSseEvent>[0], string][] = [
    ["one data line", { event: "k", id: "1", data: "x" }, "id: 1\nevent: k\ndata: x\n\n"],
    ["data split on every kind of line break", { data: "a\nb\r\nc\rd" }, "data: a\ndata: b\ndata: c\ndata: d\n\n"],
    ["empty data", { data: "" }, "data: \n\n"],
    ["comment and retry", { comment: "ping", retry: 3000 }, ": ping\nretry: 3000\n\n"],
    ["a data line that looks like a field", { data: "x\nevent: evil" }, "data: x\ndata: event: evil\n\n"],
  ];
  for (const [name, event, expected] of cases) {
    await t.step(name, () => assert.equal(formatSseEvent(event), expected));
  }
  const refused: [string, Parameters<typeof formatSseEvent>[0]][] = [
    ["LF in event", { event: "a\nevent: b", data: "x" }],
    ["CR in event", { event: "a\rb", data: "x" }],
    ["LF in id", { id: "1\ndata: injected", data: "x" }],
    ["NUL in id", { id: "1\0", data: "x" }],
    ["negative retry", { retry: -1 }],
  ];
  for (const [name, event] of refused) {
    await t.step(`refuses ${name}`, () => assert.throws(() => formatSseEvent(event), RangeError));
  }
});

Deno.test("createSseHub() delivers published values to the clients subscribed to their key", async () => {
  const hub = createSseHub({ logger: silent });
  try {
    const apple = connect(hub, "keys=candle:AAPL:1m,trade:AAPL");
    const msft = connect(hub, "key=candle:MSFT:1m");
    assert.equal(hub.stats().clients, 2);
    assert.deepEqual(hub.publish("candle:TSLA:1m", { close: 1 }), { kind: "published", clients: 0 });
    assert.deepEqual(hub.publish("candle:AAPL:1m", { close: 189.5, tsNs: 1700000000000000001n }), {
      kind: "published",
      clients: 1,
    });
    hub.publish("candle:MSFT:1m", { close: 410 });
    hub.publish("trade:AAPL", { price: 189.6, note: "two\nlines" });

    const appleEvents = await apple.until((e) => e.event === "trade:AAPL");
    assert.deepEqual(appleEvents.map((e) => [e.event, JSON.parse(e.data)]), [
      ["candle:AAPL:1m", { close: 189.5, tsNs: "1700000000000000001" }],
      ["trade:AAPL", { price: 189.6, note: "two\nlines" }],
    ]);
    assert.ok(appleEvents.every((e) => /^\d+$/.test(e.id ?? "")));
    const msftEvents = await msft.until(() => true);
    assert.deepEqual(msftEvents.map((e) => [e.event, e.data]), [["candle:MSFT:1m", '{"close":410}']]);
    assert.equal(hub.stats().eventsSent, 3);

    await msft.cancel();
    assert.equal(hub.stats().clients, 1, "a cancelled stream leaves the hub");
  } finally {
    hub.close();
  }
});

Deno.test("createSseHub() refuses bad keys and values", async (t) => {
  const hub = createSseHub({ logger: silent, maxKeysPerClient: 2 });
  try {
    const refusedConnects: [string, string][] = [
      ["no keys", ""],
      ["too many keys", "keys=a,b,c"],
      ["a line break in a key", "key=a%0Aevent:%20x"],
      ["the hub's own event name", "key=lagging"],
    ];
    for (const [name, query] of refusedConnects) {
      await t.step(`connect: ${name} → 400`, async () => {
        const response = hub.connect(new Request(`http://127.0.0.1/stream?${query}`));
        assert.equal(response.status, 400);
        assert.match((await response.json()).error, /^Cannot subscribe/);
      });
    }
    await t.step("publish: a line break in the key, a value that is not JSON", () => {
      const reader = connect(hub, "key=a");
      assert.equal(hub.publish("a\nb", 1).kind, "rejected");
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      assert.equal(hub.publish("a", cyclic).kind, "rejected");
      assert.equal(hub.publish("a", undefined).kind, "rejected");
      assert.equal(hub.stats().rejected, 3);
      void reader.cancel();
    });
  } finally {
    hub.close();
  }
});

Deno.test("createSseHub() coalesces updates for a client that stops reading, then drops it with `lagging`", async () => {
  const options: SseHubOptions = { logger: silent, highWaterMarkBytes: 1024, maxBufferedBytes: 8 * 1024 };
  const hub = createSseHub(options);
  try {
    const keys = ["candle:AAPL:1m", "candle:MSFT:1m", "candle:TSLA:1m", "candle:NVDA:1m"];
    const stuck = connect(hub, `keys=${keys.join(",")}`);
    const reading = connect(hub, `keys=${keys[0]}`);
    const readingEvents = reading.until(() => false);

    // Bounded by the high-water mark, one event past it, and one waiting update per subscribed key.
    const eventBytes = 120;
    const bound = (keyCount: number): number => 1024 + eventBytes + keyCount * eventBytes;
    let maxSeen = 0;
    const lastValue = new Map<string, number>();
    for (let i = 0; i < 5000; i++) {
      const key = keys[i % keys.length];
      hub.publish(key, { i, pad: "x".repeat(60) });
      lastValue.set(key, i);
      maxSeen = Math.max(maxSeen, hub.stats().maxClientBufferedBytes);
      // Let the reading client read now and then, as a real one would.
      if (i % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
    }
    const afterBurst = hub.stats();
    assert.ok(afterBurst.coalesced > 4000, `coalesced ${afterBurst.coalesced}`);
    assert.equal(afterBurst.droppedClients, 0, "a coalescing client holds at most one update per key");
    assert.ok(maxSeen <= bound(keys.length), `a client held ${maxSeen} bytes`);

    // A value too large to hold pushes the stuck client past maxBufferedBytes.
    hub.publish(keys[1], { i: -1, pad: "y".repeat(10_000) });
    const afterDrop = hub.stats();
    assert.equal(afterDrop.droppedClients, 1);
    assert.equal(afterDrop.clients, 1, "the reading client stays");
    assert.ok(afterDrop.bufferedBytes <= bound(1), `still held ${afterDrop.bufferedBytes} bytes`);
    for (let i = 0; i < 100; i++) hub.publish(keys[1], { i, pad: "z".repeat(1000) });
    assert.ok(hub.stats().bufferedBytes <= bound(1), "publishing to the dropped client's keys holds nothing for it");

    // The stuck client finally reads: what was queued, then `lagging`, then the end of the stream.
    const stuckEvents = await stuck.until(() => false);
    const last = stuckEvents.at(-1)!;
    assert.equal(last.event, "lagging");
    assert.equal(JSON.parse(last.data).reason, "buffer_full");
    assert.ok(stuckEvents.length < 40, `the stuck client got ${stuckEvents.length} events, not all 5000`);

    hub.close();
    // The reading client saw the newest value of its key last, so coalescing never reorders a key.
    const seen = (await readingEvents).filter((e) => e.event === keys[0]).map((e) => JSON.parse(e.data).i);
    assert.equal(seen.at(-1), lastValue.get(keys[0]));
    assert.deepEqual(seen, [...seen].sort((a, b) => a - b));
  } finally {
    hub.close();
  }
});

Deno.test("createSseHub() flushes the newest value per key when a slow client catches up", async () => {
  const hub = createSseHub({ logger: silent, highWaterMarkBytes: 256, maxBufferedBytes: 64 * 1024 });
  try {
    const slow = connect(hub, "keys=a,b");
    for (let i = 0; i < 200; i++) hub.publish(i % 2 === 0 ? "a" : "b", { i });
    assert.ok(hub.stats().coalesced > 0);
    hub.publish("a", { i: 1000 });
    hub.publish("b", { i: 1001 });
    const newest = new Map<string, number>();
    const events = await slow.until((e) => {
      newest.set(e.event, JSON.parse(e.data).i);
      return newest.get("a") === 1000 && newest.get("b") === 1001;
    });
    assert.ok(events.length < 200, `${events.length} events delivered for 202 publishes`);
    assert.equal(hub.stats().bufferedBytes <= 256, true);
  } finally {
    hub.close();
  }
});

Deno.test("createSseHub() drops a client that stays behind past stallMs (fake clock)", async () => {
  let nowMs = 0;
  const hub = createSseHub({ logger: silent, highWaterMarkBytes: 128, stallMs: 30_000, nowMs: () => nowMs });
  try {
    const stuck = connect(hub, "keys=k");
    for (let i = 0; i < 10; i++) hub.publish("k", { i });
    assert.equal(hub.stats().droppedClients, 0);
    nowMs = 29_999;
    hub.publish("k", { i: 10 });
    assert.equal(hub.stats().droppedClients, 0);
    nowMs = 30_000;
    hub.publish("k", { i: 11 });
    assert.equal(hub.stats().droppedClients, 1);
    assert.equal(hub.stats().clients, 0);
    const events = await stuck.until(() => false);
    assert.equal(events.at(-1)?.event, "lagging");
    assert.equal(JSON.parse(events.at(-1)!.data).reason, "stalled");
  } finally {
    hub.close();
  }
});

Deno.test("createSseHub() keeps a slow client that keeps reading, coalescing instead (fake clock)", async () => {
  let nowMs = 0;
  const hub = createSseHub({ logger: silent, highWaterMarkBytes: 256, stallMs: 30_000, nowMs: () => nowMs });
  try {
    const slow = connect(hub, "keys=a,b,c");
    await slow.next(); // the ": connected" preamble
    for (let second = 0; second < 120; second++) {
      for (const key of ["a", "b", "c", "a", "b"]) hub.publish(key, { second });
      nowMs += 1000;
      assert.ok((await slow.next()) !== null);
    }
    const stats = hub.stats();
    assert.equal(stats.droppedClients, 0, "two minutes behind, but never stopped reading");
    assert.ok(stats.coalesced > 0);
    assert.equal(stats.clients, 1);
  } finally {
    hub.close();
  }
});

Deno.test("createSseHub() sends `: ping` heartbeats and stops its timer when the last client leaves", async () => {
  const hub = createSseHub({ logger: silent, heartbeatMs: 10 });
  const reader = connect(hub, "keys=k");
  let event = await reader.next();
  while (event !== null && !event.comments.includes("ping")) event = await reader.next();
  assert.ok(event?.comments.includes("ping"));
  await reader.cancel();
  assert.equal(hub.stats().clients, 0);
  // No hub.close(): the op sanitizer fails this test if the interval outlived the last client.
});

Deno.test("createSseHub() streams to several real HTTP clients at once", async () => {
  const hub = createSseHub({ logger: silent });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => hub.connect(req));
  try {
    const url = `http://127.0.0.1:${server.addr.port}/?keys=tick:X`;
    const responses = await Promise.all([fetch(url), fetch(url), fetch(url)]);
    const readers = responses.map((response) => eventReader(response.body!));
    // Wait until all three are registered before publishing.
    await Promise.all(readers.map((reader) => reader.next()));
    for (let i = 0; i < 20; i++) hub.publish("tick:X", { i });
    const results = await Promise.all(readers.map((reader) => reader.until((e) => JSON.parse(e.data).i === 19)));
    for (const events of results) {
      assert.deepEqual(events.map((e) => JSON.parse(e.data).i), Array.from({ length: 20 }, (_, i) => i));
    }
    await Promise.all(readers.map((reader) => reader.cancel()));
    // A closed connection reaches the hub as a cancelled stream; wait for it (bounded), no timing asserted.
    for (let i = 0; i < 200 && hub.stats().clients > 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(hub.stats().clients, 0);
  } finally {
    hub.close();
    await server.shutdown();
  }
});
