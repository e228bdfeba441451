import assert from "node:assert/strict";
import { DEFAULT_TAP_ENDPOINT, parseTapArgs, type TapCommand } from "../../core/tap/parseTapArgs.ts";

const ENDPOINT_HINT = "expected tcp://HOST:PORT (e.g. tcp://127.0.0.1:5556)";

const CASES: [args: string[], expected: TapCommand | { usageErrorIncludes: string; showUsage: boolean }][] = [
  [[], { kind: "subscribe", endpoint: DEFAULT_TAP_ENDPOINT, topics: [], count: null }],
  [["--endpoint", "tcp://localhost:6000", "--count", "3"], {
    kind: "subscribe",
    endpoint: "tcp://localhost:6000",
    topics: [],
    count: 3,
  }],
  [["--endpoint=tcp://[::1]:5556", "--count=1"], {
    kind: "subscribe",
    endpoint: "tcp://[::1]:5556",
    topics: [],
    count: 1,
  }],
  [["--topic", "candle.AAPL", "--topic", "hb,tick.MSFT, trade.", "--topic="], {
    kind: "subscribe",
    endpoint: DEFAULT_TAP_ENDPOINT,
    topics: ["candle.AAPL", "hb", "tick.MSFT", "trade."],
    count: null,
  }],
  [["--file", "frame.bin"], { kind: "file", path: "frame.bin" }],
  [["--file", "-"], { kind: "file", path: "-" }],
  [["--count", "2", "--help"], { kind: "help" }],
  [["-h"], { kind: "help" }],
  [["--endpoint", "foo"], { usageErrorIncludes: `invalid endpoint "foo": ${ENDPOINT_HINT}`, showUsage: false }],
  [["--endpoint", "tcp://nohost"], { usageErrorIncludes: `invalid endpoint "tcp://nohost": `, showUsage: false }],
  [["--endpoint", "tcp://127.0.0.1:99999"], { usageErrorIncludes: 'port "99999"', showUsage: false }],
  [["--endpoint", "tcp://127.0.0.1:0"], { usageErrorIncludes: 'port "0"', showUsage: false }],
  [["--endpoint", "tcp://127.0.0.1:http"], { usageErrorIncludes: 'port "http"', showUsage: false }],
  [["--endpoint", "tcp://*:5556"], { usageErrorIncludes: ENDPOINT_HINT, showUsage: false }],
  [["--endpoint", "ipc:///tmp/x"], { usageErrorIncludes: ENDPOINT_HINT, showUsage: false }],
  [["--count", "0"], { usageErrorIncludes: '--count "0"', showUsage: false }],
  [["--count", "3.5"], { usageErrorIncludes: '--count "3.5"', showUsage: false }],
  [["--count"], { usageErrorIncludes: "--count needs a value", showUsage: true }],
  [["--verbose"], { usageErrorIncludes: 'unknown option "--verbose"', showUsage: true }],
  [["candle.AAPL"], { usageErrorIncludes: 'unexpected argument "candle.AAPL"', showUsage: true }],
  [["--file", "x.bin", "--count", "1"], { usageErrorIncludes: "cannot be combined", showUsage: true }],
];

Deno.test("parseTapArgs() reads tap's options and explains bad ones", async (t) => {
  for (const [args, expected] of CASES) {
    await t.step(args.join(" ") || "(no arguments)", () => {
      const command = parseTapArgs(args);
      if ("usageErrorIncludes" in expected) {
        assert.equal(command.kind, "usage_error");
        assert.ok(
          command.message.includes(expected.usageErrorIncludes),
          `${JSON.stringify(command.message)} lacks ${JSON.stringify(expected.usageErrorIncludes)}`,
        );
        assert.equal(command.showUsage, expected.showUsage);
      } else {
        assert.deepEqual(command, expected);
      }
    });
  }
});
