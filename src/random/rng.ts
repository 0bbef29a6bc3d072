/**
 * Seeded random numbers: xoshiro128** (Blackman and Vigna, 2018) for the
 * sequence, MurmurHash3's 32-bit mixing to derive independent streams.
 *
 * Every image is a pure function of (recipe seed, category, instance):
 * each one draws from its own stream, seeded from those keys alone, so
 * any worker or shard can make any image without the others.
 */

/** A stream purpose, mixed into the seed so streams never overlap. */
export const Stream = {
  /** Drawing a category's parameters. */
  Category: 1,
  /** Rendering one group of instances. */
  Instance: 2,
  /** Choosing which family serves each category in a mixed recipe. */
  Plan: 3,
  /** Drawing the base category that 1p-frac categories perturb. */
  Base: 4,
  /** Drawing the baked augmentation of one instance. */
  Augment: 5,
  /** Choosing which images of a public dataset an importer copies. */
  Import: 6,
} as const;

export type Stream = (typeof Stream)[keyof typeof Stream];

const TWO_POW_32 = 4294967296;

/**
 * A xoshiro128** generator. Its state is four 32-bit words; hot loops may
 * copy them into locals and write them back (see `state`/`setState`).
 */
export class Rng {
  s0: number;
  s1: number;
  s2: number;
  s3: number;

  constructor(s0: number, s1: number, s2: number, s3: number) {
    // An all-zero state is the one fixed point of xoshiro.
    if ((s0 | s1 | s2 | s3) === 0) s0 = 0x9e3779b9;
    this.s0 = s0 | 0;
    this.s1 = s1 | 0;
    this.s2 = s2 | 0;
    this.s3 = s3 | 0;
  }

  /** Returns the next output as an unsigned 32-bit integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9);
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result >>> 0;
  }

  /** Returns a float uniform in [0, 1) with 32 bits of resolution. */
  next(): number {
    return this.nextUint32() / TWO_POW_32;
  }

  /** Returns a float uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Returns an integer uniform in [lo, hi], both ends included. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
}

/**
 * Creates the generator of one stream, keyed by the recipe seed, the
 * stream purpose and any number of integer keys (category, group, ...).
 * Keys must be integers in [0, 2^53); the seed likewise.
 */
export function streamRng(seed: number, stream: Stream, ...keys: number[]): Rng {
  const words = [lowWord(seed), highWord(seed), stream];
  for (const key of keys) words.push(lowWord(key), highWord(key));
  // Four hashes with distinct salts give 128 bits of state, so distinct
  // streams collide with probability about 2^-128, not 2^-32.
  return new Rng(
    murmur3(words, 0x243f6a88),
    murmur3(words, 0x85a308d3),
    murmur3(words, 0x13198a2e),
    murmur3(words, 0x03707344),
  );
}

function lowWord(value: number): number {
  return value % TWO_POW_32 | 0;
}

function highWord(value: number): number {
  return Math.floor(value / TWO_POW_32) | 0;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** MurmurHash3_x86_32 over 32-bit words (Appleby, public domain design). */
function murmur3(words: number[], salt: number): number {
  let h = salt | 0;
  for (const word of words) {
    let k = Math.imul(word, 0xcc9e2d51);
    k = rotl(k, 15);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = rotl(h, 13);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= words.length * 4;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}
