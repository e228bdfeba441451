import assert from "node:assert/strict";
import {
  createSequencer,
  type OpenGap,
  type SequenceDecision,
  type Sequencer,
  type SequencerOptions,
} from "../../core/ingest/sequencer.ts";

const SOURCE = "flux";
const TOPIC = "candle.AAPL.1m";
const E1 = 1_700_000_000_000n;
const E2 = 1_700_000_999_000n;

interface Frame {
  seq: number;
  epoch?: bigint;
  topic?: string;
  expect: SequenceDecision;
}

interface Case {
  name: string;
  options?: SequencerOptions;
  frames: Frame[];
  /** Open gaps of TOPIC at the end, as [fromSeq, toSeq]. */
  gaps: [number, number][];
  cursor: { epoch: bigint; lastSeq: number };
}

const accept: SequenceDecision = { kind: "accept" };
const duplicate: SequenceDecision = { kind: "duplicate" };

const cases: Case[] = [
  {
    name: "contiguous frames are accepted",
    frames: [{ seq: 1, expect: accept }, { seq: 2, expect: accept }, { seq: 3, expect: accept }],
    gaps: [],
    cursor: { epoch: E1, lastSeq: 3 },
  },
  {
    name: "the first frame without a cursor is accepted without a gap (late join)",
    frames: [{ seq: 57, expect: accept }, { seq: 58, expect: accept }],
    gaps: [],
    cursor: { epoch: E1, lastSeq: 58 },
  },
  {
    name: "a jump opens a gap",
    frames: [{ seq: 1, expect: accept }, { seq: 5, expect: { kind: "gap", fromSeq: 2, toSeq: 4 } }],
    gaps: [[2, 4]],
    cursor: { epoch: E1, lastSeq: 5 },
  },
  {
    name: "reorder: s+1 then s is a gap closed by a fill",
    frames: [
      { seq: 1, expect: accept },
      { seq: 2, expect: accept },
      { seq: 4, expect: { kind: "gap", fromSeq: 3, toSeq: 3 } },
      { seq: 3, expect: { kind: "fill", closed: true } },
      { seq: 5, expect: accept },
    ],
    gaps: [],
    cursor: { epoch: E1, lastSeq: 5 },
  },
  {
    name: "a fill at the bottom of a gap shrinks it",
    frames: [
      { seq: 1, expect: accept },
      { seq: 5, expect: { kind: "gap", fromSeq: 2, toSeq: 4 } },
      { seq: 2, expect: { kind: "fill", closed: false } },
    ],
    gaps: [[3, 4]],
    cursor: { epoch: E1, lastSeq: 5 },
  },
  {
    name: "a fill at the top of a gap shrinks it",
    frames: [
      { seq: 1, expect: accept },
      { seq: 5, expect: { kind: "gap", fromSeq: 2, toSeq: 4 } },
      { seq: 4, expect: { kind: "fill", closed: false } },
    ],
    gaps: [[2, 3]],
    cursor: { epoch: E1, lastSeq: 5 },
  },
  {
    name: "a fill inside a gap splits it",
    frames: [
      { seq: 1, expect: accept },
      { seq: 6, expect: { kind: "gap", fromSeq: 2, toSeq: 5 } },
      { seq: 3, expect: { kind: "fill", closed: false } },
    ],
    gaps: [[2, 2], [4, 5]],
    cursor: { epoch: E1, lastSeq: 6 },
  },
  {
    name: "each fill tells whether the range it fell in is now empty",
    frames: [
      { seq: 1, expect: accept },
      { seq: 5, expect: { kind: "gap", fromSeq: 2, toSeq: 4 } },
      { seq: 3, expect: { kind: "fill", closed: false } },
      { seq: 4, expect: { kind: "fill", closed: true } },
      { seq: 2, expect: { kind: "fill", closed: true } },
      { seq: 2, expect: duplicate },
    ],
    gaps: [],
    cursor: { epoch: E1, lastSeq: 5 },
  },
  {
    name: "a seq seen before is a duplicate",
    frames: [
      { seq: 1, expect: accept },
      { seq: 2, expect: accept },
      { seq: 2, expect: duplicate },
      { seq: 1, expect: duplicate },
    ],
    gaps: [],
    cursor: { epoch: E1, lastSeq: 2 },
  },
  {
    name: "a seq far below the last one in the same epoch is a regression; near it, a duplicate",
    frames: [
      { seq: 5000, expect: accept },
      { seq: 4000, expect: duplicate },
      { seq: 3999, expect: { kind: "regression", lastSeq: 5000 } },
      { seq: 1, expect: { kind: "regression", lastSeq: 5000 } },
      { seq: 5001, expect: accept },
    ],
    gaps: [],
    cursor: { epoch: E1, lastSeq: 5001 },
  },
  {
    name: "regressionWindow is configurable",
    options: { regressionWindow: 2 },
    frames: [{ seq: 10, expect: accept }, { seq: 8, expect: duplicate }, {
      seq: 7,
      expect: { kind: "regression", lastSeq: 10 },
    }],
    gaps: [],
    cursor: { epoch: E1, lastSeq: 10 },
  },
  {
    name: "a new epoch starting at 1 resets the cursor without a gap",
    frames: [
      { seq: 1, expect: accept },
      { seq: 2, expect: accept },
      { seq: 3, expect: accept },
      { seq: 1, epoch: E2, expect: { kind: "new_epoch", previous: { epoch: E1, lastSeq: 3, gaps: [] }, gap: null } },
      { seq: 2, epoch: E2, expect: accept },
    ],
    gaps: [],
    cursor: { epoch: E2, lastSeq: 2 },
  },
  {
    name: "a new epoch starting above 1 opens the gap 1..seq-1 in the new epoch",
    frames: [
      { seq: 1, expect: accept },
      { seq: 2, expect: accept },
      {
        seq: 4,
        epoch: E2,
        expect: { kind: "new_epoch", previous: { epoch: E1, lastSeq: 2, gaps: [] }, gap: { fromSeq: 1, toSeq: 3 } },
      },
      { seq: 2, epoch: E2, expect: { kind: "fill", closed: false } },
    ],
    gaps: [[1, 1], [3, 3]],
    cursor: { epoch: E2, lastSeq: 4 },
  },
  {
    name: "a new epoch hands over the old epoch's open gaps and drops them",
    frames: [
      { seq: 1, expect: accept },
      { seq: 4, expect: { kind: "gap", fromSeq: 2, toSeq: 3 } },
      {
        seq: 1,
        epoch: E2,
        expect: { kind: "new_epoch", previous: { epoch: E1, lastSeq: 4, gaps: [{ fromSeq: 2, toSeq: 3 }] }, gap: null },
      },
    ],
    gaps: [],
    cursor: { epoch: E2, lastSeq: 1 },
  },
  {
    name: "after a new epoch the old one is stale, on every topic of the source",
    frames: [
      { seq: 1, expect: accept },
      { seq: 1, epoch: E2, expect: { kind: "new_epoch", previous: { epoch: E1, lastSeq: 1, gaps: [] }, gap: null } },
      { seq: 2, epoch: E1, expect: { kind: "stale_epoch", currentEpoch: E2 } },
      { seq: 1, epoch: E1, topic: "tick.MSFT", expect: { kind: "stale_epoch", currentEpoch: E2 } },
    ],
    gaps: [],
    cursor: { epoch: E2, lastSeq: 1 },
  },
  {
    name: "epochs are ordered by first sighting, not by value",
    frames: [
      { seq: 1, epoch: E2, expect: accept },
      { seq: 1, epoch: E1, expect: { kind: "new_epoch", previous: { epoch: E2, lastSeq: 1, gaps: [] }, gap: null } },
      { seq: 2, epoch: E2, expect: { kind: "stale_epoch", currentEpoch: E1 } },
    ],
    gaps: [],
    cursor: { epoch: E1, lastSeq: 1 },
  },
  {
    name: "a topic still in the old epoch moves to the new one when its first frame of it comes",
    frames: [
      { seq: 1, expect: accept },
      { seq: 7, topic: "tick.MSFT", expect: accept },
      {
        seq: 1,
        epoch: E2,
        topic: "tick.MSFT",
        expect: { kind: "new_epoch", previous: { epoch: E1, lastSeq: 7, gaps: [] }, gap: null },
      },
      // The source is in E2 now: late E1 frames of any topic are stale.
      { seq: 2, expect: { kind: "stale_epoch", currentEpoch: E2 } },
      { seq: 1, epoch: E2, expect: { kind: "new_epoch", previous: { epoch: E1, lastSeq: 1, gaps: [] }, gap: null } },
    ],
    gaps: [],
    cursor: { epoch: E2, lastSeq: 1 },
  },
  {
    name: "a seq that is not a whole number >= 1 is rejected and changes nothing",
    frames: [
      { seq: 1, expect: accept },
      {
        seq: 0,
        expect: {
          kind: "rejected",
          reason: "bad_seq",
          message: `Cannot sequence ${TOPIC} from flux: seq must be a whole number >= 1, got 0`,
        },
      },
      {
        seq: 2.5,
        expect: {
          kind: "rejected",
          reason: "bad_seq",
          message: `Cannot sequence ${TOPIC} from flux: seq must be a whole number >= 1, got 2.5`,
        },
      },
      { seq: 2, expect: accept },
    ],
    gaps: [],
    cursor: { epoch: E1, lastSeq: 2 },
  },
];

