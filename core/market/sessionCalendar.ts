import { newYorkLocal, newYorkToUtc } from "./newYorkTime.ts";
import type { SessionKind } from "./types.ts";

const MINUTE_MS = 60_000;
/** 09:30 and 16:00 New York, in minutes of the day. */
export const US_EQUITY_OPEN_MINUTE = 570;
export const US_EQUITY_CLOSE_MINUTE = 960;
/** The FX week opens Sunday 17:00 and closes Friday 17:00 New York. */
const FX_ROLL_MINUTE = 1020;

/** Whether the 1-minute bar opening at `openTimeMs` lies inside the session (see SessionKind). */
export function isInSession(session: SessionKind, openTimeMs: number): boolean {
  switch (session) {
    case "24x7":
      return true;
    case "us_equity": {
      const { weekday, minuteOfDay } = newYorkLocal(openTimeMs);
      return weekday >= 1 && weekday <= 5 && minuteOfDay >= US_EQUITY_OPEN_MINUTE &&
        minuteOfDay < US_EQUITY_CLOSE_MINUTE;
    }
    case "24x5": {
      const { weekday, minuteOfDay } = newYorkLocal(openTimeMs);
      if (weekday >= 1 && weekday <= 4) return true;
      if (weekday === 0) return minuteOfDay >= FX_ROLL_MINUTE;
      if (weekday === 5) return minuteOfDay < FX_ROLL_MINUTE;
      return false;
    }
  }
}

/** The open time of the first 1-minute bar of the session at or after `fromMs` (rounded up to a minute). */
export function nextSessionBarMs(session: SessionKind, fromMs: number): number {
  const t = Math.ceil(fromMs / MINUTE_MS) * MINUTE_MS;
  if (isInSession(session, t)) return t;
  const { dayIndex, weekday, minuteOfDay } = newYorkLocal(t);
  switch (session) {
    case "24x7":
      return t;
    case "us_equity": {
      let day = dayIndex;
      let dow = weekday;
      if (!(dow >= 1 && dow <= 5 && minuteOfDay < US_EQUITY_OPEN_MINUTE)) {
        day++;
        dow = (dow + 1) % 7;
      }
      while (dow === 0 || dow === 6) {
        day++;
        dow = (dow + 1) % 7;
      }
      return newYorkToUtc(day, US_EQUITY_OPEN_MINUTE);
    }
    case "24x5":
      // Out of session means Friday after 17:00, Saturday, or Sunday before 17:00: next is Sunday 17:00.
      return newYorkToUtc(dayIndex + ((7 - weekday) % 7), FX_ROLL_MINUTE);
  }
}
