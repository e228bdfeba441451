/** What a numeric field must hold. */
export type NumberRule = "finite" | "positive" | "non_negative" | "seed";

export type NumberFieldResult = { kind: "ok"; value: number } | { kind: "rejected"; reason: string };

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

const EXPECTED: Record<NumberRule, string> = {
  finite: "a number",
  positive: "a positive number",
  non_negative: "a number >= 0",
  seed: "an integer in 0..9007199254740991",
};

/**
 * Reads a decimal number from a CSV field (surrounding spaces allowed). Rejects what `Number()` would let
 * through but no data file means: empty text, hex, `Infinity`, `NaN`.
 */
export function parseNumberField(text: string, rule: NumberRule): NumberFieldResult {
  const t = text.trim();
  const value = DECIMAL.test(t) ? Number(t) : NaN;
  let ok = Number.isFinite(value);
  if (ok) {
    switch (rule) {
      case "finite":
        break;
      case "positive":
        ok = value > 0;
        break;
      case "non_negative":
        ok = value >= 0;
        break;
      case "seed":
        ok = Number.isSafeInteger(value) && value >= 0;
        break;
    }
  }
  return ok ? { kind: "ok", value } : { kind: "rejected", reason: `expected ${EXPECTED[rule]}, got "${text}"` };
}
