import assert from "node:assert/strict";
import { newYorkOffsetMinutes } from "../../core/market/newYorkTime.ts";
import { isInSession, nextSessionBarMs } from "../../core/market/sessionCalendar.ts";

/** New York wall clock from the runtime's time-zone database: an oracle independent of newYorkTime.ts. */
const NY = new Intl.DateTimeFormat("en-US", {
  timeZone: "America/New_York",
  weekday: "short",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
});

function nyClock(ms: number): { weekday: string; minute: number } {
  const parts = Object.fromEntries(NY.formatToParts(ms).map((p) => [p.type, p.value]));
  return { weekday: parts.weekday, minute: Number(parts.hour) * 60 + Number(parts.minute) };
}

Deno.test("newYorkOffsetMinutes() agrees with the time-zone database around every DST change 2000-2030", () => {
  for (let year = 2000; year <= 2030; year++) {
    for (let ms = Date.UTC(year, 0, 1); ms < Date.UTC(year + 1, 0, 1); ms += 3_600_000) {
      const { minute } = nyClock(ms);
      const utcMinute = new Date(ms).getUTCHours() * 60 + new Date(ms).getUTCMinutes();
      const expected = ((minute - utcMinute + 1440 + 720) % 1440) - 720;
      if (newYorkOffsetMinutes(ms) !== expected) {
        assert.fail(`offset at ${new Date(ms).toISOString()}: got ${newYorkOffsetMinutes(ms)}, expected ${expected}`);
      }
    }
  }
});

Deno.test("isInSession() matches the New York clock for every minute of two weeks across the March DST change", async (t) => {
  const start = Date.UTC(2024, 2, 3); // Sunday; DST starts Sunday 2024-03-10
  const end = start + 14 * 86_400_000;
  await t.step("us_equity: Mon-Fri 09:30-16:00", () => {
    for (let ms = start; ms < end; ms += 60_000) {
      const { weekday, minute } = nyClock(ms);
      const expected = !["Sat", "Sun"].includes(weekday) && minute >= 570 && minute < 960;
      if (isInSession("us_equity", ms) !== expected) assert.fail(`us_equity at ${new Date(ms).toISOString()}`);
    }
  });
  await t.step("24x5: Sunday 17:00 to Friday 17:00", () => {
    for (let ms = start; ms < end; ms += 60_000) {
      const { weekday, minute } = nyClock(ms);
      const expected = weekday === "Sat"
        ? false
        : weekday === "Sun"
        ? minute >= 1020
        : weekday === "Fri"
        ? minute < 1020
        : true;
      if (isInSession("24x5", ms) !== expected) assert.fail(`24x5 at ${new Date(ms).toISOString()}`);
    }
  });
  await t.step("24x7: always", () => {
    assert.ok(isInSession("24x7", Date.UTC(2024, 2, 9, 3, 17)));
  });
});

Deno.test("nextSessionBarMs() finds the next open across nights, weekends and DST", async (t) => {
  const cases: [string, "us_equity" | "24x5" | "24x7", number, number][] = [
    ["inside a session: itself", "us_equity", Date.UTC(2024, 2, 4, 15, 0), Date.UTC(2024, 2, 4, 15, 0)],
    ["rounds up to a minute", "us_equity", Date.UTC(2024, 2, 4, 15, 0, 0, 1), Date.UTC(2024, 2, 4, 15, 1)],
    ["before the open (EST)", "us_equity", Date.UTC(2024, 2, 4, 3), Date.UTC(2024, 2, 4, 14, 30)],
    ["after Friday's close to Monday (EDT)", "us_equity", Date.UTC(2024, 2, 8, 21), Date.UTC(2024, 2, 11, 13, 30)],
    ["Saturday", "us_equity", Date.UTC(2024, 10, 2, 12), Date.UTC(2024, 10, 4, 14, 30)],
    ["FX Saturday to Sunday 17:00 (EDT)", "24x5", Date.UTC(2024, 2, 16, 12), Date.UTC(2024, 2, 17, 21)],
    ["FX Friday 17:00 exactly (EST)", "24x5", Date.UTC(2024, 2, 8, 22), Date.UTC(2024, 2, 10, 21)],
    ["crypto: any minute", "24x7", Date.UTC(2024, 2, 9, 3, 17, 30), Date.UTC(2024, 2, 9, 3, 18)],
  ];
  for (const [name, session, from, expected] of cases) {
    await t.step(name, () => {
      const got = nextSessionBarMs(session, from);
      assert.equal(new Date(got).toISOString(), new Date(expected).toISOString());
    });
  }
});