function gapsOf(sequencer: Sequencer, topic = TOPIC): [number, number][] {
  return sequencer.openGaps().filter((gap) => gap.topic === topic).map((gap) => [gap.fromSeq, gap.toSeq]);
}

Deno.test("createSequencer().observe() classifies frames", async (t) => {
  for (const c of cases) {
    await t.step(c.name, () => {
      const sequencer = createSequencer(c.options);
      c.frames.forEach((frame, i) => {
        const decision = sequencer.observe({
          source: SOURCE,
          topic: frame.topic ?? TOPIC,
          epoch: frame.epoch ?? E1,
          seq: frame.seq,
        });
        assert.deepEqual(decision, frame.expect, `frame #${i} (seq ${frame.seq})`);
      });
      assert.deepEqual(gapsOf(sequencer), c.gaps);
      assert.deepEqual(sequencer.cursor(SOURCE, TOPIC), c.cursor);
    });
  }
});

Deno.test("createSequencer() keeps sources apart", () => {
  const sequencer = createSequencer();
  assert.deepEqual(sequencer.observe({ source: "a", topic: TOPIC, epoch: E1, seq: 1 }), accept);
  assert.deepEqual(sequencer.observe({ source: "b", topic: TOPIC, epoch: E2, seq: 1 }), accept);
  // E2 is new for source a only.
  assert.equal(sequencer.observe({ source: "a", topic: TOPIC, epoch: E2, seq: 1 }).kind, "new_epoch");
  assert.deepEqual(sequencer.observe({ source: "b", topic: TOPIC, epoch: E2, seq: 2 }), accept);
  assert.equal(sequencer.epochRank("a", E1), 0);
  assert.equal(sequencer.epochRank("a", E2), 1);
  assert.equal(sequencer.epochRank("b", E2), 0);
  assert.equal(sequencer.epochRank("b", E1), -1);
  assert.equal(sequencer.epochRank("c", E1), -1);
});

