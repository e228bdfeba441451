/**
 * `deno task tap`: prints every message of a market-data PUB socket as one JSON line, or decodes one frame file.
 * A thin CLI over core/tap/parseTapArgs.ts and core/tap/messageJson.ts; see `deno task tap --help`.
 *
 * Exit codes: 0 done (--count reached, Ctrl-C, or a valid --file frame), 1 the --file frame was rejected,
 * 2 bad arguments or an unreadable file.
 */
import type * as zmq from "zeromq";
import { decodeFrame } from "../core/wire/decode.ts";
import { type FrameJson, frameJson } from "../core/wire/frameJson.ts";
import { messageJson } from "../core/tap/messageJson.ts";
import { parseTapArgs, TAP_USAGE } from "../core/tap/parseTapArgs.ts";
import { closeSocket, openSubscriberSocket, receivePolling } from "../core/zmq/zmqDeno.ts";

const encoder = new TextEncoder();

/** Runs tap with `args` and returns its exit code; prints to stdout/stderr. */
export async function runTap(args: readonly string[]): Promise<number> {
  const command = parseTapArgs(args);
  switch (command.kind) {
    case "help":
      console.log(TAP_USAGE);
      return 0;
    case "usage_error":
      console.error(`tap: ${command.message}`);
      if (command.showUsage) console.error(`\n${TAP_USAGE}`);
      return 2;
    case "file":
      return await tapFile(command.path);
    case "subscribe":
      return await tapSocket(command);
  }
}

async function tapFile(path: string): Promise<number> {
  let frame: Uint8Array;
  try {
    frame = path === "-"
      ? new Uint8Array(await new Response(Deno.stdin.readable).arrayBuffer())
      : await Deno.readFile(path);
  } catch (error) {
    console.error(
      `tap: cannot read frame file ${JSON.stringify(path)}: ${error instanceof Error ? error.message : error}`,
    );
    return 2;
  }
  const json = frameJson(decodeFrame(frame), { topic: null, bytes: frame.byteLength });
  await writeLine(json);
  return json.kind === "rejected" ? 1 : 0;
}

async function tapSocket(options: { endpoint: string; topics: string[]; count: number | null }): Promise<number> {
  let socket: zmq.Subscriber;
  try {
    // Read by polling: on Deno a pending receive() never wakes after a publisher restart, and closing a socket
    // under one can crash (see core/zmq/zmqDeno.ts). A polled socket reads a restarted publisher as is.
    socket = openSubscriberSocket(options.endpoint, {
      topics: options.topics.length === 0 ? [""] : options.topics,
      receiveHighWaterMark: 10_000,
      reconnectIntervalMs: 100,
      reconnectMaxIntervalMs: 1_000,
    });
  } catch (error) {
    console.error(`tap: ${error instanceof Error ? error.message : error}`);
    return 2;
  }
  const abort = new AbortController();
  const stop = (): void => abort.abort();
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  for (const signal of signals) Deno.addSignalListener(signal, stop);
  let received = 0;
  try {
    for (;;) {
      const result = await receivePolling(socket, { signal: abort.signal });
      if (result.kind !== "message") return 0;
      if (!await writeLine(messageJson(result.parts))) return 0;
      received++;
      if (options.count !== null && received >= options.count) return 0;
    }
  } finally {
    for (const signal of signals) Deno.removeSignalListener(signal, stop);
    closeSocket(socket);
  }
}

/** Writes one JSON line to stdout; false when stdout is gone (e.g. `| head -3` exited), so tap stops quietly. */
async function writeLine(json: FrameJson): Promise<boolean> {
  const bytes = encoder.encode(JSON.stringify(json) + "\n");
  try {
    for (let written = 0; written < bytes.length;) written += await Deno.stdout.write(bytes.subarray(written));
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.BrokenPipe) return false;
    throw error;
  }
}

if (import.meta.main) {
  Deno.exit(await runTap(Deno.args));
}
