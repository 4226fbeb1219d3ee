/**
 * A seeded PRNG (mulberry32) for reproducible test and bench data in [-0.5, 0.5). Integer maths
 * with Math.imul: an LCG written with plain `*` loses bits past 2^53 and soon repeats itself.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
}
