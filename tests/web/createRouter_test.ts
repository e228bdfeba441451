import assert from "node:assert/strict";
import { join } from "node:path";
import { createRouter, type RouteEntry } from "../../core/web/createRouter.ts";
import { type FsRoutePath, fsRoutePath } from "../../core/web/fsRoutePath.ts";
import { loadFsRoutes } from "../../core/web/loadFsRoutes.ts";

const PAGE = new Set(["GET", "HEAD"]);

function routerOf(files: Record<string, ReadonlySet<string> | "any">) {
  const entries: RouteEntry<string>[] = Object.entries(files).map(([file, methods]) => {
    const meaning = fsRoutePath(file);
    assert.equal(meaning.kind, "route", `${file} should be a route`);
    const route = meaning as Extract<FsRoutePath, { kind: "route" }>;
    return { segments: route.segments, pattern: route.pattern, methods, value: file };
  });
  return createRouter(entries);
}

Deno.test("fsRoutePath() maps files to what they mean", async (t) => {
  const cases: [string, string][] = [
    ["index.tsx", "route /"],
    ["about.tsx", "route /about"],
    ["api/health.ts", "route /api/health"],
    ["blog/index.tsx", "route /blog"],
    ["blog/[slug].tsx", "route /blog/:slug"],
    ["files/[...path].ts", "route /files/:path*"],
    ["(marketing)/pricing.tsx", "route /pricing"],
    ["a:b.tsx", "route /a\\:b"],
    ["_app.tsx", "app"],
    ["_404.tsx", "notFound"],
    ["README.md", "ignored"],
    ["types.d.ts", "ignored"],
    ["index_test.ts", "ignored"],
    ["health.test.ts", "ignored"],
    ["admin/_middleware.ts", "rejected"],
    ["_layout.tsx", "rejected"],
    ["[a]/[a].tsx", "rejected"],
    ["[...rest]/more.tsx", "rejected"],
    ["item-[id].tsx", "rejected"],
    ["[1x].tsx", "rejected"],
  ];
  for (const [file, expected] of cases) {
    await t.step(`${file} → ${expected}`, () => {
      const meaning = fsRoutePath(file);
      assert.equal(meaning.kind === "route" ? `route ${meaning.pattern}` : meaning.kind, expected);
    });
  }
});

Deno.test("createRouter() picks the most specific route, with params, catch-alls, 404 and 405", async (t) => {
  const router = routerOf({
    "index.tsx": PAGE,
    "about.tsx": PAGE,
    "(marketing)/pricing.tsx": PAGE,
    "blog/index.tsx": PAGE,
    "blog/new.tsx": PAGE,
    "blog/[slug].tsx": PAGE,
    "blog/[slug]/comments.tsx": PAGE,
    "files/[...path].ts": "any",
    "[lang]/docs.tsx": PAGE,
    "api/health.ts": new Set(["GET", "HEAD", "POST"]),
  });
  const cases: { method?: string; path: string; expect: string; params?: Record<string, string> }[] = [
    { path: "/", expect: "index.tsx", params: {} },
    { path: "/about", expect: "about.tsx" },
    { path: "/about/", expect: "about.tsx" },
    { path: "/pricing", expect: "(marketing)/pricing.tsx" },
    { path: "/blog", expect: "blog/index.tsx" },
    { path: "/blog/", expect: "blog/index.tsx" },
    { path: "/blog/new", expect: "blog/new.tsx", params: {} },
    { path: "/blog/hello", expect: "blog/[slug].tsx", params: { slug: "hello" } },
    { path: "/blog/hello%20world", expect: "blog/[slug].tsx", params: { slug: "hello world" } },
    { path: "/blog/%E0%A4%A", expect: "blog/[slug].tsx", params: { slug: "%E0%A4%A" } },
    { path: "/blog/hello/comments", expect: "blog/[slug]/comments.tsx", params: { slug: "hello" } },
    { path: "/files", expect: "files/[...path].ts", params: { path: "" } },
    { path: "/files/a/b.txt", expect: "files/[...path].ts", params: { path: "a/b.txt" } },
    { method: "DELETE", path: "/files/a", expect: "files/[...path].ts", params: { path: "a" } },
    { path: "/en/docs", expect: "[lang]/docs.tsx", params: { lang: "en" } },
    { path: "/api/health", expect: "api/health.ts" },
    { method: "HEAD", path: "/api/health", expect: "api/health.ts" },
    { method: "POST", path: "/api/health", expect: "api/health.ts" },
    { method: "post", path: "/api/health", expect: "api/health.ts" },
    { method: "DELETE", path: "/api/health", expect: "405 GET, HEAD, POST" },
    { method: "POST", path: "/blog/hello", expect: "405 GET, HEAD" },
    { path: "/nope", expect: "404" },
    { path: "/blog/hello/comments/extra", expect: "404" },
    { path: "/about//", expect: "404" },
  ];
  for (const c of cases) {
    const method = c.method ?? "GET";
    await t.step(`${method} ${c.path} → ${c.expect}`, () => {
      const match = router.match(method, c.path);
      switch (match.kind) {
        case "matched":
          assert.equal(match.value, c.expect);
          if (c.params) assert.deepEqual(match.params, c.params);
          break;
        case "method_not_allowed":
          assert.equal(`405 ${match.allow.join(", ")}`, c.expect);
          break;
        case "not_found":
          assert.equal("404", c.expect);
          break;
      }
    });
  }
});

Deno.test("createRouter() lets a root catch-all take every path, static routes first", async (t) => {
  const router = routerOf({ "[...rest].tsx": PAGE, "about.tsx": PAGE });
  const cases: [string, string, Record<string, string>][] = [
    ["/", "[...rest].tsx", { rest: "" }],
    ["/about", "about.tsx", {}],
    ["/x/y/z", "[...rest].tsx", { rest: "x/y/z" }],
  ];
  for (const [path, file, params] of cases) {
    await t.step(`${path} → ${file}`, () => {
      const match = router.match("GET", path);
      assert.equal(match.kind, "matched");
      if (match.kind !== "matched") return;
      assert.equal(match.value, file);
      assert.deepEqual(match.params, params);
    });
  }
});

Deno.test("createRouter() refuses two routes that match the same paths", () => {
  assert.throws(
    () => routerOf({ "[a].tsx": PAGE, "[b].tsx": PAGE }),
    { name: "RangeError", message: 'Cannot build the router: routes "/:a" and "/:b" match the same paths' },
  );
  assert.throws(() => routerOf({ "index.tsx": PAGE, "(group)/index.tsx": PAGE }), RangeError);
});

Deno.test("loadFsRoutes() refuses modules that cannot be routes", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "fluxbook-routes-" });
  try {
    const cases: [string, string, RegExp][] = [
      ["nothing.ts", "export const x = 1;\n", /exports neither a handler nor a default component/],
      ["lower.ts", "export const handler = { get() { return new Response(); } };\n", /handler has key "get"/],
      ["_middleware.ts", "export const handler = () => new Response();\n", /only routes\/_app and routes\/_404/],
    ];
    for (const [file, source, message] of cases) {
      await t.step(file, async () => {
        const caseDir = join(dir, file.replace(/\W/g, "_"));
        await Deno.mkdir(caseDir);
        await Deno.writeTextFile(join(caseDir, file), source);
        await assert.rejects(loadFsRoutes(caseDir), message);
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
