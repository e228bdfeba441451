/**
 * `deno task tap` as a user runs it: a child process against a real PUB socket on an ephemeral port.
 * PUB/SUB drops whatever is sent before the subscription reaches the publisher (the slow joiner), so the tests
 * keep publishing until the child has exited rather than sending a fixed number of messages.
 */
import assert from "node:assert/strict";
import * as zmq from "zeromq";
import { encodeEnvelope, type Envelope } from "../../core/wire/mod.ts";
import { SAMPLE_HEADER, sampleCandles, sampleEnvelope } from "../wire/sampleEnvelope.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const FIXTURES = new URL("../fixtures/wire/", import.meta.url).pathname;
/** A guard so a broken tap cannot hang the suite; at 10 ms per message that is 60 s. */
const MAX_MESSAGES = 6_000;

type Message = [topic: string, ...frames: Uint8Array[]];

function tapCommand(args: string[], stdin: "null" | "piped" = "null"): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "scripts/tap.ts", ...args],
    cwd: ROOT,
    stdin,
    stdout: "piped",
    stderr: "piped",
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function withPublisher<T>(use: (pub: zmq.Publisher, endpoint: string) => Promise<T>): Promise<T> {
  const pub = new zmq.Publisher();
  try {
    await pub.bind("tcp://127.0.0.1:*");
    return await use(pub, pub.lastEndpoint!);
  } finally {
    pub.close();
  }
}

/** Publishes `messageAt(i)` for i = 0, 1, 2 … every 10 ms until the child exits; returns its output. */
async function publishUntilExit(
  pub: zmq.Publisher,
  child: Deno.ChildProcess,
  messageAt: (i: number) => Message,
): Promise<Deno.CommandOutput> {
  let exited = false;
  const output = child.output().finally(() => exited = true);
  for (let i = 0; !exited; i++) {
    if (i === MAX_MESSAGES) {
      child.kill();
      break;
    }
    await pub.send(messageAt(i));
    await delay(10);
  }
  return await output;
}

/** Reads a child's output in the background; `text()` is what has arrived so far. */
function collect(stream: ReadableStream<Uint8Array>): { text(): string; done: Promise<string> } {
  let text = "";
  const decoder = new TextDecoder();
  const done = (async () => {
    for await (const chunk of stream) text += decoder.decode(chunk, { stream: true });
    return text + decoder.decode();
  })();
  return { text: () => text, done };
}

/** A PUB bound to `endpoint` again, retrying while the old socket still holds the port. */
async function bindWhenFree(endpoint: string): Promise<zmq.Publisher> {
  for (let attempt = 1;; attempt++) {
    const pub = new zmq.Publisher();
    try {
      await pub.bind(endpoint);
      return pub;
    } catch (error) {
      pub.close();
      if (attempt === 100) throw error;
      await delay(20);
    }
  }
}

function lines(output: Deno.CommandOutput): Record<string, unknown>[] {
  const text = new TextDecoder().decode(output.stdout);
  assert.ok(text.endsWith("\n"), `stdout does not end with a newline: ${JSON.stringify(text)}`);
  return text.trimEnd().split("\n").map((line) => JSON.parse(line));
}

function stderrOf(output: Deno.CommandOutput): string {
  return new TextDecoder().decode(output.stderr);
}

function candleMessage(seq: number): Message {
  const envelope: Envelope = {
    ...SAMPLE_HEADER,
    seq,
    payload: { kind: "candles", interval: "1m", candles: sampleCandles(3), lastIsPartial: true },
  };
  return ["candle.AAPL.1m", encodeEnvelope(envelope)];
}

function heartbeatMessage(seq: number): Message {
  return ["hb", encodeEnvelope({ ...sampleEnvelope("heartbeat"), seq })];
}

