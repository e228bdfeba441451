import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { loadDemoStreams } from "../../core/publisher/loadDemoStreams.ts";
import { parsePublishArgs, type PublishConfig } from "../../core/publisher/parsePublishArgs.ts";
import { startPublisher } from "../../core/publisher/startPublisher.ts";
import { connected, envelopeOf, recordSubscriber } from "./harness.ts";

const FIXTURE_DATA = fileURLToPath(new URL("./fixtures/data", import.meta.url));
const SCRIPT = fileURLToPath(new URL("../../scripts/publish.ts", import.meta.url));

Deno.test("parsePublishArgs() reads the flags, with the defaults the help shows", async (t) => {
  await t.step("defaults", () => {
    const command = parsePublishArgs([]);
    assert.equal(command.kind, "run");
    const config = (command as { config: PublishConfig }).config;
    assert.equal(config.pubEndpoint, "tcp://127.0.0.1:5556");
    assert.equal(config.reqEndpoint, "tcp://127.0.0.1:5557");
    assert.equal(config.speed, 60);
    assert.equal(config.rate, undefined);
    assert.equal(config.symbols, "sample");
    assert.equal(config.loop, false);
    assert.deepEqual(config.faults, { dropRate: 0, dupRate: 0, reorderRate: 0, garbageRate: 0, seed: 1 });
  });
  await t.step("every flag", () => {
    const command = parsePublishArgs([
      "--pub=tcp://127.0.0.1:0",
      "--req",
      "tcp://127.0.0.1:*",
      "--symbols",
      "AAPL, MSFT",
      "--speed",
      "max",
      "--rate",
      "500",
      "--batch",
      "50",
      "--loop",
      "--partials",
      "0",
      "--ticks",
      "--trades",
      "--drop-rate",
      "0.1",
      "--dup-rate",
      "0.2",
      "--reorder-rate",
      "0.3",
      "--garbage-rate",
      "0.4",
      "--seed",
      "9",
      "--lossless",
      "--source",
      "flux",
    ]);
    assert.equal(command.kind, "run");
    const config = (command as { config: PublishConfig }).config;
    assert.equal(config.pubEndpoint, "tcp://127.0.0.1:0");
    assert.equal(config.reqEndpoint, "tcp://127.0.0.1:*");
    assert.deepEqual(config.symbols, ["AAPL", "MSFT"]);
    assert.equal(config.speed, "max");
    assert.equal(config.rate, 500);
    assert.equal(config.batchSize, 50);
    assert.equal(config.loop, true);
    assert.equal(config.partials, 0);
    assert.equal(config.ticks && config.trades && config.noDrop, true);
    assert.deepEqual(config.faults, { dropRate: 0.1, dupRate: 0.2, reorderRate: 0.3, garbageRate: 0.4, seed: 9 });
    assert.equal(config.source, "flux");
  });
  const errors: [string[], RegExp][] = [
    [["--speed", "fast"], /--speed must be a number > 0 or "max", got "fast"/],
    [["--drop-rate", "2"], /--drop-rate must be a number >= 0 and <= 1, got "2"/],
    [["--batch", "0"], /--batch must be an integer >= 1, got "0"/],
    [["--pub", "localhost:5556"], /--pub: invalid endpoint "localhost:5556"/],
    [["--bogus"], /unknown flag --bogus/],
    [["extra"], /unexpected argument "extra"/],
  ];
  for (const [args, message] of errors) {
    await t.step(args.join(" "), () => {
      const command = parsePublishArgs(args);
      assert.equal(command.kind, "usage_error");
      assert.match((command as { message: string }).message, message);
    });
  }
  await t.step("--help", () => assert.deepEqual(parsePublishArgs(["--help"]), { kind: "help" }));
});

Deno.test("loadDemoStreams() reads file rows, generates generator rows, and reports skipped rows", async (t) => {
  await t.step("the sample: file rows only; a bad row and a missing file become warnings", async () => {
    const { streams, warnings } = await loadDemoStreams({ dataDir: FIXTURE_DATA });
    assert.deepEqual(streams.map((s) => [s.symbol, s.interval, s.candles.length]), [["TEST", "1m", 30]]);
    assert.equal(warnings.length, 2);
    assert.match(warnings.join("\n"), /MISSING_1m\.csv" does not exist/);
    assert.match(warnings.join("\n"), /TEST_1m\.csv:32: column high/);
  });
  await t.step("all, with a day of generated bars", async () => {
    const { streams } = await loadDemoStreams({ dataDir: FIXTURE_DATA, symbols: "all", generateDays: 1 });
    assert.deepEqual(streams.map((s) => s.symbol), ["TEST", "GEN"]);
    // One us_equity session of 1-minute bars.
    assert.equal(streams[1].candles.length, 390);
  });
  await t.step("an unknown symbol is an error that names it", async () => {
    await assert.rejects(loadDemoStreams({ dataDir: FIXTURE_DATA, symbols: ["NOPE"] }), /Cannot publish NOPE/);
  });
});

Deno.test("deno task publish: publishes until SIGTERM, then exits 0", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", SCRIPT, "--data", FIXTURE_DATA, "--pub", "tcp://127.0.0.1:0", "--req", "tcp://127.0.0.1:0"]
      .concat(["--speed", "600", "--loop", "--backlog", "0", "--heartbeat", "20", "--status", "0"]),
    stdout: "null",
    stderr: "piped",
  }).spawn();
  // Read by hand: leaving a for-await loop would cancel the pipe, and the child's next log line would fail.
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let stderr = "";
  let endpoint: string | undefined;
  while (endpoint === undefined) {
    const { value, done } = await reader.read();
    if (done) break;
    stderr += value;
    endpoint = /on PUB (tcp:\/\/\S+),/.exec(stderr)?.[1];
  }
  try {
    assert.ok(endpoint, `no "publishing" line in: ${stderr}`);
    const sub = recordSubscriber(endpoint);
    try {
      await connected(sub);
      await sub.waitFor((ms) => ms.some((m) => m.topic === "candle.TEST.1m"), "a candle message");
      assert.equal(envelopeOf(sub.messages.find((m) => m.topic === "candle.TEST.1m")!).symbol, "TEST");
    } finally {
      await sub.close();
    }
  } finally {
    child.kill("SIGTERM");
    for (let r = await reader.read(); !r.done; r = await reader.read()) stderr += r.value;
  }
  const status = await child.status;
  assert.equal(status.code, 0, stderr);
  assert.match(stderr, /TEST_1m\.csv:32: column high/);
  assert.match(stderr, /INFO +publish +stopping/);
});

Deno.test("deno task publish: a taken port is one clear line and exit code 2", async () => {
  const running = await startPublisher({
    streams: [],
    pubEndpoint: "tcp://127.0.0.1:0",
    reqEndpoint: "tcp://127.0.0.1:0",
  });
  try {
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", SCRIPT, "--data", FIXTURE_DATA, "--pub", running.endpoints.pub, "--req", "tcp://127.0.0.1:0"],
      stdout: "null",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 2);
    assert.equal(
      stderr.split("\n").filter((line) => line.startsWith("publish: ")).join("\n"),
      `publish: cannot bind PUB ${running.endpoints.pub}: address in use ` +
        "(is another publisher running? use --pub to choose another port)",
    );
  } finally {
    await running.stop();
  }
});
