import assert from "node:assert/strict";
import { computed, effect, type Signal, signal } from "@preact/signals";
import { h } from "preact";
import { deserializeProps } from "../../core/web/deserializeProps.ts";
import { serializeProps } from "../../core/web/serializeProps.ts";

function roundTrip(...props: Record<string, unknown>[]): Record<string, unknown>[] {
  return deserializeProps(serializeProps(props.map((p, i) => ({ island: `Island${i}`, props: p }))));
}

Deno.test("serializeProps() round-trips values JSON lacks", async (t) => {
  const cases: [string, unknown][] = [
    ["plain JSON", { a: [1, "two", true, null, { b: 2.5 }], c: "" }],
    ["undefined", undefined],
    ["NaN", NaN],
    ["Infinity", Infinity],
    ["-Infinity", -Infinity],
    ["-0", -0],
    ["0", 0],
    ["Date", new Date("2024-01-02T03:04:05.006Z")],
    ["BigInt past 2^53", 2n ** 64n + 1n],
    ["negative BigInt", -12345678901234567890n],
    ["Map with object keys", new Map<unknown, unknown>([[{ k: 1 }, "v"], ["s", new Set([1])]])],
    ["Set", new Set(["x", 1, undefined])],
    ["Uint8Array", new Uint8Array([0, 1, 127, 128, 255])],
    ["empty Uint8Array", new Uint8Array(0)],
    ["array with holes", [1, , 3]],
    ["array starting with a string", ["Date", "not a tag"]],
    ["string like a tag", "Signal"],
    ["nested empty", { a: [], b: {} }],
  ];
  for (const [name, value] of cases) {
    await t.step(name, () => {
      const [props] = roundTrip({ value });
      assert.ok("value" in props);
      if (name === "array with holes") assert.deepEqual(props.value, [1, undefined, 3]);
      else assert.deepEqual(props.value, value);
      if (name === "-0") assert.ok(Object.is(props.value, -0));
      if (name === "0") assert.ok(Object.is(props.value, 0));
    });
  }
  await t.step("invalid Date", () => {
    const [props] = roundTrip({ when: new Date(NaN) });
    assert.ok(props.when instanceof Date);
    assert.ok(Number.isNaN((props.when as Date).getTime()));
  });
});

Deno.test("serializeProps() keeps repeated and circular references", async (t) => {
  await t.step("an object shared by two props and two islands stays one object", () => {
    const shared = { n: 1 };
    const [a, b] = roundTrip({ x: shared, y: shared }, { z: shared });
    assert.equal(a.x, a.y);
    assert.equal(a.x, b.z);
    assert.deepEqual(a.x, { n: 1 });
  });
  await t.step("an object that contains itself", () => {
    const loop: Record<string, unknown> = { name: "loop" };
    loop.self = loop;
    loop.list = [loop];
    const [{ value }] = roundTrip({ value: loop }) as [{ value: Record<string, unknown> }];
    assert.equal(value.self, value);
    assert.equal((value.list as unknown[])[0], value);
  });
  await t.step("a Map and a Set that contain themselves", () => {
    const map = new Map<string, unknown>();
    map.set("me", map);
    const set = new Set<unknown>();
    set.add(set);
    const [props] = roundTrip({ map, set });
    const outMap = props.map as Map<string, unknown>;
    assert.equal(outMap.get("me"), outMap);
    const outSet = props.set as Set<unknown>;
    assert.ok(outSet.has(outSet));
  });
});

