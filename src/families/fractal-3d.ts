/**
 * 3D fractals, as in ExFractalDB (Kataoka et al., CVPR 2022): a
 * category is a 3D iterated function system of 2..7 affine maps with 12
 * coefficients each (a 3x3 matrix and a translation) uniform in
 * [-1, 1], map probabilities proportional to |det|, kept when the
 * variance of its centred point cloud, scaled into [-1, 1], exceeds 0.05
 * on each axis. An instance renders a fresh cloud, keeps a random 80-100%
 * of its points, turns it to a uniformly random viewpoint, shifts and
 * scales it, projects it orthographically and splats each point as a
 * disc, brighter when nearer if depth shading is on. Clouds have 10,000
 * points by default, as in the 3D-fractal entry of the SIGNATE
 * pre-training dataset contest.
 */
import { z } from "zod";
import type { Canvas } from "../raster/canvas.js";
import { hsvToRgb } from "../raster/colour.js";
import type { Rng } from "../random/rng.js";
import { InvalidCategoryError } from "../errors.js";
import type { Family, ImageSpec, Renderer } from "./family.js";
import { orderedPair, perturbValue } from "./perturb.js";

/** A 3D affine map: matrix rows a..i, then translation j, k, l. */
export type AffineMap3 = number[];

type Shape = {
  minMaps: number;
  maxMaps: number;
  minKeep: number;
  maxKeep: number;
  minScale: number;
  maxScale: number;
};

export const fractal3dOptions = z
  .object({
    minMaps: z.number().int().min(1).max(64).default(2)
      .describe("fewest affine maps per system"),
    maxMaps: z.number().int().min(1).max(64).default(7)
      .describe("most affine maps per system"),
    minVariance: z.number().min(0).max(1).default(0.05)
      .describe("least per-axis variance of the centred cloud scaled into [-1, 1]"),
    points: z.number().int().min(100).max(10_000_000).default(10_000)
      .describe("cloud points per instance (the recipe's points field does not apply)"),
    searchPoints: z.number().int().min(100).max(1_000_000).default(10_000)
      .describe("points of the acceptance check"),
    maxAttempts: z.number().int().min(1).default(100_000)
      .describe("candidate systems tried per category before giving up"),
    minKeep: z.number().gt(0).max(1).default(0.8)
      .describe("least share of the cloud's points kept per instance"),
    maxKeep: z.number().gt(0).max(1).default(1)
      .describe("greatest share of the cloud's points kept per instance"),
    minScale: z.number().min(0.1).max(2).default(0.7)
      .describe("least cloud radius as a fraction of half the image side"),
    maxScale: z.number().min(0.1).max(2).default(1)
      .describe("greatest cloud radius as a fraction of half the image side"),
    shift: z.number().min(0).max(0.5).default(0.1)
      .describe("greatest shift of the cloud centre, as a fraction of the image side"),
    pointRadius: z.number().min(0).max(8).default(0.8)
      .describe("radius of each splatted point, in pixels"),
    depthShading: z.boolean().default(true)
      .describe("shade points from 35% (far) to 100% (near) brightness"),
  })
  .strict()
  .refine(...orderedPair<Shape>("minMaps", "maxMaps"))
  .refine(...orderedPair<Shape>("minKeep", "maxKeep"))
  .refine(...orderedPair<Shape>("minScale", "maxScale"));

export type Fractal3dOptions = z.infer<typeof fractal3dOptions>;

export interface Fractal3dParams {
  maps: AffineMap3[];
  probabilities: number[];
  /** Per-axis variance of the accepted search cloud. */
  variance: [number, number, number];
  attempts: number;
}

/** Share of points that fall inside the drawn radius before clipping. */
const EXTENT_QUANTILE = 0.98;

/** Points sampled to estimate the quantile of point norms. */
const QUANTILE_SAMPLES = 512;

/** Iterations dropped before points are kept, so the cloud lies on the attractor. */
const WARMUP = 16;

/**
 * Runs the 3D chaos game into `points` (x, y, z triples), centres the
 * cloud on its mean and scales it so its largest |coordinate| is 1.
 * Returns the per-axis variance of the result, or null when a coordinate
 * became infinite or NaN or the cloud collapsed to a point.
 */
