import assert from "node:assert/strict";
import type { Signal } from "@preact/signals";
import { type App, createApp } from "../../core/web/createApp.ts";
import { createSseHub } from "../../core/web/createSseHub.ts";
import { deserializeProps } from "../../core/web/deserializeProps.ts";
import type { Logger } from "../../core/web/logger.ts";

const FIXTURE = new URL("../fixtures/web/", import.meta.url);
const ORIGIN = "http://127.0.0.1:8000";

function capturingLogger(): Logger & { errors: string[] } {
  const errors: string[] = [];
  return {
    errors,
    debug() {},
    info() {},
    warn() {},
    error(message, fields) {
      const error = fields?.error;
      errors.push(`${message} ${error instanceof Error ? error.message : ""}`);
    },
  };
}

async function get(app: App, path: string, init?: RequestInit): Promise<Response> {
  return await app.fetch(new Request(ORIGIN + path, init));
}

function postJson(app: App, path: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  const length = String(new TextEncoder().encode(body).byteLength);
  return get(app, path, {
    method: "POST",
    body,
    headers: { "content-type": "application/json", "content-length": length, ...headers },
  });
}

Deno.test("createApp() serves the fixture app", async (t) => {
  const logger = capturingLogger();
  const hub = createSseHub({ logger });
  await using app = await createApp({
    routesDir: new URL("routes", FIXTURE),
    islandsDir: new URL("islands", FIXTURE),
    staticDir: new URL("static", FIXTURE),
    state: { hub },
    bodyLimitBytes: 64 * 1024,
    logger,
  });

  await t.step("a page with islands: markers, one props script, only its islands' bundles", async () => {
    const response = await get(app, "/");
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "text/html; charset=utf-8");
    const html = await response.text();
    assert.match(html, /^<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"\/><title>fixture<\/title>/);
    assert.match(html, /<!--frsh:island:Counter:0:--><span class="count" data-label="main">3<\/span>/);
    assert.equal(html.match(/<!--frsh:island:/g)?.length, 5, "Counter, 2×SharedCount, Panel, Kinds");
    assert.equal(html.match(/<!--\/frsh:island-->/g)?.length, 5);
    assert.ok(!html.includes("frsh:island:Counter:3"), "the Counter inside Panel is a plain component");
    assert.match(html, /<section class="panel"><h2>panel<\/h2><span class="count" data-label="inner">100/);

    const scripts = [...html.matchAll(/<script type="application\/json" id="__FRSH_STATE">([^<]*)<\/script>/g)];
    assert.equal(scripts.length, 1);
    const props = deserializeProps(scripts[0][1]);
    assert.deepEqual(props[0], { start: 3, label: "main" });
    assert.equal(props[1].count, props[2].count, "both SharedCount islands hold the same signal");
    assert.equal((props[1].count as Signal<number>).value, 5);
    assert.ok(!/<\/script><!--/.test(scripts[0][1]));

    const imports = [...html.matchAll(/import (\w+) from "([^"]+)"/g)].map((m) => [m[1], m[2]]);
    assert.deepEqual(imports.map(([name]) => name), ["Counter", "SharedCount", "Panel", "Kinds"]);
    for (const [name, url] of imports) assert.equal(url, app.bundles.islandUrls.get(name));
    assert.ok(html.includes(`<link rel="modulepreload" href="${app.bundles.bootUrl}">`));
  });

  await t.step("an async page is awaited and its islands are marked", async () => {
    const html = await (await get(app, "/later?start=9")).text();
    assert.match(html, /<!--frsh:island:Counter:0:--><span class="count" data-label="later">9<\/span>/);
    assert.equal(html.match(/import \w+ from/g)?.length, 1, "only the Counter bundle");
  });

  await t.step("a page without islands loads no script", async () => {
    const html = await (await get(app, "/items/42")).text();
    assert.ok(html.includes('<p id="item">Item <!-- -->42</p>') || html.includes('<p id="item">Item 42</p>'), html);
    assert.ok(!html.includes("/_frsh/js/"));
    assert.ok(!html.includes("__FRSH_STATE"));
  });

  await t.step("bundles are served immutable, JavaScript, and free of server code", async () => {
    const urls = [
      app.bundles.bootUrl,
      ...app.bundles.islandUrls.values(),
      ...app.bundles.chunkUrls.get(app.bundles.bootUrl)!,
    ];
    for (const url of urls) {
      assert.match(url, /^\/_frsh\/js\/[A-Za-z]+-[0-9A-Z]{8,}\.js$/);
      const response = await get(app, url);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get("cache-control"), "public, max-age=31536000, immutable");
      assert.equal(response.headers.get("content-type"), "text/javascript; charset=utf-8");
      await response.body?.cancel();
    }
    const all = [...app.bundles.files.values()].map((bytes) => new TextDecoder().decode(bytes)).join("\n");
    for (const serverOnly of ["UNSTABLE_comment", "renderToString", "Deno.", "node:"]) {
      assert.ok(!all.includes(serverOnly), `a browser bundle contains ${serverOnly}`);
    }
    // One copy each of Preact and the signals core, shared by the boot module and every island: a string
    // occurs in all bundles together as often as in the package's own browser build.
    const count = (text: string, needle: string): number => text.split(needle).length - 1;
    const modules = new URL("../../node_modules/", import.meta.url);
    const preact = await Deno.readTextFile(new URL("preact/dist/preact.mjs", modules));
    const signalsCore = await Deno.readTextFile(new URL("@preact/signals-core/dist/signals-core.module.js", modules));
    for (
      const [name, source, needle] of [["preact", preact, "http://www.w3.org/2000/svg"], [
        "@preact/signals-core",
        signalsCore,
        "Cycle detected",
      ]]
    ) {
      assert.ok(count(source, needle) > 0);
      assert.equal(count(all, needle), count(source, needle), `copies of ${name}`);
    }
    const missing = await get(app, "/_frsh/js/nope.js");
    assert.equal(missing.status, 404);
    await missing.body?.cancel();
  });

  await t.step("API handler, [param], catch-all, (group), trailing slash", async () => {
    assert.deepEqual(await (await get(app, "/api/health")).json(), { ok: true });
    assert.match(await (await get(app, "/items/a%20b")).text(), /Item (<!-- -->)?a b/);
    assert.match(await (await get(app, "/items/42/")).text(), /Item (<!-- -->)?42/);
    assert.deepEqual(await (await get(app, "/files/a/b/c.txt")).json(), { path: "a/b/c.txt", method: "GET" });
    assert.deepEqual(await (await postJson(app, "/files/x", "{}")).json(), { path: "x", method: "POST" });
    assert.match(await (await get(app, "/about")).text(), /<p id="about">About<\/p>/);
  });

  await t.step("HEAD is GET without a body", async () => {
    for (const path of ["/", "/api/health", "/hello.txt"]) {
      const response = await get(app, path, { method: "HEAD" });
      assert.equal(response.status, 200, path);
      assert.equal(response.body, null, path);
    }
  });

  await t.step("405 with an Allow header; 404 page for GET, JSON otherwise", async () => {
    const deleted = await get(app, "/api/health", { method: "DELETE" });
    assert.equal(deleted.status, 405);
    assert.equal(deleted.headers.get("allow"), "GET, HEAD, POST");
    await deleted.body?.cancel();
    const posted = await postJson(app, "/items/1", "{}");
    assert.equal(posted.status, 405);
    assert.equal(posted.headers.get("allow"), "GET, HEAD");
    await posted.body?.cancel();
    const missing = await get(app, "/nope");
    assert.equal(missing.status, 404);
    assert.match(await missing.text(), /<h1 id="not-found">Nothing at (<!-- -->)?\/nope<\/h1>/);
    const missingPost = await postJson(app, "/nope", "{}");
    assert.equal(missingPost.status, 404);
    assert.deepEqual(await missingPost.json(), { error: "Not found: /nope" });
  });

  await t.step("POST with JSON: accepted, too large, malformed", async () => {
    const ok = await postJson(app, "/api/health", '{"a":1}');
    assert.deepEqual(await ok.json(), { received: { a: 1 } });
    const sameOrigin = await postJson(app, "/api/health", "[1]", { origin: ORIGIN });
    assert.equal(sameOrigin.status, 200);
    await sameOrigin.body?.cancel();

    const tooLarge = await postJson(app, "/api/health", JSON.stringify({ pad: "x".repeat(2000) }));
    assert.equal(tooLarge.status, 413);
    assert.match(
      (await tooLarge.json()).error,
      /^Cannot read JSON body: Content-Length 2\d{3} exceeds the limit of 1024/,
    );
    const overAppLimit = await postJson(app, "/api/health", JSON.stringify({ pad: "x".repeat(70_000) }));
    assert.equal(overAppLimit.status, 413);
    assert.match((await overAppLimit.json()).error, /exceeds the limit of 65536 bytes/);
    // No Content-Length: the limit counts the streamed bytes.
    const chunk = new TextEncoder().encode('{"pad":"' + "x".repeat(600));
    const streamed = await get(app, "/api/health", {
      method: "POST",
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(chunk);
          controller.enqueue(chunk);
          controller.close();
        },
      }),
    });
    assert.equal(streamed.status, 413);
    assert.match((await streamed.json()).error, /more than 1024 bytes received/);
    // A route that reads its body without readJsonBody is held to the app's limit all the same.
    const streamOf = (bytes: number) =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          for (let sent = 0; sent < bytes; sent += 8192) {
            controller.enqueue(new Uint8Array(Math.min(8192, bytes - sent)));
          }
          controller.close();
        },
      });
    const endless = await get(app, "/api/echo", { method: "POST", body: streamOf(200_000) });
    assert.equal(endless.status, 413);
    assert.match((await endless.json()).error, /exceeds the limit of 65536 bytes \(more was streamed/);
    const small = await get(app, "/api/echo", { method: "POST", body: streamOf(20_000) });
    assert.deepEqual(await small.json(), { bytes: 20_000 });
    assert.deepEqual(logger.errors, [], "a refused body is no server error");

    const bad = await postJson(app, "/api/health", "{not json");
    assert.equal(bad.status, 400);
    assert.match((await bad.json()).error, /^Cannot parse JSON body/);
    const empty = await postJson(app, "/api/health", "");
    assert.equal(empty.status, 400);
    await empty.body?.cancel();
  });

  await t.step("foreign Origin or Host → 403", async () => {
    const cases: [string, string, RequestInit][] = [
      ["POST from another site", ORIGIN, { method: "POST", body: "{}", headers: { origin: "http://evil.example" } }],
      ["POST from another port", ORIGIN, { method: "POST", body: "{}", headers: { origin: "http://127.0.0.1:9999" } }],
      ["POST with Origin null", ORIGIN, { method: "POST", body: "{}", headers: { origin: "null" } }],
      ["POST cross-site without Origin", ORIGIN, {
        method: "POST",
        body: "{}",
        headers: { "sec-fetch-site": "cross-site" },
      }],
      ["GET through a rebinding DNS name", "http://evil.example:8000", {}],
      ["GET with a foreign Host header", ORIGIN, { headers: { host: "attacker.example" } }],
    ];
    for (const [name, origin, init] of cases) {
      const response = await app.fetch(new Request(origin + "/api/health", init));
      assert.equal(response.status, 403, name);
      assert.match((await response.json()).error, /^Forbidden: /, name);
    }
    const localhost = await app.fetch(
      new Request("http://localhost:1234/api/health", {
        method: "POST",
        body: "{}",
        headers: { origin: "http://localhost:1234" },
      }),
    );
    assert.equal(localhost.status, 200, "localhost on any port is allowed");
    await localhost.body?.cancel();
    const ipv6 = await app.fetch(new Request("http://[::1]:8000/api/health"));
    assert.equal(ipv6.status, 200);
    await ipv6.body?.cancel();
  });

  await t.step("uncaught errors → 500 without details, logged", async () => {
    const before = logger.errors.length;
    const broken = await get(app, "/broken");
    assert.equal(broken.status, 500);
    const text = await broken.text();
    assert.equal(text, '{"error":"Internal Server Error"}');
    assert.equal(logger.errors.length, before + 1);
    assert.match(logger.errors.at(-1)!, /Unhandled error in GET \/broken secret connection string/);

    const badProps = await get(app, "/bad-props");
    assert.equal(badProps.status, 500);
    await badProps.body?.cancel();
    assert.match(
      logger.errors.at(-1)!,
      /Cannot serialize prop "onClick" of island "Counter": functions are not serializable/,
    );
  });

  await t.step("static files, never outside static/", async () => {
    const file = await get(app, "/hello.txt");
    assert.equal(file.status, 200);
    assert.equal(file.headers.get("content-type"), "text/plain; charset=utf-8");
    assert.equal(await file.text(), "hello static\n");
    const etag = file.headers.get("etag")!;
    const cached = await get(app, "/hello.txt", { headers: { "if-none-match": etag } });
    assert.equal(cached.status, 304);
    for (
      const path of [
        "/..%2fdeno.json",
        "/..%2f..%2fdeno.json",
        "/%2e%2e%2fdeno.json",
        "/a%5c..%5c..%5cdeno.json",
        "/x%00",
      ]
    ) {
      const response = await get(app, path);
      assert.equal(response.status, 400, path);
      assert.match((await response.json()).error, /^Bad path/, path);
    }
    for (const path of ["/../deno.json", "/%2e%2e/deno.json", "/static/hello.txt"]) {
      // The URL parser already resolves these dot segments: they name files inside static/ (absent) or routes.
      const response = await get(app, path);
      assert.equal(response.status, 404, path);
      await response.body?.cancel();
    }
  });

  await t.step("an SSE route reaches the hub through ctx.state", async () => {
    const response = await get(app, "/stream?keys=candle:AAPL:1m");
    assert.equal(response.headers.get("content-type"), "text/event-stream; charset=utf-8");
    hub.publish("candle:AAPL:1m", { close: 1 });
    const reader = response.body!.getReader();
    let text = "";
    while (!text.includes("data: ")) text += new TextDecoder().decode((await reader.read()).value);
    assert.match(text, /event: candle:AAPL:1m\ndata: \{"close":1\}\n\n/);
    await reader.cancel();
    assert.equal(hub.stats().clients, 0);
  });

  hub.close();
});
