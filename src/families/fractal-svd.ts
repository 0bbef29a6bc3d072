/**
 * Improved fractals (Anderson and Farrell, "Improving Fractal
 * Pre-training", WACV 2022). Each affine map is R(phi) D1 diag(s1, s2)
 * R(theta) D2 plus a translation, with rotations R, random reflections
 * D1, D2 = diag(1, +-1) and singular values 0 <= s2 <= s1 <= 1 drawn so
 * that the "sigma factor" sum over maps of (s1 + 2 s2) equals a value
 * uniform in [(5 + N) / 2, (6 + N) / 2] for N maps. No map expands, and
 * the constraint keeps the attractor filled without a rejection search.
 *
 * An instance renders the system with the chaos game, colours each pixel
 * by its log point density with a random hue shift, and composites it
 * over a diamond-square (plasma) background. In multi-instance mode an
 * image contains 1..5 renders of the category's system, each scaled to
 * 15-60% of the image side, as in the paper's multi-instance setting.
 */
import { z } from "zod";
import type { Canvas } from "../raster/canvas.js";
import { gradientPalette, hsvToRgb } from "../raster/colour.js";
import { diamondSquare } from "../raster/plasma.js";
import type { Rng } from "../random/rng.js";
import { InvalidCategoryError } from "../errors.js";
import type { Family, ImageSpec, Renderer } from "./family.js";
import { ChaosGame, determinantProbabilities, type AffineMap, type Bounds, type IteratedFunctionSystem } from "./ifs.js";
import { orderedPair, perturbValue } from "./perturb.js";

type Shape = {
  minMaps: number;
  maxMaps: number;
  minFractals: number;
  maxFractals: number;
  minScale: number;
  maxScale: number;
};

export const fractalSvdOptions = z
  .object({
    minMaps: z.number().int().min(2).max(16).default(2)
      .describe("fewest affine maps per system"),
    maxMaps: z.number().int().min(2).max(16).default(4)
      .describe("most affine maps per system"),
    background: z.enum(["plasma", "black"]).default("plasma")
      .describe("diamond-square background or plain black"),
    roughness: z.number().min(0).max(1).default(0.5)
      .describe("diamond-square amplitude factor per level"),
    minFractals: z.number().int().min(1).max(5).default(1)
      .describe("fewest fractals per image"),
    maxFractals: z.number().int().min(1).max(5).default(1)
      .describe("most fractals per image (5 with minScale 0.15 and maxScale 0.6: the multi-instance mode)"),
    minScale: z.number().min(0.05).max(1).default(0.15)
      .describe("least fractal side as a fraction of the image side, when more than one fractal is drawn"),
    maxScale: z.number().min(0.05).max(1).default(0.6)
      .describe("greatest fractal side as a fraction of the image side, when more than one fractal is drawn"),
    maxAttempts: z.number().int().min(1).default(1000)
      .describe("candidate systems tried per category before giving up"),
  })
  .strict()
  .refine(...orderedPair<Shape>("minMaps", "maxMaps"))
  .refine(...orderedPair<Shape>("minFractals", "maxFractals"))
  .refine(...orderedPair<Shape>("minScale", "maxScale"));

export type FractalSvdOptions = z.infer<typeof fractalSvdOptions>;

export interface FractalSvdParams extends IteratedFunctionSystem {
  /** The sigma factor: sum over maps of s1 + 2 s2. */
  sigma: number;
  /** Singular values [s1, s2] per map. */
  singularValues: [number, number][];
  attempts: number;
}

const LEVEL_TABLE_SIZE = 1024;

/** Points of the category check, enough to tell a line or point from an attractor. */
const CHECK_POINTS = 2000;

/**
 * Draws singular values of `count` maps with 0 <= s2 <= s1 <= 1 and
 * sum(s1 + 2 s2) = sigma exactly. Each value is drawn uniformly within
 * the interval that still lets the remaining values reach the sum:
 * a map contributes at most 3, so with budget B and m maps left after
 * this one, s1 >= (B - 3m) / 3 and, after s1, 2 s2 >= B - s1 - 3m.
 * Requires 0 <= sigma <= 3 count.
 */