export function runChaosGame3d(
  params: Pick<Fractal3dParams, "maps" | "probabilities">,
  count: number,
  points: Float64Array,
  rng: Rng,
): [number, number, number] | null {
  const { maps, probabilities } = params;
  const cumulative = new Float64Array(maps.length);
  let total = 0;
  for (let j = 0; j < maps.length; j++) cumulative[j] = total += probabilities[j];
  const flat = new Float64Array(12 * maps.length);
  maps.forEach((map, j) => flat.set(map, 12 * j));

  let x = 0;
  let y = 0;
  let z = 0;
  let sx = 0;
  let sy = 0;
  let sz = 0;
  for (let i = -WARMUP; i < count; i++) {
    const u = rng.next() * total;
    let j = 0;
    while (j < maps.length - 1 && u >= cumulative[j]) j++;
    const m = 12 * j;
    const nx = flat[m] * x + flat[m + 1] * y + flat[m + 2] * z + flat[m + 9];
    const ny = flat[m + 3] * x + flat[m + 4] * y + flat[m + 5] * z + flat[m + 10];
    const nz = flat[m + 6] * x + flat[m + 7] * y + flat[m + 8] * z + flat[m + 11];
    x = nx;
    y = ny;
    z = nz;
    if (i < 0) continue;
    points[3 * i] = x;
    points[3 * i + 1] = y;
    points[3 * i + 2] = z;
    sx += x;
    sy += y;
    sz += z;
  }
  if (!Number.isFinite(sx + sy + sz)) return null;

  const mx = sx / count;
  const my = sy / count;
  const mz = sz / count;
  let extent = 0;
  for (let i = 0; i < count; i++) {
    points[3 * i] -= mx;
    points[3 * i + 1] -= my;
    points[3 * i + 2] -= mz;
    extent = Math.max(extent, Math.abs(points[3 * i]), Math.abs(points[3 * i + 1]), Math.abs(points[3 * i + 2]));
  }
  if (!(extent > 0 && extent < Infinity)) return null;
  const variance: [number, number, number] = [0, 0, 0];
  for (let i = 0; i < 3 * count; i++) {
    points[i] /= extent;
    variance[i % 3] += points[i] * points[i];
  }
  return [variance[0] / count, variance[1] / count, variance[2] / count];
}

/** Returns about the q-quantile of the norms of the first `count` points, from an even sample. */
function normQuantile(points: Float64Array, count: number, q: number): number {
  const samples = Math.min(count, QUANTILE_SAMPLES);
  const norms = new Float64Array(samples);
  for (let s = 0; s < samples; s++) {
    const i = Math.floor((s * count) / samples);
    norms[s] = Math.hypot(points[3 * i], points[3 * i + 1], points[3 * i + 2]);
  }
  norms.sort();
  const value = norms[Math.min(samples - 1, Math.floor(q * samples))];
  return value > 0 ? value : 1;
}

function determinantProbabilities3(maps: AffineMap3[]): number[] {
  const weights = maps.map(([a, b, c, d, e, f, g, h, i]) =>
    Math.abs(a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g)),
  );
  const total = weights.reduce((sum, w) => sum + w, 0);
  if (!(total > 0)) return maps.map(() => 1 / maps.length);
  return weights.map((w) => w / total);
}

function sampleCategory(spec: ImageSpec<Fractal3dOptions>, rng: Rng): Fractal3dParams {
  const o = spec.options;
  const points = new Float64Array(3 * o.searchPoints);
  for (let attempt = 1; attempt <= o.maxAttempts; attempt++) {
    const count = rng.int(o.minMaps, o.maxMaps);
    const maps = Array.from({ length: count }, () => Array.from({ length: 12 }, () => rng.uniform(-1, 1)));
    const probabilities = determinantProbabilities3(maps);
    const variance = runChaosGame3d({ maps, probabilities }, o.searchPoints, points, rng);
    if (variance === null || Math.min(...variance) <= o.minVariance) continue;
    return { maps, probabilities, variance, attempts: attempt };
  }
  throw new InvalidCategoryError(
    `no 3D system reached per-axis variance ${o.minVariance} in ${o.maxAttempts} attempts; ` +
      `lower options.minVariance or raise options.maxAttempts`,
  );
}

function perturbCategory(
  base: Fractal3dParams,
  d: number,
  _spec: ImageSpec<Fractal3dOptions>,
  rng: Rng,
): Fractal3dParams {
  const maps = base.maps.map((map) => map.map((c) => perturbValue(c, d, rng, -Infinity, Infinity)));
  return { ...base, maps, probabilities: determinantProbabilities3(maps) };
}

