import { newYorkLocal } from "./newYorkTime.ts";
import { US_EQUITY_CLOSE_MINUTE, US_EQUITY_OPEN_MINUTE } from "./sessionCalendar.ts";
import type { SessionKind } from "./types.ts";

const SESSION_MINUTES = US_EQUITY_CLOSE_MINUTE - US_EQUITY_OPEN_MINUTE;
const DAY_MS = 86_400_000;

/**
 * US equities: the U shape of intraday activity (heavy at the open, heaviest into the close, thin at lunch),
 * normalised to a mean of 1 over the 390 minutes of a session.
 */
const US_EQUITY_PROFILE: readonly number[] = (() => {
  const raw = Array.from({ length: SESSION_MINUTES }, (_, m) => {
    const u = m / (SESSION_MINUTES - 1);
    return 0.45 + 1.5 * (2 * u - 1) ** 2 + 2.0 * Math.exp(-m / 8) + 2.5 * Math.exp(-(SESSION_MINUTES - 1 - m) / 6);
  });
  const mean = raw.reduce((a, b) => a + b, 0) / raw.length;
  return raw.map((r) => r / mean);
})();

/**
 * Relative activity (volume, and variance) of the 1-minute bar opening at `openTimeMs`, about 1 on average
 * over a session. Round-the-clock markets peak when London and New York overlap (~15:00 UTC) and are quietest
 * twelve hours later.
 */
export function intradayProfile(session: SessionKind, openTimeMs: number): number {
  switch (session) {
    case "us_equity": {
      const m = newYorkLocal(openTimeMs).minuteOfDay - US_EQUITY_OPEN_MINUTE;
      return m >= 0 && m < SESSION_MINUTES ? US_EQUITY_PROFILE[m] : 1;
    }
    case "24x5":
    case "24x7": {
      const hourUtc = (((openTimeMs % DAY_MS) + DAY_MS) % DAY_MS) / 3_600_000;
      return 1 + 0.45 * Math.cos((2 * Math.PI * (hourUtc - 15)) / 24);
    }
  }
}