Deno.test("createSequencer().heartbeat() turns a lost tail into a gap", async (t) => {
  const wanted = { isWanted: (topic: string) => topic !== "trade.IGNORED" };

  await t.step("a cursor ahead of ours opens lastSeq+1..cursor, once", () => {
    const sequencer = createSequencer();
    sequencer.observe({ source: SOURCE, topic: TOPIC, epoch: E1, seq: 1 });
    sequencer.observe({ source: SOURCE, topic: TOPIC, epoch: E1, seq: 2 });
    const beat = { source: SOURCE, epoch: E1, cursors: [{ topic: TOPIC, seq: 4 }] };
    assert.deepEqual(sequencer.heartbeat(beat, wanted), {
      epoch: "current",
      gaps: [{ source: SOURCE, topic: TOPIC, epoch: E1, fromSeq: 3, toSeq: 4 }],
      switched: [],
    });
    assert.deepEqual(sequencer.heartbeat(beat, wanted), { epoch: "current", gaps: [], switched: [] });
    assert.deepEqual(sequencer.cursor(SOURCE, TOPIC), { epoch: E1, lastSeq: 4 });
    assert.deepEqual(sequencer.observe({ source: SOURCE, topic: TOPIC, epoch: E1, seq: 4 }), {
      kind: "fill",
      closed: false,
    });
    assert.deepEqual(sequencer.observe({ source: SOURCE, topic: TOPIC, epoch: E1, seq: 3 }), {
      kind: "fill",
      closed: true,
    });
    assert.deepEqual(sequencer.observe({ source: SOURCE, topic: TOPIC, epoch: E1, seq: 5 }), accept);
    assert.deepEqual(sequencer.openGaps(), []);
  });

  await t.step("a cursor at or behind ours changes nothing", () => {
    const sequencer = createSequencer();
    sequencer.observe({ source: SOURCE, topic: TOPIC, epoch: E1, seq: 9 });
    for (const seq of [9, 3]) {
      const result = sequencer.heartbeat({ source: SOURCE, epoch: E1, cursors: [{ topic: TOPIC, seq }] }, wanted);
      assert.deepEqual(result, { epoch: "current", gaps: [], switched: [] });
    }
    assert.deepEqual(sequencer.cursor(SOURCE, TOPIC), { epoch: E1, lastSeq: 9 });
  });

  await t.step("topics that are not wanted are ignored", () => {
    const sequencer = createSequencer();
    sequencer.observe({ source: SOURCE, topic: "trade.IGNORED", epoch: E1, seq: 1 });
    const result = sequencer.heartbeat(
      { source: SOURCE, epoch: E1, cursors: [{ topic: "trade.IGNORED", seq: 50 }] },
      wanted,
    );
    assert.deepEqual(result.gaps, []);
    assert.deepEqual(sequencer.cursor(SOURCE, "trade.IGNORED"), { epoch: E1, lastSeq: 1 });
  });

  await t.step("a wanted topic never seen gets a baseline, and loss after it is a gap", () => {
    const sequencer = createSequencer();
    const result = sequencer.heartbeat({ source: SOURCE, epoch: E1, cursors: [{ topic: TOPIC, seq: 40 }] }, wanted);
    assert.deepEqual(result, { epoch: "new", gaps: [], switched: [] });
    assert.deepEqual(sequencer.observe({ source: SOURCE, topic: TOPIC, epoch: E1, seq: 43 }), {
      kind: "gap",
      fromSeq: 41,
      toSeq: 42,
    });
  });

  await t.step("an unseen epoch switches the topics it lists and opens 1..cursor", () => {
    const sequencer = createSequencer();
    sequencer.observe({ source: SOURCE, topic: TOPIC, epoch: E1, seq: 100 });
    sequencer.observe({ source: SOURCE, topic: "tick.MSFT", epoch: E1, seq: 7 });
    const result = sequencer.heartbeat(
      { source: SOURCE, epoch: E2, cursors: [{ topic: TOPIC, seq: 2 }, { topic: "tick.MSFT", seq: 0 }] },
      wanted,
    );
    assert.deepEqual(result, {
      epoch: "new",
      gaps: [{ source: SOURCE, topic: TOPIC, epoch: E2, fromSeq: 1, toSeq: 2 }],
      switched: [
        { topic: TOPIC, previous: { epoch: E1, lastSeq: 100, gaps: [] } },
        { topic: "tick.MSFT", previous: { epoch: E1, lastSeq: 7, gaps: [] } },
      ],
    });
    assert.deepEqual(sequencer.observe({ source: SOURCE, topic: TOPIC, epoch: E1, seq: 101 }), {
      kind: "stale_epoch",
      currentEpoch: E2,
    });
    assert.deepEqual(sequencer.observe({ source: SOURCE, topic: TOPIC, epoch: E2, seq: 3 }), accept);
    assert.deepEqual(sequencer.observe({ source: SOURCE, topic: "tick.MSFT", epoch: E2, seq: 1 }), accept);
  });

  await t.step("a heartbeat of an older epoch is ignored", () => {
    const sequencer = createSequencer();
    sequencer.observe({ source: SOURCE, topic: TOPIC, epoch: E1, seq: 1 });
    sequencer.observe({ source: SOURCE, topic: TOPIC, epoch: E2, seq: 1 });
    const result = sequencer.heartbeat({ source: SOURCE, epoch: E1, cursors: [{ topic: TOPIC, seq: 50 }] }, wanted);
    assert.deepEqual(result, { epoch: "stale", gaps: [], switched: [] });
    assert.deepEqual(sequencer.cursor(SOURCE, TOPIC), { epoch: E2, lastSeq: 1 });
  });
});