Deno.test("serializeProps() turns a signal shared by two islands into one shared signal", async (t) => {
  await t.step("one signal, value kept, writes seen by both", () => {
    const count = signal(7);
    const [left, right] = roundTrip({ count, label: "left" }, { count, label: "right" });
    assert.equal(left.count, right.count);
    const out = left.count as Signal<number>;
    assert.equal(out.value, 7);
    const seen: number[] = [];
    const dispose = effect(() => {
      seen.push((right.count as Signal<number>).value);
    });
    out.value = 8;
    dispose();
    assert.deepEqual(seen, [7, 8]);
  });
  await t.step("a computed arrives as a signal holding its current value", () => {
    const base = signal(2);
    const doubled = computed(() => base.value * 2);
    const [props] = roundTrip({ doubled });
    assert.equal((props.doubled as Signal<number>).value, 4);
  });
  await t.step("a signal holding an object that holds the signal", () => {
    const holder: Record<string, unknown> = {};
    const s = signal<unknown>(holder);
    holder.s = s;
    const [props] = roundTrip({ s });
    const out = props.s as Signal<Record<string, unknown>>;
    assert.equal(out.value.s, out);
  });
});

Deno.test("serializeProps() output cannot break out of a <script> element", () => {
  const nasty = "</script><script>alert(1)</script><!-- \u2028\u2029 & >";
  const text = serializeProps([{ island: "X", props: { nasty, [nasty]: 1 } }]);
  for (const forbidden of ["<", ">", "&", "\u2028", "\u2029"]) {
    assert.ok(!text.includes(forbidden), `output contains ${JSON.stringify(forbidden)}`);
  }
  const html = `<script type="application/json" id="s">${text}</script>`;
  const extracted = /<script type="application\/json" id="s">([^]*?)<\/script>/.exec(html)![1];
  assert.equal(extracted, text);
  const [props] = deserializeProps(extracted);
  assert.equal(props.nasty, nasty);
  assert.equal(props[nasty], 1);
});

Deno.test("serializeProps() keeps a __proto__ key as data", () => {
  const props = JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}');
  const [out] = roundTrip({ value: props });
  const value = out.value as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(value), Object.prototype);
  assert.deepEqual(Object.getOwnPropertyDescriptor(value, "__proto__")?.value, { polluted: true });
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

Deno.test("serializeProps() refuses what cannot cross to the browser, naming the island and prop", async (t) => {
  class Point {
    constructor(readonly x: number) {}
  }
  const cases: [string, Record<string, unknown>, string][] = [
    [
      "a function",
      { onClick: () => {} },
      'Cannot serialize prop "onClick" of island "Counter": functions are not serializable',
    ],
    [
      "a nested function",
      { config: { items: [1, { fn() {} }] } },
      'Cannot serialize prop "config.items[1].fn" of island "Counter": functions are not serializable',
    ],
    [
      "a function in a signal",
      { s: signal(() => 1) },
      'Cannot serialize prop "s.value" of island "Counter": functions are not serializable',
    ],
    [
      "a class instance",
      { point: new Point(1) },
      'Cannot serialize prop "point" of island "Counter": instances of Point are not serializable ' +
      "(only plain objects, arrays, Date, Map, Set, BigInt, Uint8Array and signals are)",
    ],
    ["a symbol", { s: Symbol("x") }, 'Cannot serialize prop "s" of island "Counter": symbols are not serializable'],
    [
      "a JSX element",
      { children: h("b", null, "bold") },
      'Cannot serialize prop "children" of island "Counter": JSX elements are not serializable ' +
      "(pass data, and render the markup inside the island)",
    ],
    [
      "a key that is not an identifier",
      { map: { "a b": () => {} } },
      'Cannot serialize prop "map["a b"]" of island "Counter": functions are not serializable',
    ],
  ];
  for (const [name, props, message] of cases) {
    await t.step(name, () => {
      assert.throws(() => serializeProps([{ island: "Counter", props }]), { name: "TypeError", message });
    });
  }
});

Deno.test("deserializeProps() rejects text that is not a props document", async (t) => {
  const cases: [string, RegExp][] = [
    ["{}", /expected an array of slots/],
    ["[[5]]", /reference 5 is not a slot index/],
    ['[[1],["Nope"]]', /unknown tag "Nope"/],
  ];
  for (const [text, message] of cases) {
    await t.step(text, () => assert.throws(() => deserializeProps(text), message));
  }
});
