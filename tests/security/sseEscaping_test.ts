/**
 * SSE event fields are escaped: a value can never add a field or an event to the stream, and a key that could is
 * refused — in formatSseEvent(), in the hub, and at GET /api/stream of the running app.
 */
import assert from "node:assert/strict";
import { createSseHub, formatSseEvent } from "../../core/web/mod.ts";
import { withApp } from "./securityApp.ts";

/** What an EventSource would dispatch from a stream text (the WHATWG parsing rules, enough of them). */
function parseEventStream(text: string): { event: string; data: string; id: string | null }[] {
  const events: { event: string; data: string; id: string | null }[] = [];
  let event = "";
  let data: string[] = [];
  let id: string | null = null;
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line === "") {
      if (data.length > 0) events.push({ event: event || "message", data: data.join("\n"), id });
      event = "";
      data = [];
      continue;
    }
    if (line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
    else if (field === "id") id = value;
  }
  return events;
}

const INJECTIONS = [
  'a\n\nevent: evil\ndata: {"owned":true}\n\n',
  "a\r\nevent: evil\r\n\r\ndata: x",
  "a\revent: evil\r\rdata: x",
  "\n\n\n",
  "data: x\nid: 999",
];

Deno.test("security: SSE fields are escaped", async (t) => {
  await t.step("a multi-line data value stays one event, with the same text", () => {
    for (const value of INJECTIONS) {
      const events = parseEventStream(formatSseEvent({ event: "quote:AAA", id: "1", data: value }));
      assert.equal(events.length, 1, JSON.stringify(value));
      assert.equal(events[0].event, "quote:AAA");
      assert.equal(events[0].id, "1");
      // Line breaks come back as "\n" (the format has no other), the text is otherwise the same.
      assert.equal(events[0].data, value.replace(/\r\n|\r/g, "\n"));
    }
  });

  await t.step("an event name or id with a line break is refused", () => {
    for (const value of INJECTIONS) {
      assert.throws(() => formatSseEvent({ event: value, data: "x" }), RangeError);
      assert.throws(() => formatSseEvent({ id: value, data: "x" }), RangeError);
    }
  });

  await t.step("the hub refuses such keys and sends string values as JSON, on one line", async () => {
    const hub = createSseHub({ logger: { debug() {}, info() {}, warn() {}, error() {} } });
    try {
      for (const key of INJECTIONS) assert.equal(hub.publish(key, 1).kind, "rejected", JSON.stringify(key));
      const response = hub.connect(new Request("http://127.0.0.1/api/stream?keys=quote:AAA"));
      const reader = response.body!.getReader();
      for (const value of INJECTIONS) hub.publish("quote:AAA", { text: value });
      hub.close();
      let text = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
      const events = parseEventStream(text);
      assert.deepEqual(events.map((e) => e.event), INJECTIONS.map(() => "quote:AAA"));
      assert.deepEqual(events.map((e) => JSON.parse(e.data).text), INJECTIONS);
      assert.ok(!/^event: evil/m.test(text), "no line of the stream is an injected field");
    } finally {
      hub.close();
    }
  });

  await t.step("GET /api/stream refuses keys with line breaks", async () => {
    await withApp(async ({ send }) => {
      for (const key of ["status\nevent: evil", "status\r\nevent:evil", "candle:AAA|1m\rdata: x", "quote:AAA%0A"]) {
        const response = await send({ target: `/api/stream?keys=${encodeURIComponent(key)}` });
        assert.equal(response.status, 400, `${JSON.stringify(key)} → ${response.status}`);
        assert.ok(!/^event: evil/m.test(response.body));
      }
    });
  });
});