Deno.test("createSequencer().restore() resumes from persisted cursors and gaps", async (t) => {
  await t.step("a frame past the restored cursor of the same epoch is a gap", () => {
    const sequencer = createSequencer();
    sequencer.restore([{ source: SOURCE, topic: TOPIC, epoch: E1, lastSeq: 50 }]);
    assert.deepEqual(sequencer.observe({ source: SOURCE, topic: TOPIC, epoch: E1, seq: 53 }), {
      kind: "gap",
      fromSeq: 51,
      toSeq: 52,
    });
    assert.deepEqual(sequencer.observe({ source: SOURCE, topic: TOPIC, epoch: E1, seq: 50 }), duplicate);
    assert.deepEqual(sequencer.observe({ source: SOURCE, topic: TOPIC, epoch: E1, seq: 51 }), {
      kind: "fill",
      closed: false,
    });
  });

  await t.step("a restored gap is still open", () => {
    const sequencer = createSequencer();
    sequencer.restore([{ source: SOURCE, topic: TOPIC, epoch: E1, lastSeq: 50 }], {
      gaps: [{ source: SOURCE, topic: TOPIC, epoch: E1, fromSeq: 10, toSeq: 12 }],
    });
    assert.deepEqual(sequencer.observe({ source: SOURCE, topic: TOPIC, epoch: E1, seq: 11 }), {
      kind: "fill",
      closed: false,
    });
    assert.deepEqual(gapsOf(sequencer), [[10, 10], [12, 12]]);
  });

  await t.step("a new epoch after a restore reports the restored cursor as the previous epoch", () => {
    const sequencer = createSequencer();
    sequencer.restore([{ source: SOURCE, topic: TOPIC, epoch: E1, lastSeq: 50 }]);
    assert.deepEqual(sequencer.observe({ source: SOURCE, topic: TOPIC, epoch: E2, seq: 3 }), {
      kind: "new_epoch",
      previous: { epoch: E1, lastSeq: 50, gaps: [] },
      gap: { fromSeq: 1, toSeq: 2 },
    });
  });

  await t.step("obsolete gaps are ignored; overlapping ones merge; a gap past the cursor raises it", () => {
    const sequencer = createSequencer();
    sequencer.restore([{ source: SOURCE, topic: TOPIC, epoch: E2, lastSeq: 20 }], {
      gaps: [
        { source: SOURCE, topic: TOPIC, epoch: E1, fromSeq: 2, toSeq: 3 },
        { source: SOURCE, topic: "tick.NOCURSOR", epoch: E2, fromSeq: 2, toSeq: 3 },
        { source: SOURCE, topic: TOPIC, epoch: E2, fromSeq: 8, toSeq: 9 },
        { source: SOURCE, topic: TOPIC, epoch: E2, fromSeq: 5, toSeq: 8 },
        { source: SOURCE, topic: TOPIC, epoch: E2, fromSeq: 10, toSeq: 10 },
        { source: SOURCE, topic: TOPIC, epoch: E2, fromSeq: 21, toSeq: 22 },
      ],
    });
    assert.deepEqual(sequencer.openGaps(), [
      { source: SOURCE, topic: TOPIC, epoch: E2, fromSeq: 5, toSeq: 10 },
      { source: SOURCE, topic: TOPIC, epoch: E2, fromSeq: 21, toSeq: 22 },
    ]);
    assert.deepEqual(sequencer.cursor(SOURCE, TOPIC), { epoch: E2, lastSeq: 22 });
  });

  await t.step("epochs rank in the order given: epochs first, then cursors", () => {
    const sequencer = createSequencer();
    sequencer.restore(
      [
        { source: SOURCE, topic: TOPIC, epoch: 5n, lastSeq: 1 },
        { source: SOURCE, topic: "tick.MSFT", epoch: 9n, lastSeq: 1 },
      ],
      { epochs: [{ source: SOURCE, epoch: 1n }, { source: SOURCE, epoch: 5n }] },
    );
    assert.deepEqual([1n, 5n, 9n].map((epoch) => sequencer.epochRank(SOURCE, epoch)), [0, 1, 2]);
    // The newest restored epoch is the current one.
    assert.equal(sequencer.observe({ source: SOURCE, topic: TOPIC, epoch: 5n, seq: 2 }).kind, "stale_epoch");
    assert.equal(sequencer.observe({ source: SOURCE, topic: TOPIC, epoch: 9n, seq: 1 }).kind, "new_epoch");
  });

  await t.step("cursors() and openGaps() round-trip through restore(), ranks included", () => {
    const first = createSequencer();
    first.observe({ source: SOURCE, topic: "tick.ZZZ", epoch: E2, seq: 1 });
    first.observe({ source: SOURCE, topic: TOPIC, epoch: E1, seq: 1 });
    first.observe({ source: SOURCE, topic: TOPIC, epoch: E1, seq: 4 });
    first.observe({ source: "other", topic: TOPIC, epoch: E1, seq: 3 });
    const second = createSequencer();
    second.restore(first.cursors(), { gaps: first.openGaps() });
    assert.deepEqual(second.cursors(), first.cursors());
    assert.deepEqual(second.openGaps(), first.openGaps());
    assert.equal(second.epochRank(SOURCE, E2), first.epochRank(SOURCE, E2));
    assert.equal(second.epochRank(SOURCE, E1), first.epochRank(SOURCE, E1));
  });

  await t.step("malformed persisted values are RangeErrors", () => {
    const sequencer = createSequencer();
    assert.throws(() => sequencer.restore([{ source: SOURCE, topic: TOPIC, epoch: E1, lastSeq: -1 }]), RangeError);
    assert.throws(
      () =>
        sequencer.restore([{ source: SOURCE, topic: TOPIC, epoch: E1, lastSeq: 9 }], {
          gaps: [{ source: SOURCE, topic: TOPIC, epoch: E1, fromSeq: 5, toSeq: 4 }],
        }),
      RangeError,
    );
  });
});