export function drawSingularValues(count: number, sigma: number, rng: Rng): [number, number][] {
  const values: [number, number][] = [];
  let budget = sigma;
  for (let k = 0; k < count; k++) {
    const left = count - 1 - k;
    const s1 = rng.uniform(Math.max(0, (budget - 3 * left) / 3), Math.min(1, budget));
    budget -= s1;
    let s2: number;
    if (left === 0) {
      // The last map takes the rest; s1 >= budget / 3 before it was
      // subtracted keeps s2 <= s1.
      s2 = Math.min(s1, Math.max(0, budget / 2));
    } else {
      s2 = rng.uniform(Math.max(0, (budget - 3 * left) / 2), Math.min(s1, budget / 2));
    }
    budget -= 2 * s2;
    values.push([s1, s2]);
  }
  return values;
}

/** Builds R(phi) D1 diag(s1, s2) R(theta) D2 with translation (e, f). */
function composeMap(s1: number, s2: number, rng: Rng): AffineMap {
  const phi = rng.uniform(0, 2 * Math.PI);
  const theta = rng.uniform(0, 2 * Math.PI);
  const d1 = rng.next() < 0.5 ? -1 : 1;
  const d2 = rng.next() < 0.5 ? -1 : 1;
  const cp = Math.cos(phi);
  const sp = Math.sin(phi);
  const ct = Math.cos(theta);
  const st = Math.sin(theta);
  // U = R(phi) diag(1, d1); V = R(theta) diag(1, d2); M = U diag(s1, s2) V.
  const u = [cp, -sp * d1, sp, cp * d1];
  const v = [ct, -st * d2, st, ct * d2];
  const us = [u[0] * s1, u[1] * s2, u[2] * s1, u[3] * s2];
  return [
    us[0] * v[0] + us[1] * v[2],
    us[0] * v[1] + us[1] * v[3],
    us[2] * v[0] + us[3] * v[2],
    us[2] * v[1] + us[3] * v[3],
    rng.uniform(-1, 1),
    rng.uniform(-1, 1),
  ];
}

function sampleCategory(spec: ImageSpec<FractalSvdOptions>, rng: Rng): FractalSvdParams {
  const o = spec.options;
  const game = new ChaosGame(CHECK_POINTS);
  for (let attempt = 1; attempt <= o.maxAttempts; attempt++) {
    const count = rng.int(o.minMaps, o.maxMaps);
    const sigma = rng.uniform((5 + count) / 2, (6 + count) / 2);
    const singularValues = drawSingularValues(count, sigma, rng);
    const maps = singularValues.map(([s1, s2]) => composeMap(s1, s2, rng));
    const system = { maps, probabilities: determinantProbabilities(maps) };
    // A zero singular value can flatten the attractor onto a line.
    if (game.run(system, CHECK_POINTS, rng) === null) continue;
    return { ...system, sigma, singularValues, attempts: attempt };
  }
  throw new InvalidCategoryError(
    `no system with a two-dimensional attractor in ${o.maxAttempts} attempts; raise options.maxAttempts`,
  );
}

function perturbCategory(
  base: FractalSvdParams,
  d: number,
  _spec: ImageSpec<FractalSvdOptions>,
  rng: Rng,
): FractalSvdParams {
  const maps = base.maps.map((map) => map.map((c) => perturbValue(c, d, rng, -Infinity, Infinity)) as AffineMap);
  return { ...base, maps, probabilities: determinantProbabilities(maps) };
}

class FractalSvdRenderer implements Renderer<FractalSvdParams> {
  private readonly game: ChaosGame;
  private readonly counts: Uint32Array;
  private readonly plasma: Float32Array;
  private readonly lut = new Uint8Array(256 * 3);
  /** Colour level per point count, for the counts most pixels have. */
  private readonly levels = new Uint8Array(LEVEL_TABLE_SIZE);

  constructor(private readonly spec: ImageSpec<FractalSvdOptions>) {
    this.game = new ChaosGame(spec.points);
    this.counts = new Uint32Array(spec.size * spec.size);
    this.plasma = new Float32Array(spec.size * spec.size);
  }

