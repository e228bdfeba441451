/**
 * Browser side of serializeProps(): turns the page's props text back into one props object per island.
 * Each `["Signal", …]` slot becomes one `@preact/signals` signal, shared by every island that referenced
 * it on the server. Kept free of server imports: it is bundled for the browser.
 */
import { signal } from "@preact/signals";
import { NAN, NEGATIVE_INFINITY, NEGATIVE_ZERO, POSITIVE_INFINITY, UNDEFINED } from "./serializeProps.ts";

export function deserializeProps(text: string): Record<string, unknown>[] {
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed) || !Array.isArray(parsed[0])) {
    throw new TypeError(`Cannot deserialize island props: expected an array of slots, got ${text.slice(0, 40)}`);
  }
  const slots: unknown[] = parsed;
  const done = new Uint8Array(slots.length);
  const memo: unknown[] = new Array(slots.length);

  function deref(ref: unknown): unknown {
    switch (ref) {
      case UNDEFINED:
        return undefined;
      case NAN:
        return NaN;
      case POSITIVE_INFINITY:
        return Infinity;
      case NEGATIVE_INFINITY:
        return -Infinity;
      case NEGATIVE_ZERO:
        return -0;
    }
    if (typeof ref !== "number" || !Number.isInteger(ref) || ref < 0 || ref >= slots.length) {
      throw new RangeError(`Cannot deserialize island props: reference ${String(ref)} is not a slot index`);
    }
    if (done[ref] === 1) return memo[ref];
    const raw = slots[ref];
    if (raw === null || typeof raw !== "object") return settle(ref, raw);
    if (!Array.isArray(raw)) {
      const out = settle(ref, {}) as Record<string, unknown>;
      for (const key of Object.keys(raw)) {
        Object.defineProperty(out, key, {
          value: deref((raw as Record<string, unknown>)[key]),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    }
    if (typeof raw[0] !== "string") {
      const out = settle(ref, []) as unknown[];
      for (const item of raw) out.push(deref(item));
      return out;
    }
    const tag = raw[0];
    switch (tag) {
      case "Date":
        return settle(ref, new Date(raw[1] === null ? NaN : raw[1]));
      case "BigInt":
        return settle(ref, BigInt(raw[1]));
      case "Uint8Array":
        return settle(ref, fromBase64(raw[1]));
      case "Map": {
        const out = settle(ref, new Map()) as Map<unknown, unknown>;
        for (let i = 1; i + 1 < raw.length; i += 2) out.set(deref(raw[i]), deref(raw[i + 1]));
        return out;
      }
      case "Set": {
        const out = settle(ref, new Set()) as Set<unknown>;
        for (let i = 1; i < raw.length; i++) out.add(deref(raw[i]));
        return out;
      }
      case "Signal": {
        // Memoised before its value is read, so a signal holding a structure that contains itself works.
        const out = settle(ref, signal<unknown>(undefined)) as { value: unknown };
        out.value = deref(raw[1]);
        return out;
      }
      default:
        throw new TypeError(`Cannot deserialize island props: unknown tag "${tag}" in slot ${ref}`);
    }
  }

  function settle(ref: number, value: unknown): unknown {
    memo[ref] = value;
    done[ref] = 1;
    return value;
  }

  return (slots[0] as unknown[]).map((ref) => deref(ref) as Record<string, unknown>);
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