Deno.test("createSequencer().markUnfillable() gives up on a range", () => {
  const sequencer = createSequencer();
  sequencer.observe({ source: SOURCE, topic: TOPIC, epoch: E1, seq: 1 });
  sequencer.observe({ source: SOURCE, topic: TOPIC, epoch: E1, seq: 11 });
  sequencer.observe({ source: SOURCE, topic: TOPIC, epoch: E1, seq: 15 });
  assert.deepEqual(gapsOf(sequencer), [[2, 10], [12, 14]]);
  const range: OpenGap = { source: SOURCE, topic: TOPIC, epoch: E1, fromSeq: 4, toSeq: 12 };
  assert.equal(sequencer.markUnfillable(range), 7 + 1);
  assert.deepEqual(gapsOf(sequencer), [[2, 3], [13, 14]]);
  assert.deepEqual(sequencer.observe({ source: SOURCE, topic: TOPIC, epoch: E1, seq: 5 }), duplicate);
  assert.deepEqual(sequencer.observe({ source: SOURCE, topic: TOPIC, epoch: E1, seq: 3 }), {
    kind: "fill",
    closed: false,
  });
  assert.equal(sequencer.markUnfillable({ ...range, epoch: E2 }), 0, "another epoch's range is not ours");
  assert.equal(sequencer.markUnfillable(range), 0, "nothing left to give up");
});

