/**
 * Security checks of issue 7, each against the real app as a child process (tests/security/securityApp.ts):
 * where it listens, which requests it refuses, how big a body may be, and which files it will touch.
 */
import assert from "node:assert/strict";
import { loadConfig } from "../../core/config.ts";
import { REPO_ROOT } from "../../core/chaos/startPublisherProcess.ts";
import { withApp, writeRoutes } from "./securityApp.ts";

const MiB = 1024 * 1024;

Deno.test("security: the server binds 127.0.0.1 unless told otherwise", async (t) => {
  await t.step("the default host is 127.0.0.1; --host and FLUXBOOK_HOST change it", () => {
    assert.equal(loadConfig([], {}).host, "127.0.0.1");
    assert.equal(loadConfig(["--host", "0.0.0.0"], {}).host, "0.0.0.0");
    assert.equal(loadConfig([], { FLUXBOOK_HOST: "::1" }).host, "::1");
  });
  await t.step("the running app answers on 127.0.0.1 and nowhere else", async () => {
    await withApp(async ({ url }) => {
      const { hostname, port } = new URL(url);
      assert.equal(hostname, "127.0.0.1");
      const loopback = await Deno.connect({ hostname: "127.0.0.1", port: Number(port) });
      loopback.close();
      const others = [
        "127.0.0.2",
        ...Deno.networkInterfaces()
          .filter((i) => i.family === "IPv4" && !i.address.startsWith("127."))
          .map((i) => i.address),
      ];
      for (const address of others) {
        await assert.rejects(
          Deno.connect({ hostname: address, port: Number(port) }),
          Deno.errors.ConnectionRefused,
          `the app must not accept connections on ${address}`,
        );
      }
    });
  });
});

Deno.test("security: write endpoints refuse a foreign Origin and an unexpected Host (DNS rebinding)", async () => {
  const routes = await writeRoutes();
  assert.ok(routes.some((r) => r.path === "/api/query"), "the route scan found the write routes");
  await withApp(async ({ url, send }) => {
    const own = new URL(url).host;
    const port = new URL(url).port;
    const body = JSON.stringify({ sql: "SELECT 1", name: "chaos-probe", symbols: ["AAA"] });
    const forged: { why: string; headers: Record<string, string> }[] = [
      { why: "a foreign Origin", headers: { origin: "http://evil.example" } },
      { why: "Origin null (sandboxed frame, file://)", headers: { origin: "null" } },
      { why: "a foreign Origin on the same host, another port", headers: { origin: "http://127.0.0.1:1" } },
      {
        why: "a rebinding Host with its own Origin",
        headers: { host: `evil.example:${port}`, origin: `http://evil.example:${port}` },
      },
      { why: "a rebinding Host without Origin", headers: { host: `evil.example:${port}` } },
      { why: "a cross-site fetch without Origin", headers: { "sec-fetch-site": "cross-site" } },
    ];
    for (const route of routes) {
      for (const { why, headers } of forged) {
        const response = await send({
          method: route.method,
          target: route.path,
          headers: { "content-type": "application/json", ...headers },
          body,
        });
        assert.equal(response.status, 403, `${route.method} ${route.path} with ${why}: ${response.body.slice(0, 200)}`);
      }
    }
    // Reads through a rebinding name are refused too (they would leak the cache to the attacker's page).
    for (const target of ["/api/health", "/metrics", "/api/stream?keys=status", "/"]) {
      const response = await send({ target, headers: { host: `evil.example:${port}` } });
      assert.equal(response.status, 403, `GET ${target} with a rebinding Host`);
    }
    // The same request from the app's own origin goes through: the refusals above are about Origin and Host.
    const control = await send({
      method: "POST",
      target: "/api/query",
      headers: { "content-type": "application/json", origin: `http://${own}` },
      body: JSON.stringify({ sql: "SELECT 1 AS one" }),
    });
    assert.equal(control.status, 200, control.body);
  });
  const probe = `${REPO_ROOT}/data/notebooks/chaos-probe.md`;
  assert.equal(await Deno.stat(probe).then(() => true, () => false), false, "no forged request wrote a notebook");
});

Deno.test("security: request bodies over the limit get 413", async () => {
  const routes = (await writeRoutes()).filter((r) => r.method === "POST" || r.method === "PUT");
  const chunk = new TextEncoder().encode(`${(64 * 1024).toString(16)}\r\n${"a".repeat(64 * 1024)}\r\n`);
  const streamedBody = new Uint8Array(chunk.byteLength * 32 + 5);
  for (let i = 0; i < 32; i++) streamedBody.set(chunk, i * chunk.byteLength);
  streamedBody.set(new TextEncoder().encode("0\r\n\r\n"), chunk.byteLength * 32);
  const wrong: string[] = [];
  await withApp(async ({ send }) => {
    for (const route of routes) {
      // Declared too big: refused before anything is read.
      const declared = await send({
        method: route.method,
        target: route.path,
        headers: { "content-type": "application/json", "content-length": String(2 * MiB) },
      });
      if (declared.status !== 413) wrong.push(`${route.method} ${route.path} declaring 2 MiB → ${declared.status}`);
      // Streamed without a length (chunked), 2 MiB: the route must stop reading at its limit and refuse.
      const streamed = await send({
        method: route.method,
        target: route.path,
        headers: { "content-type": "application/json", "transfer-encoding": "chunked" },
        body: streamedBody,
      });
      if (streamed.status !== 413) {
        wrong.push(`${route.method} ${route.path} streaming 2 MiB chunked → ${streamed.status} (${route.file})`);
      }
    }
  });
  assert.deepEqual(wrong, [], "every write route refuses a body over its limit");
});

