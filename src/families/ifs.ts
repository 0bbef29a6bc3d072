import type { Rng } from "../random/rng.js";

/**
 * An affine map of the plane, [a, b, c, d, e, f]:
 * x' = a x + b y + e, y' = c x + d y + f.
 */
export type AffineMap = [number, number, number, number, number, number];

/** An iterated function system: maps and the probability of each. */
export interface IteratedFunctionSystem {
  maps: AffineMap[];
  /** One per map, non-negative, summing to 1. */
  probabilities: number[];
}

/** The axis-aligned extent of a point cloud. */
export interface Bounds {
  minX: number;
  maxX: number;
  minY: number;
  maxY: number;
}

/**
 * Size of the map-selection table. Each entry is one 1/4096 slice of the
 * unit interval, so a map's probability is rounded to a multiple of
 * 1/4096 (error below 2.5e-4); the 4 KB table stays in L1 cache.
 */
const PICK_BITS = 12;
const PICK_SIZE = 1 << PICK_BITS;

/**
 * Runs the chaos game and keeps every point. One instance per worker:
 * its buffers are allocated once and reused for every render.
 */
export class ChaosGame {
  /** Points as x0, y0, x1, y1, ... in the system's own coordinates. */
  readonly points: Float64Array;
  private readonly pick = new Uint8Array(PICK_SIZE);
  private readonly coefficients = new Float64Array(6 * 256);

  constructor(readonly capacity: number) {
    this.points = new Float64Array(2 * capacity);
  }

  /**
   * Iterates `count` points from (0, 0), the first point included, as the
   * FractalDB reference renderer does. Returns the bounds of the cloud,
   * or null when the system diverged (a coordinate became infinite or
   * NaN) or collapsed to a point or a line (zero extent on an axis).
   */
  run(system: IteratedFunctionSystem, count: number, rng: Rng): Bounds | null {
    this.load(system);
    const { points, pick, coefficients: k } = this;
    const pickShift = 32 - PICK_BITS;

    // xoshiro128** inlined: its state lives in locals for the loop.
    let s0 = rng.s0;
    let s1 = rng.s1;
    let s2 = rng.s2;
    let s3 = rng.s3;
    let x = 0;
    let y = 0;
    let minX = 0;
    let maxX = 0;
    let minY = 0;
    let maxY = 0;
    points[0] = 0;
    points[1] = 0;

    for (let i = 1; i < count; i++) {
      const m = Math.imul(s1, 5);
      const r = Math.imul((m << 7) | (m >>> 25), 9);
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);

      const j = pick[r >>> pickShift] * 6;
      const nx = k[j] * x + k[j + 1] * y + k[j + 4];
      y = k[j + 2] * x + k[j + 3] * y + k[j + 5];
      x = nx;
      points[2 * i] = x;
      points[2 * i + 1] = y;
      if (x < minX) minX = x;
      else if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      else if (y > maxY) maxY = y;
    }

    rng.s0 = s0;
    rng.s1 = s1;
    rng.s2 = s2;
    rng.s3 = s3;

    const width = maxX - minX;
    const height = maxY - minY;
    // NaN fails both comparisons, so a NaN extent counts as divergence.
    if (!(width > 0 && width < Infinity)) return null;
    if (!(height > 0 && height < Infinity)) return null;
    return { minX, maxX, minY, maxY };
  }

  private load(system: IteratedFunctionSystem): void {
    const { maps, probabilities } = system;
    for (let j = 0; j < maps.length; j++) {
      this.coefficients.set(maps[j], 6 * j);
    }
    // Entry e picks the first map whose cumulative probability reaches
    // the middle of slice e.
    let map = 0;
    let cumulative = probabilities[0];
    for (let e = 0; e < PICK_SIZE; e++) {
      const u = (e + 0.5) / PICK_SIZE;
      while (u > cumulative && map < maps.length - 1) {
        map++;
        cumulative += probabilities[map];
      }
      this.pick[e] = map;
    }
  }
}

/** Returns the map probabilities proportional to |det|, as FractalDB does. */
export function determinantProbabilities(maps: AffineMap[]): number[] {
  const weights = maps.map(([a, b, c, d]) => Math.abs(a * d - b * c));
  const total = weights.reduce((sum, w) => sum + w, 0);
  if (!(total > 0)) return maps.map(() => 1 / maps.length);
  return weights.map((w) => w / total);
}
