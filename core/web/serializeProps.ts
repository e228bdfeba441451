/**
 * Serializes the props of every island on a page into one JSON text, for one
 * `<script type="application/json">`; deserializeProps() (browser) reverses it.
 *
 * Format: a JSON array of slots; slot 0 is an array of references to each island's props object.
 * A slot is a JSON literal (string, boolean, null, finite number), an array of references (a JS array),
 * an object whose values are references (a plain object), or an array starting with a tag name:
 * `["Date", ms | null]`, `["BigInt", "123"]`, `["Map", k, v, …]`, `["Set", …]`, `["Signal", ref]`,
 * `["Uint8Array", base64]`. A reference is a slot index, or one of the constants below for values JSON
 * lacks. Every object gets one slot, so repeated and circular references survive, and a signal passed
 * to two islands becomes one signal in the browser: the two islands share state.
 *
 * The text is safe inside a <script> element: `<`, `>`, `&`, U+2028 and U+2029 are \u-escaped, so a prop
 * containing "</script>" or "<!--" cannot end the element early.
 */

export const UNDEFINED = -1;
export const NAN = -2;
export const POSITIVE_INFINITY = -3;
export const NEGATIVE_INFINITY = -4;
export const NEGATIVE_ZERO = -5;

export interface IslandPropsEntry {
  /** The island's name, for error messages. */
  island: string;
  props: Record<string, unknown>;
}

// Preact signals carry this brand; checking it (not instanceof) also accepts a second copy of the library.
const SIGNAL_BRAND = Symbol.for("preact-signals");
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
// Preact 11 marks vnodes with `constructor: Symbol.for("pv")`, Preact 10 with `constructor: undefined`.
const VNODE_MARKER = Symbol.for("pv");

export function serializeProps(entries: readonly IslandPropsEntry[]): string {
  const slots: unknown[] = [null];
  const slotOf = new Map<unknown, number>();

  function push(value: unknown): number {
    slots.push(value);
    return slots.length - 1;
  }

  function literal(value: string | number | boolean | null | bigint, encoded: unknown): number {
    const known = slotOf.get(value);
    if (known !== undefined) return known;
    const slot = push(encoded);
    slotOf.set(value, slot);
    return slot;
  }

  function ref(value: unknown, path: string, island: string): number {
    const refuse = (why: string): never => {
      throw new TypeError(`Cannot serialize prop "${path}" of island "${island}": ${why}`);
    };
    switch (typeof value) {
      case "undefined":
        return UNDEFINED;
      case "number":
        if (Number.isNaN(value)) return NAN;
        if (value === Infinity) return POSITIVE_INFINITY;
        if (value === -Infinity) return NEGATIVE_INFINITY;
        if (Object.is(value, -0)) return NEGATIVE_ZERO;
        return literal(value, value);
      case "string":
      case "boolean":
        return literal(value, value);
      case "bigint":
        return literal(value, ["BigInt", value.toString()]);
      case "function":
        return refuse("functions are not serializable");
      case "symbol":
        return refuse("symbols are not serializable");
      case "object":
        break;
    }
    if (value === null) return literal(null, null);
    const known = slotOf.get(value);
    if (known !== undefined) return known;
    // Reserve the slot before descending so that a cycle back to this object finds it.
    const slot = push(null);
    slotOf.set(value, slot);
    slots[slot] = encodeObject(value as object, path, island, refuse);
    return slot;
  }

  function encodeObject(value: object, path: string, island: string, refuse: (why: string) => never): unknown {
    if ((value as { brand?: unknown }).brand === SIGNAL_BRAND) {
      // A computed arrives as a plain signal holding its current value; peek() so rendering subscribes nothing.
      return ["Signal", ref((value as { peek(): unknown }).peek(), `${path}.value`, island)];
    }
    if (Array.isArray(value)) {
      const out: number[] = [];
      for (let i = 0; i < value.length; i++) out.push(ref(value[i], `${path}[${i}]`, island));
      return out;
    }
    if (value instanceof Date) {
      const ms = value.getTime();
      return ["Date", Number.isNaN(ms) ? null : ms];
    }
    if (value instanceof Map) {
      const out: unknown[] = ["Map"];
      let i = 0;
      for (const [k, v] of value) {
        out.push(ref(k, `${path}<map key #${i}>`, island), ref(v, `${path}<map value #${i}>`, island));
        i++;
      }
      return out;
    }
    if (value instanceof Set) {
      const out: unknown[] = ["Set"];
      let i = 0;
      for (const item of value) out.push(ref(item, `${path}<set item #${i++}>`, island));
      return out;
    }
    if (value instanceof Uint8Array) return ["Uint8Array", toBase64(value)];
    const proto = Object.getPrototypeOf(value);
    if (proto === Object.prototype || proto === null) {
      if (isVNode(value)) {
        return refuse("JSX elements are not serializable (pass data, and render the markup inside the island)");
      }
      const out: Record<string, number> = {};
      for (const key of Object.keys(value)) {
        const child = IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
        // defineProperty: a key named "__proto__" must stay a key, not replace the prototype.
        Object.defineProperty(out, key, {
          value: ref((value as Record<string, unknown>)[key], child, island),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    }
    const name = (proto?.constructor as { name?: string } | undefined)?.name || "an unknown class";
    return refuse(
      `instances of ${name} are not serializable (only plain objects, arrays, Date, Map, Set, ` +
        `BigInt, Uint8Array and signals are)`,
    );
  }

  const roots: number[] = [];
  for (const { island, props } of entries) {
    const slot = push(null);
    const out: Record<string, number> = {};
    for (const key of Object.keys(props)) {
      Object.defineProperty(out, key, {
        value: ref(props[key], key, island),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    slots[slot] = out;
    roots.push(slot);
  }
  slots[0] = roots;
  return JSON.stringify(slots).replace(/[<>&\u2028\u2029]/g, escapeChar);
}

function isVNode(value: object): boolean {
  if (!Object.hasOwn(value, "constructor") || !("type" in value) || !("props" in value)) return false;
  const marker = (value as { constructor: unknown }).constructor;
  return marker === VNODE_MARKER || marker === undefined;
}

function escapeChar(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  const CHUNK = 0x8000;
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  }
  return btoa(binary);
}