Deno.test("tap prints one JSON line per message and exits 0 after --count", async () => {
  await withPublisher(async (pub, endpoint) => {
    const child = tapCommand(["--endpoint", endpoint, "--count", "3"]).spawn();
    const output = await publishUntilExit(
      pub,
      child,
      (i) => i % 2 === 0 ? candleMessage(i + 1) : heartbeatMessage(i + 1),
    );
    assert.equal(output.code, 0, stderrOf(output));
    assert.equal(stderrOf(output), "");
    const printed = lines(output);
    assert.equal(printed.length, 3);
    printed.forEach((line, i) => {
      assert.deepEqual(Object.keys(line).slice(0, 2), ["topic", "kind"]);
      assert.equal(line.source, "demo");
      assert.equal(line.epoch, "1700000000000");
      // Consecutive messages: nothing is lost once the subscription is in place.
      if (i > 0) assert.equal(line.seq, (printed[i - 1].seq as number) + 1);
      if (line.kind === "candles") {
        assert.equal(line.topic, "candle.AAPL.1m");
        assert.equal(line.symbol, "AAPL");
        assert.equal(line.interval, "1m");
        assert.equal(line.lastIsPartial, true);
        const records = line.records as Record<string, unknown>[];
        assert.equal(records.length, 3);
        assert.equal(records[0].openTime, new Date(sampleCandles(1)[0].openTimeMs).toISOString());
        assert.equal(records[2].close, sampleCandles(3)[2].close);
      } else {
        assert.equal(line.kind, "heartbeat");
        assert.equal(line.topic, "hb");
        assert.deepEqual(line.cursors, [{ topic: "candle.AAPL.1m", seq: 41 }, { topic: "tick.AAPL", seq: 1234 }]);
      }
    });
  });
});

Deno.test("tap --topic filters by prefix and prints bad frames and bad messages as rejections", async () => {
  const garbage = new TextEncoder().encode("this is not a flatbuffer frame");
  const cycle = (i: number): Message[] => [
    candleMessage(i + 1), // filtered out: no prefix matches
    heartbeatMessage(i + 1),
    ["hb", garbage],
    ["hb", encodeEnvelope(sampleEnvelope("heartbeat")), new Uint8Array([1, 2, 3])],
  ];
  await withPublisher(async (pub, endpoint) => {
    const child = tapCommand(["--endpoint", endpoint, "--topic", "hb,tick.ZZZ", "--count", "3"]).spawn();
    const output = await publishUntilExit(pub, child, (i) => cycle(Math.floor(i / 4))[i % 4]);
    assert.equal(output.code, 0, stderrOf(output));
    const printed = lines(output);
    assert.equal(printed.length, 3);
    for (const line of printed) assert.equal(line.topic, "hb");
    // Three consecutive matching messages of a three-message cycle: one of each, in some rotation.
    const byKind = printed.map((line) => line.kind === "rejected" ? `rejected:${line.reason}` : line.kind).sort();
    assert.deepEqual(byKind, ["heartbeat", "rejected:bad_identifier", "rejected:bad_message"]);
    const badMessage = printed.find((line) => line.reason === "bad_message")!;
    assert.match(badMessage.message as string, /3 part\(s\)/);
    const badFrame = printed.find((line) => line.reason === "bad_identifier")!;
    assert.equal(badFrame.bytes, garbage.length);
    assert.match(badFrame.message as string, /"MKTD"/);
  });
});

Deno.test("tap stops cleanly on Ctrl-C (SIGINT)", async () => {
  await withPublisher(async (pub, endpoint) => {
    const child = tapCommand(["--endpoint", endpoint]).spawn();
    const stdout = collect(child.stdout);
    const stderr = collect(child.stderr);
    for (let i = 0; !stdout.text().includes("\n") && i < MAX_MESSAGES; i++) {
      await pub.send(heartbeatMessage(i + 1));
      await delay(10);
    }
    assert.ok(stdout.text().includes("\n"), "tap printed nothing before the guard ran out");
    child.kill("SIGINT");
    const status = await child.status;
    const [out, err] = await Promise.all([stdout.done, stderr.done]);
    assert.equal(status.code, 0, err);
    assert.equal(err, "");
    for (const line of out.trimEnd().split("\n")) assert.equal(JSON.parse(line).kind, "heartbeat");
  });
});

