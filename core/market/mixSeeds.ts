const TWO_POW_32 = 4_294_967_296;

/**
 * Derives a new seed from a symbol's seed and a run-wide one (`deno task generate --seed S`): every symbol
 * still gets its own stream, and another S gives other streams for all. Returns an integer in 0..2^32-1.
 */
export function mixSeeds(seed: number, salt: number): number {
  for (const [name, value] of [["seed", seed], ["salt", salt]] as const) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`Cannot mix seeds: ${name} ${value} is not an integer in 0..2^53-1`);
    }
  }
  let h = 0x811c9dc5;
  for (const v of [seed >>> 0, Math.floor(seed / TWO_POW_32), salt >>> 0, Math.floor(salt / TWO_POW_32)]) {
    h = fmix32(h ^ v) + 0x9e3779b9 | 0;
  }
  return fmix32(h) >>> 0;
}

/** MurmurHash3's finaliser: every input bit affects every output bit. */
function fmix32(x: number): number {
  let h = x;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}