  renderGroup(params: FractalSvdParams, _group: number, rng: Rng, out: Canvas[]): void {
    const { size, options: o } = this.spec;
    const canvas = out[0];
    this.paintBackground(canvas, rng);

    const fractals = rng.int(o.minFractals, o.maxFractals);
    for (let k = 0; k < fractals; k++) {
      let side = size;
      let left = 0;
      let top = 0;
      if (o.maxFractals > 1) {
        side = Math.max(4, Math.round(rng.uniform(o.minScale, o.maxScale) * size));
        left = rng.int(0, size - side);
        top = rng.int(0, size - side);
      }
      // Fewer points for a smaller copy keep its density as in a full render.
      const share = (side / size) ** 2;
      const points = Math.max(1000, Math.min(this.spec.points, Math.round(this.spec.points * share)));
      const bounds = this.game.run(params, points, rng);
      if (bounds === null) {
        throw new InvalidCategoryError("the system collapsed to a line or diverged while rendering an instance");
      }
      this.drawFractal(canvas, points, bounds, left, top, side, rng);
    }
  }

  private paintBackground(canvas: Canvas, rng: Rng): void {
    const { size, options: o } = this.spec;
    if (o.background === "black") {
      canvas.data.fill(0);
      return;
    }
    diamondSquare(this.plasma, size, size, o.roughness, rng);
    // A dim two-colour gradient, so the fractal stays the brightest thing.
    const dark = hsvToRgb(rng.next(), rng.uniform(0.3, 1), rng.uniform(0, 0.2));
    const light = hsvToRgb(rng.next(), rng.uniform(0.3, 1), rng.uniform(0.25, 0.5));
    const palette = gradientPalette([dark, light]);
    const { data, channels } = canvas;
    for (let i = 0; i < size * size; i++) {
      const index = (this.plasma[i] * 255) | 0;
      if (channels === 1) {
        data[i] = (palette[3 * index] + palette[3 * index + 1] + palette[3 * index + 2]) / 3;
      } else {
        data[3 * i] = palette[3 * index];
        data[3 * i + 1] = palette[3 * index + 1];
        data[3 * i + 2] = palette[3 * index + 2];
      }
    }
  }

  /** Bins the points into a side x side box, keeping the aspect ratio, and colours by log density. */
  private drawFractal(canvas: Canvas, points: number, bounds: Bounds, left: number, top: number, side: number, rng: Rng): void {
    const { counts, lut } = this;
    const xy = this.game.points;
    const span = Math.max(bounds.maxX - bounds.minX, bounds.maxY - bounds.minY);
    const scale = (side - 1) / span;
    const offsetX = (side - 1 - (bounds.maxX - bounds.minX) * scale) / 2;
    const offsetY = (side - 1 - (bounds.maxY - bounds.minY) * scale) / 2;
    counts.fill(0, 0, side * side);
    let max = 0;
    for (let i = 0; i < points; i++) {
      const px = (offsetX + (xy[2 * i] - bounds.minX) * scale + 0.5) | 0;
      const py = (side - 1 - offsetY - (xy[2 * i + 1] - bounds.minY) * scale + 0.5) | 0;
      const at = py * side + px;
      const c = ++counts[at];
      if (c > max) max = c;
    }

    // Colour table over log density: hue shifted at random, brighter where denser.
    const hue = rng.next();
    for (let level = 0; level < 256; level++) {
      const t = level / 255;
      const [r, g, b] = hsvToRgb(hue + 0.35 * t, 0.9 - 0.4 * t, 0.45 + 0.55 * t);
      lut[3 * level] = r;
      lut[3 * level + 1] = g;
      lut[3 * level + 2] = b;
    }
    const norm = 255 / Math.log1p(max);
    const levels = this.levels;
    for (let c = 1; c < levels.length; c++) levels[c] = (Math.log1p(c) * norm) | 0;
    const { data, channels, width } = canvas;
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        const c = counts[y * side + x];
        if (c === 0) continue;
        const level = c < levels.length ? levels[c] : (Math.log1p(c) * norm) | 0;
        const at = (top + y) * width + left + x;
        if (channels === 1) {
          data[at] = 96 + ((159 * level) / 255) | 0;
        } else {
          data[3 * at] = lut[3 * level];
          data[3 * at + 1] = lut[3 * level + 1];
          data[3 * at + 2] = lut[3 * level + 2];
        }
      }
    }
  }
}

export const fractalSvd: Family<FractalSvdOptions, FractalSvdParams> = {
  name: "fractal-svd",
  summary: "Anderson and Farrell's fractals: SVD-built maps under the sigma factor, density colour, plasma",
  options: fractalSvdOptions,
  groupSize: 1,
  sampleCategory,
  perturbCategory,
  createRenderer: (spec) => new FractalSvdRenderer(spec),
};