Deno.test("security: no endpoint reads or writes files outside data/", async (t) => {
  const secret = "fluxbook-security-secret";
  const outside = await Deno.makeTempDir({ prefix: "fluxbook-outside-" });
  await Deno.writeTextFile(`${outside}/secret.csv`, `${secret}\n`);
  const exportDir = `${REPO_ROOT}/data/export`;
  await Deno.mkdir(exportDir, { recursive: true });
  const link = `${exportDir}/chaos-security-${Deno.pid}.csv`;
  await Deno.symlink(`${outside}/secret.csv`, link);
  const leaked = (text: string): boolean =>
    text.includes(secret) || text.includes("root:x:0:0") || text.includes('"imports"') ||
    text.includes("import.meta.main");
  try {
    await withApp(async ({ send }) => {
      await t.step("static files, bundles and routes never serve a file outside their folders", async () => {
        const targets = [
          "/../../../../etc/passwd",
          "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
          "/..%2f..%2f..%2fetc%2fpasswd",
          "/..%5c..%5cdeno.json",
          "/%252e%252e/deno.json",
          "//etc/passwd",
          "/static/../deno.json",
          "/_frsh/js/../../deno.json",
          "/_frsh/js/..%2f..%2fdeno.json",
          "/deno.json",
          "/main.ts",
          "/core/config.ts",
          "/.git/config",
          "/data/cache.duckdb",
          `/..%2f..%2f..%2f..%2f${encodeURIComponent(outside.slice(1))}%2fsecret.csv`,
        ];
        for (const target of targets) {
          const response = await send({ target });
          assert.ok(!leaked(response.body), `GET ${target} leaked a file: ${response.body.slice(0, 120)}`);
          assert.ok([400, 404].includes(response.status), `GET ${target} → ${response.status}`);
        }
      });
      await t.step("the export download serves only regular files of data/export", async () => {
        const name = link.split("/").pop()!;
        for (
          const file of [
            name,
            "..%2f..%2fdeno.json",
            "%2e%2e%2f%2e%2e%2fmain.ts",
            `..%2f..%2f..%2f${encodeURIComponent(outside.slice(1))}%2fsecret.csv`,
            "passwd.csv",
          ]
        ) {
          const response = await send({ target: `/api/export/${file}` });
          assert.ok(!leaked(response.body), `/api/export/${file} leaked: ${response.body.slice(0, 120)}`);
          assert.ok([400, 404].includes(response.status), `/api/export/${file} → ${response.status}`);
        }
      });
      await t.step("notebook files cannot be named out of data/notebooks", async () => {
        const names = ["..%2f..%2fdeno", "..%2f..%2f..%2ftmp%2ffluxbook-pwned", "%2e%2e", "a%00b", "..%5c..%5cmain"];
        for (const name of names) {
          const read = await send({ target: `/api/notebooks/files/${name}` });
          assert.ok(!leaked(read.body) && [400, 404].includes(read.status), `GET notebook ${name} → ${read.status}`);
          const write = await send({
            method: "PUT",
            target: `/api/notebooks/files/${name}`,
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ notebook: { cells: [], trailer: "" } }),
          });
          assert.ok([400, 404].includes(write.status), `PUT notebook ${name} → ${write.status}: ${write.body}`);
        }
        for (const name of ["../../../tmp/fluxbook-pwned", "/tmp/fluxbook-pwned", "..\\..\\fluxbook-pwned"]) {
          const created = await send({
            method: "POST",
            target: "/api/notebooks/files",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ name }),
          });
          assert.equal(created.status, 400, `create notebook ${JSON.stringify(name)}: ${created.body}`);
          const form = await send({
            method: "POST",
            target: "/notebook",
            headers: { "content-type": "application/x-www-form-urlencoded" },
            body: `name=${encodeURIComponent(name)}`,
          });
          assert.equal(form.status, 400, `form-create notebook ${JSON.stringify(name)}`);
        }
      });
      await t.step("queries and exports cannot read or write files", async () => {
        for (
          const sql of [
            `SELECT * FROM read_csv('${outside}/secret.csv')`,
            `COPY (SELECT 1) TO '${outside}/written.csv'`,
            `SELECT * FROM read_text('${REPO_ROOT}/deno.json')`,
          ]
        ) {
          const response = await send({
            method: "POST",
            target: "/api/query",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ sql }),
          });
          assert.equal(response.status, 400, `${sql}: ${response.body.slice(0, 200)}`);
          assert.ok(!leaked(response.body), `${sql} leaked the file`);
        }
        const exported = await send({
          method: "POST",
          target: "/api/export",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            cells: [{ name: "../../../evil", sql: `SELECT * FROM read_csv('${outside}/secret.csv')` }],
            target: "../../../evil",
            format: "csv",
          }),
        });
        assert.equal(exported.status, 400, exported.body.slice(0, 200));
      });
    });
    const stray = [
      ...[...Deno.readDirSync(outside)].map((e) => e.name).filter((n) => n !== "secret.csv"),
      ...["/tmp/fluxbook-pwned.md", `${REPO_ROOT}/deno.md`, `${REPO_ROOT}/evil.csv`].filter(existsSync),
    ];
    assert.deepEqual(stray, [], "no file was written outside data/");
  } finally {
    await Deno.remove(link).catch(() => {});
    await Deno.remove(outside, { recursive: true });
  }
});

function existsSync(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}
