/**
 * `judgeSoak()`: the verdict of scenario 16 from its samples, as values (pure, so tests can feed it made-up series).
 *
 * The run is cut in thirds. The first is warm-up: V8 grows both isolates' young generation and DuckDB its caches
 * until they reach their steady size. "Flat" then means the last third looks like the second:
 * - RSS: the last third's median is at most SOAK_RSS_TOLERANCE above the second third's (the larger of a share and
 *   an absolute slack), and so is the last third's highest sample above the second third's highest: a leak of a few
 *   MiB per minute moves both by more than that in a third of a 10-minute run, while the 60-s checkpoints and the
 *   5-min compaction fall in both thirds.
 * - publish→commit p99 and GET /api/health latency: the last third's median sample at most twice the second
 *   third's plus a slack (timed: reported, never asserted by tests).
 * The first and the last minute are summed up too (RSS, publish→commit p50/p99), for the table's notes.
 */
import type { Check } from "./types.ts";

export interface SoakSample {
  /** Seconds since the publisher started. */
  atS: number;
  rssMb: number;
  /** Median publish-to-receive lag the app reports. */
  lagMs: number;
  /** Store commit p99 over the app's recent commits. */
  commitP99Ms: number;
  /** Publish-to-commit quantiles over the app's recent frames (about the last second); null when not exported. */
  publishToCommitP50Ms: number | null;
  publishToCommitP99Ms: number | null;
  healthMs: number;
}

export interface SoakTolerance {
  /** Largest allowed growth of RSS from the second third to the last, as a share of the second third's. */
  rssShare: number;
  /** …or in MiB, whichever is larger. */
  rssSlackMb: number;
  /** Latency may grow to `factor` × the second third's + `slackMs`. */
  latencyFactor: number;
  latencySlackMs: number;
}

export const SOAK_RSS_TOLERANCE: SoakTolerance = {
  rssShare: 0.05,
  rssSlackMb: 16,
  latencyFactor: 2,
  latencySlackMs: 20,
};

/** A minute of the run, summed up. */
export interface SoakMinute {
  fromS: number;
  toS: number;
  rssMedianMb: number;
  /** Median of the sampled p50s, and the largest sampled p99 (the worst second of the minute); null: not exported. */
  publishToCommitP50Ms: number | null;
  publishToCommitP99Ms: number | null;
}

export interface SoakJudgement {
  /** Empty when the run was too short to judge (see `notes`). */
  checks: Check[];
  notes: string[];
  first: SoakMinute | null;
  last: SoakMinute | null;
}

/** Fewer samples than this in a third and the run is too short to tell warm-up from growth. */
const MIN_SAMPLES_PER_THIRD = 6;

export function judgeSoak(
  samples: readonly SoakSample[],
  tolerance: SoakTolerance = SOAK_RSS_TOLERANCE,
): SoakJudgement {
  const endS = samples.at(-1)?.atS ?? 0;
  const within = (fromS: number, toS: number): SoakSample[] => samples.filter((s) => s.atS > fromS && s.atS <= toS);
  const first = summarizeMinute(within(0, 60), 0, 60);
  const last = endS > 60 ? summarizeMinute(within(endS - 60, endS), endS - 60, endS) : null;
  const notes: string[] = [];
  if (first && last) {
    notes.push(
      `first minute: RSS ${first.rssMedianMb} MiB, publish→commit p50 ${ms(first.publishToCommitP50Ms)} p99 ${
        ms(first.publishToCommitP99Ms)
      }; last minute: RSS ${last.rssMedianMb} MiB, p50 ${ms(last.publishToCommitP50Ms)} p99 ${
        ms(last.publishToCommitP99Ms)
      }`,
    );
  }
  const second = within(endS / 3, (2 * endS) / 3);
  const third = within((2 * endS) / 3, endS);
  if (second.length < MIN_SAMPLES_PER_THIRD || third.length < MIN_SAMPLES_PER_THIRD) {
    notes.push(`too short to judge flatness: ${endS} s of samples, needs ${MIN_SAMPLES_PER_THIRD} in each third`);
    return { checks: [], notes, first, last };
  }
  const span = (part: SoakSample[]): string => `${part[0].atS}–${part.at(-1)!.atS} s`;
  const checks: Check[] = [];
  const rss = [median(second.map((s) => s.rssMb)), median(third.map((s) => s.rssMb))];
  const rssPeak = [Math.max(...second.map((s) => s.rssMb)), Math.max(...third.map((s) => s.rssMb))];
  const slack = (base: number): number => Math.max(base * tolerance.rssShare, tolerance.rssSlackMb);
  checks.push({
    name: "RSS stays flat",
    ok: rss[1] <= rss[0] + slack(rss[0]) && rssPeak[1] <= rssPeak[0] + slack(rssPeak[0]),
    detail: `median ${rss[0]} → ${rss[1]} MiB, highest ${rssPeak[0]} → ${rssPeak[1]} MiB from ${span(second)} to ${
      span(third)
    } (allowed: +${Math.round(slack(rss[0]))} MiB)`,
    timed: false,
  });
  const latency = (name: string, unit: string, pick: (s: SoakSample) => number | null): void => {
    const a = second.map(pick).filter((v): v is number => v !== null);
    const b = third.map(pick).filter((v): v is number => v !== null);
    if (a.length === 0 || b.length === 0) {
      notes.push(`${name}: not exported by the app, not judged`);
      return;
    }
    const [before, after] = [median(a), median(b)];
    const limit = before * tolerance.latencyFactor + tolerance.latencySlackMs;
    checks.push({
      name: `${name} stays flat`,
      ok: after <= limit,
      detail: `median ${unit} ${round(before)} → ${round(after)} ms from ${span(second)} to ${span(third)} (allowed: ${
        round(limit)
      } ms)`,
      timed: true,
    });
  };
  latency("publish→commit latency", "p99", (s) => s.publishToCommitP99Ms);
  latency("lag", "p50", (s) => s.lagMs);
  latency("HTTP latency", "GET /api/health", (s) => s.healthMs);
  return { checks, notes, first, last };
}

function summarizeMinute(part: SoakSample[], fromS: number, toS: number): SoakMinute | null {
  if (part.length === 0) return null;
  const p50s = part.map((s) => s.publishToCommitP50Ms).filter((v): v is number => v !== null);
  const p99s = part.map((s) => s.publishToCommitP99Ms).filter((v): v is number => v !== null);
  return {
    fromS: Math.round(fromS),
    toS: Math.round(toS),
    rssMedianMb: median(part.map((s) => s.rssMb)),
    publishToCommitP50Ms: p50s.length === 0 ? null : median(p50s),
    publishToCommitP99Ms: p99s.length === 0 ? null : Math.max(...p99s),
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

function ms(value: number | null): string {
  return value === null ? "n/a" : `${round(value)} ms`;
}
