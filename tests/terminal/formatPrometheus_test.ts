import assert from "node:assert/strict";
import { formatPrometheus } from "../../core/terminal/formatPrometheus.ts";
import { terminalMetrics } from "../../core/terminal/terminalMetrics.ts";
import { emptyStats } from "../../core/ingest/protocol.ts";

Deno.test("formatPrometheus() writes HELP, TYPE and samples, escaping what the format requires", () => {
  const text = formatPrometheus([
    { name: "x_total", help: "Things\\counted\nover lines.", type: "counter", samples: [{ value: 3 }] },
    {
      name: "y",
      help: "A gauge.",
      type: "gauge",
      samples: [
        { labels: { path: 'C:\\a "b"\nc' }, value: 1.5 },
        { labels: { a: "1", b: "2" }, value: NaN },
        { value: Infinity },
        { value: -Infinity },
      ],
    },
  ]);
  assert.equal(
    text,
    [
      "# HELP x_total Things\\\\counted\\nover lines.",
      "# TYPE x_total counter",
      "x_total 3",
      "# HELP y A gauge.",
      "# TYPE y gauge",
      'y{path="C:\\\\a \\"b\\"\\nc"} 1.5',
      'y{a="1",b="2"} NaN',
      "y +Inf",
      "y -Inf",
      "",
    ].join("\n"),
  );
});

Deno.test("formatPrometheus() refuses bad names and duplicate families", () => {
  assert.throws(() => formatPrometheus([{ name: "1x", help: "", type: "gauge", samples: [] }]), /Bad metric name "1x"/);
  assert.throws(
    () => formatPrometheus([{ name: "x", help: "", type: "gauge", samples: [{ labels: { "a-b": "1" }, value: 1 }] }]),
    /Bad label name "a-b" on metric x/,
  );
  assert.throws(
    () =>
      formatPrometheus([{ name: "x", help: "", type: "gauge", samples: [{ labels: { __name__: "y" }, value: 1 }] }]),
    /Bad label name/,
  );
  const twice = { name: "x", help: "", type: "gauge" as const, samples: [] };
  assert.throws(() => formatPrometheus([twice, twice]), /defined twice/);
});

Deno.test("terminalMetrics(): counters end in _total, units are seconds, rejections by reason", () => {
  const stats = {
    ...emptyStats(),
    frames: 10,
    rejected: { too_short: 2, bad_identifier: 1 },
    lagMsP50: 12,
    lastCommitMs: 1_700_000_000_000,
  };
  const sse = {
    clients: 2,
    eventsSent: 5,
    coalesced: 1,
    droppedClients: 0,
    rejected: 0,
    bufferedBytes: 10,
    maxClientBufferedBytes: 7,
  };
  const text = formatPrometheus(terminalMetrics(stats, { sse, sources: [], cacheOpen: true }));
  assert.match(text, /^fluxbook_frames_total 10$/m);
  assert.match(text, /^fluxbook_rejected_total\{reason="too_short"\} 2$/m);
  assert.match(text, /^fluxbook_rejected_total\{reason="bad_identifier"\} 1$/m);
  assert.match(text, /^fluxbook_ingest_lag_seconds 0\.012$/m);
  assert.match(text, /^fluxbook_last_commit_timestamp_seconds 1700000000$/m);
  assert.match(text, /^fluxbook_sse_clients 2$/m);
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    assert.equal(name.endsWith("_total"), type === "counter", name);
  }
});