Deno.test("createSequencer() bounds the gap list per topic by merging the oldest ranges", async (t) => {
  await t.step("the two lowest ranges merge when one too many opens", () => {
    const sequencer = createSequencer({ maxGapsPerTopic: 3 });
    for (const seq of [1, 3, 5, 7]) sequencer.observe({ source: SOURCE, topic: TOPIC, epoch: E1, seq });
    assert.deepEqual(gapsOf(sequencer), [[2, 2], [4, 4], [6, 6]]);
    sequencer.observe({ source: SOURCE, topic: TOPIC, epoch: E1, seq: 9 });
    assert.deepEqual(gapsOf(sequencer), [[2, 4], [6, 6], [8, 8]]);
    // Seq 3 had arrived; inside a merged range it now counts as a (harmless) fill.
    assert.deepEqual(sequencer.observe({ source: SOURCE, topic: TOPIC, epoch: E1, seq: 3 }), {
      kind: "fill",
      closed: false,
    });
  });

  await t.step("never more ranges than the bound, and no missing seq is ever forgotten", () => {
    const maxGapsPerTopic = 16;
    const sequencer = createSequencer({ maxGapsPerTopic });
    const random = mulberry32(7);
    const received = new Set<number>();
    let seq = 0;
    for (let i = 0; i < 3000; i++) {
      const roll = random();
      if (roll < 0.3) seq += 2 + Math.floor(random() * 5); // skip a few
      else if (roll < 0.4 && seq > 0) {
        // a late copy of something below
        const late = 1 + Math.floor(random() * seq);
        sequencer.observe({ source: SOURCE, topic: TOPIC, epoch: E1, seq: late });
        received.add(late);
        continue;
      } else seq += 1;
      sequencer.observe({ source: SOURCE, topic: TOPIC, epoch: E1, seq });
      received.add(seq);
      assert.ok(gapsOf(sequencer).length <= maxGapsPerTopic);
    }
    const gaps = gapsOf(sequencer);
    const first = Math.min(...received);
    for (let s = first; s <= seq; s++) {
      if (received.has(s)) continue;
      assert.ok(gaps.some(([from, to]) => from <= s && s <= to), `seq ${s} was never received and is not in a gap`);
    }
  });
});