Deno.test("tap keeps printing after the publisher restarts on the same endpoint", async () => {
  const first = new zmq.Publisher();
  let second: zmq.Publisher | null = null;
  try {
    await first.bind("tcp://127.0.0.1:*");
    const endpoint = first.lastEndpoint!;
    const child = tapCommand(["--endpoint", endpoint, "--count", "20"]).spawn();
    const stdout = collect(child.stdout);
    const stderr = collect(child.stderr);
    for (let i = 0; !stdout.text().includes("\n") && i < MAX_MESSAGES; i++) {
      await first.send(heartbeatMessage(i + 1));
      await delay(10);
    }
    first.close();
    second = await bindWhenFree(endpoint);
    // Seqs from 1000 on mark the restarted publisher's messages.
    let exited = false;
    const status = child.status.finally(() => exited = true);
    for (let i = 0; !exited; i++) {
      if (i === MAX_MESSAGES) {
        child.kill();
        break;
      }
      await second.send(heartbeatMessage(1_000 + i));
      await delay(10);
    }
    const [{ code }, out, err] = await Promise.all([status, stdout.done, stderr.done]);
    assert.equal(code, 0, err);
    const seqs = out.trimEnd().split("\n").map((line) => JSON.parse(line).seq as number);
    assert.equal(seqs.length, 20);
    assert.ok(seqs.some((seq) => seq < 1_000), `no line from the first publisher: ${seqs}`);
    assert.ok(seqs.at(-1)! >= 1_000, `no line from the restarted publisher: ${seqs}`);
  } finally {
    first.close();
    second?.close();
  }
});

Deno.test("tap --file decodes one frame from a file or stdin", async (t) => {
  await t.step("a valid frame: its JSON and exit 0", async () => {
    const output = await tapCommand(["--file", `${FIXTURES}candles.bin`]).output();
    assert.equal(output.code, 0, stderrOf(output));
    const [line, ...rest] = lines(output);
    assert.deepEqual(rest, []);
    assert.equal(line.topic, "candle.AAPL.1m");
    assert.equal(line.kind, "candles");
    assert.equal(line.bytes, (await Deno.stat(`${FIXTURES}candles.bin`)).size);
  });
  await t.step("a garbage frame: the rejection as JSON and exit 1", async () => {
    const output = await tapCommand(["--file", `${FIXTURES}bad_schema_version_2.bin`]).output();
    assert.equal(output.code, 1);
    const [line, ...rest] = lines(output);
    assert.deepEqual(rest, []);
    assert.deepEqual(Object.keys(line), ["kind", "reason", "message", "topic", "bytes"]);
    assert.equal(line.kind, "rejected");
    assert.equal(line.reason, "unsupported_version");
    assert.match(line.message as string, /schema_version is 2/);
    assert.equal(line.topic, null);
    assert.equal(line.bytes, (await Deno.stat(`${FIXTURES}bad_schema_version_2.bin`)).size);
  });
  await t.step("a frame on stdin with --file -", async () => {
    const child = tapCommand(["--file", "-"], "piped").spawn();
    const writer = child.stdin.getWriter();
    await writer.write(encodeEnvelope(sampleEnvelope("trades")));
    await writer.close();
    const output = await child.output();
    assert.equal(output.code, 0, stderrOf(output));
    const [line] = lines(output);
    assert.equal(line.kind, "trades");
    assert.equal(line.topic, "trade.AAPL");
  });
  await t.step("a missing file: one line on stderr and exit 2", async () => {
    const output = await tapCommand(["--file", `${FIXTURES}no-such-frame.bin`]).output();
    assert.equal(output.code, 2);
    assert.match(stderrOf(output), /^tap: cannot read frame file ".*no-such-frame\.bin": /);
    assert.equal(output.stdout.length, 0);
  });
});

Deno.test("tap rejects a malformed endpoint with one clear line and exit 2", async (t) => {
  for (const endpoint of ["foo", "tcp://nohost", "tcp://127.0.0.1:99999"]) {
    await t.step(endpoint, async () => {
      const output = await tapCommand(["--endpoint", endpoint]).output();
      const stderr = stderrOf(output);
      assert.equal(output.code, 2, stderr);
      assert.ok(
        stderr.startsWith(`tap: invalid endpoint ${JSON.stringify(endpoint)}: `),
        `unexpected stderr: ${stderr}`,
      );
      assert.ok(stderr.trimEnd().endsWith("expected tcp://HOST:PORT (e.g. tcp://127.0.0.1:5556)"), stderr);
      assert.equal(stderr.trimEnd().split("\n").length, 1, `more than one line: ${stderr}`);
      assert.doesNotMatch(stderr, /^\s+at /m, "a stack trace was printed");
      assert.equal(output.stdout.length, 0);
    });
  }
});

Deno.test("tap prints its usage and exits 2 on an unknown option", async () => {
  const output = await tapCommand(["--bogus"]).output();
  const stderr = stderrOf(output);
  assert.equal(output.code, 2);
  assert.match(stderr, /^tap: unknown option "--bogus"\n/);
  assert.match(stderr, /Usage: deno task tap/);
  assert.doesNotMatch(stderr, /^\s+at /m);
});