/** Returns a uniformly random rotation matrix (row-major 3x3) from a unit quaternion (Shoemake, 1992). */
export function randomRotation(rng: Rng): number[] {
  const u1 = rng.next();
  const u2 = rng.uniform(0, 2 * Math.PI);
  const u3 = rng.uniform(0, 2 * Math.PI);
  const a = Math.sqrt(1 - u1);
  const b = Math.sqrt(u1);
  const w = a * Math.sin(u2);
  const x = a * Math.cos(u2);
  const y = b * Math.sin(u3);
  const z = b * Math.cos(u3);
  return [
    1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w),
    2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w),
    2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y),
  ];
}

class Fractal3dRenderer implements Renderer<Fractal3dParams> {
  private readonly points: Float64Array;
  private readonly disc: Int32Array;
  private readonly discWeight: Float32Array;
  /** Brightness drawn so far per pixel, 0..1. */
  private readonly levels: Float32Array;

  constructor(private readonly spec: ImageSpec<Fractal3dOptions>) {
    this.points = new Float64Array(3 * spec.options.points);
    this.levels = new Float32Array(spec.size * spec.size);
    // Offsets of the pixels whose centres lie within pointRadius + 0.5 of
    // a point's pixel, with a falloff for anti-aliased disc edges.
    const r = spec.options.pointRadius;
    const reach = Math.ceil(r);
    const offsets: number[] = [];
    const weights: number[] = [];
    for (let dy = -reach; dy <= reach; dy++) {
      for (let dx = -reach; dx <= reach; dx++) {
        const weight = Math.min(1, r + 0.5 - Math.hypot(dx, dy));
        if (weight <= 0) continue;
        offsets.push(dx, dy);
        weights.push(weight);
      }
    }
    this.disc = Int32Array.from(offsets);
    this.discWeight = Float32Array.from(weights);
  }

  renderGroup(params: Fractal3dParams, _group: number, rng: Rng, out: Canvas[]): void {
    const { size, options: o } = this.spec;
    const count = o.points;
    const { points, disc, discWeight, levels } = this;
    const canvas = out[0];
    const { data, channels } = canvas;
    data.fill(0);
    levels.fill(0);
    if (runChaosGame3d(params, count, points, rng) === null) {
      throw new InvalidCategoryError("the 3D system diverged or collapsed while rendering an instance");
    }
    const keep = rng.uniform(o.minKeep, o.maxKeep);
    const rotation = randomRotation(rng);
    // Scale by a high quantile of the point norms, not the largest one:
    // a few far points would otherwise shrink the shape to a speck.
    const extent = normQuantile(points, count, EXTENT_QUANTILE);
    const radius = (rng.uniform(o.minScale, o.maxScale) * (size - 1)) / 2 / extent;
    const centreX = size / 2 + rng.uniform(-o.shift, o.shift) * size;
    const centreY = size / 2 + rng.uniform(-o.shift, o.shift) * size;
    const [r, g, b] = hsvToRgb(rng.next(), rng.uniform(0.5, 1), 1);
    const taps = discWeight.length;

    for (let i = 0; i < count; i++) {
      if (rng.next() >= keep) continue;
      const x = points[3 * i];
      const y = points[3 * i + 1];
      const z = points[3 * i + 2];
      const px = rotation[0] * x + rotation[1] * y + rotation[2] * z;
      const py = rotation[3] * x + rotation[4] * y + rotation[5] * z;
      const pz = (rotation[6] * x + rotation[7] * y + rotation[8] * z) / extent;
      const shade = o.depthShading ? 0.35 + 0.65 * Math.min(1, Math.max(0, (pz + 1) / 2)) : 1;
      const cx = Math.round(centreX + px * radius);
      const cy = Math.round(centreY - py * radius);
      for (let t = 0; t < taps; t++) {
        const sx = cx + disc[2 * t];
        const sy = cy + disc[2 * t + 1];
        if (sx < 0 || sy < 0 || sx >= size || sy >= size) continue;
        const level = shade * discWeight[t];
        const at = sy * size + sx;
        // Keep the brightest value, so the result ignores drawing order.
        if (level <= levels[at]) continue;
        levels[at] = level;
        if (channels === 1) {
          data[at] = (255 * level + 0.5) | 0;
        } else {
          data[3 * at] = (r * level + 0.5) | 0;
          data[3 * at + 1] = (g * level + 0.5) | 0;
          data[3 * at + 2] = (b * level + 0.5) | 0;
        }
      }
    }
  }
}

export const fractal3d: Family<Fractal3dOptions, Fractal3dParams> = {
  name: "fractal-3d",
  summary: "3D fractals: 3D IFS point clouds from random viewpoints, splatted with depth shading",
  options: fractal3dOptions,
  groupSize: 1,
  sampleCategory,
  perturbCategory,
  createRenderer: (spec) => new Fractal3dRenderer(spec),
};