Deno.test("createSequencer() rejects bad options with a RangeError", () => {
  assert.throws(() => createSequencer({ maxGapsPerTopic: 0 }), RangeError);
  assert.throws(() => createSequencer({ regressionWindow: -1 }), RangeError);
});

/** A small seeded PRNG so the property test is reproducible. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

Deno.test("createSequencer({ lateJoinSeqs }) turns the recent head of a late-joined topic into a gap", async (t) => {
  const frame = (seq: number) => ({ source: SOURCE, topic: TOPIC, epoch: E1, seq });
  await t.step("a first frame at seq 7 opens 1..6 when the window covers it", () => {
    const sequencer = createSequencer({ lateJoinSeqs: 100 });
    assert.deepEqual(sequencer.observe(frame(7)), { kind: "gap", fromSeq: 1, toSeq: 6 });
    assert.deepEqual(gapsOf(sequencer), [[1, 6]]);
    assert.deepEqual(sequencer.observe(frame(3)), { kind: "fill", closed: false });
  });
  await t.step("the window caps how far back it reaches", () => {
    const sequencer = createSequencer({ lateJoinSeqs: 10 });
    assert.deepEqual(sequencer.observe(frame(500)), { kind: "gap", fromSeq: 490, toSeq: 499 });
    assert.deepEqual(sequencer.observe(frame(489)), duplicate);
  });
  await t.step("a first frame at seq 1 opens nothing", () => {
    assert.deepEqual(createSequencer({ lateJoinSeqs: 10 }).observe(frame(1)), accept);
  });
  await t.step("a heartbeat cursor of an unseen topic opens its head too", () => {
    const sequencer = createSequencer({ lateJoinSeqs: 4 });
    const result = sequencer.heartbeat({ source: SOURCE, epoch: E1, cursors: [{ topic: TOPIC, seq: 9 }] }, {
      isWanted: () => true,
    });
    assert.deepEqual(result.gaps.map((g) => [g.fromSeq, g.toSeq]), [[6, 9]]);
  });
  await t.step("the default keeps the old behaviour: no gap", () => {
    assert.deepEqual(createSequencer().observe(frame(7)), accept);
  });
});
