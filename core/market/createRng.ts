/** A seeded pseudo-random source: the same seed gives the same numbers on every platform. */
export interface Rng {
  /** Uniform integer in 0..2^32-1. */
  nextUint32(): number;
  /** Uniform in [0, 1), 53 random bits. */
  nextFloat(): number;
  /** Standard normal (mean 0, variance 1). */
  nextNormal(): number;
}

const TWO_POW_26 = 67_108_864;
const TWO_POW_53 = 9_007_199_254_740_992;
const TWO_POW_32 = 4_294_967_296;

/**
 * xoshiro128** (Blackman & Vigna), its 128-bit state filled by splitmix32 from the seed's low and high words.
 * Only 32-bit integer operations (Math.imul, shifts), so the stream is exact everywhere; normals use the polar
 * method, which needs Math.log and Math.sqrt only (sqrt is correctly rounded; V8's log is the fdlibm port on
 * every platform), not sin/cos.
 */
export function createRng(seed: number): Rng {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`Cannot seed the generator with ${seed}: expected an integer in 0..2^53-1`);
  }
  const lo = seed >>> 0;
  const hi = Math.floor(seed / TWO_POW_32) >>> 0;
  let sLo = lo, sHi = hi ^ 0x6a09e667;
  const word = (): number => {
    sLo = (sLo + 0x9e3779b9) | 0;
    sHi = (sHi + 0x7f4a7c15) | 0;
    return (splitmix32(sLo) ^ Math.imul(splitmix32(sHi), 0x2545f491)) >>> 0;
  };
  let s0 = word(), s1 = word(), s2 = word(), s3 = word();
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1; // the all-zero state is a fixed point

  function nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    return result;
  }

  function nextFloat(): number {
    return ((nextUint32() >>> 5) * TWO_POW_26 + (nextUint32() >>> 6)) / TWO_POW_53;
  }

  let spare: number | null = null;
  function nextNormal(): number {
    if (spare !== null) {
      const z = spare;
      spare = null;
      return z;
    }
    let u: number, v: number, s: number;
    do {
      u = 2 * nextFloat() - 1;
      v = 2 * nextFloat() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const m = Math.sqrt(-2 * Math.log(s) / s);
    spare = v * m;
    return u * m;
  }

  return { nextUint32, nextFloat, nextNormal };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

function splitmix32(x: number): number {
  let z = x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}
