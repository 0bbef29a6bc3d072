/**
 * FractalDB (Kataoka et al., ACCV 2020; IJCV 2022): each category is a
 * random iterated function system of 2..7 affine maps, kept when its
 * chaos-game render fills enough of the image.
 *
 * Instance i of a category is made as follows (the reference method,
 * indexed so that any instance can be made alone):
 *   group   = floor(i / 4)           (one chaos-game render, own stream)
 *   flip    = i % 4                  (none, horizontal, vertical, both)
 *   variant = variants[group % V]    (weight variant, see WEIGHT_VARIANTS)
 * where `variants` lists the V usable variants of the category (all 25
 * when none diverges). With V = 25, 1000 instances are 25 variants x 10
 * renders x 4 flips, as published; 100 instances are the 25 variants x
 * 4 flips; fewer instances take the first variants in order.
 */
import { z } from "zod";
import { createCanvas, FLIPS, flipInto, fillingRate, type Canvas } from "../raster/canvas.js";
import { hueCycle } from "../raster/colour.js";
import { splatPoints, type SplatStyle } from "../raster/points.js";
import type { Rng } from "../random/rng.js";
import { InvalidCategoryError } from "../errors.js";
import type { Family, ImageSpec, Renderer } from "./family.js";
import {
  ChaosGame,
  determinantProbabilities,
  type AffineMap,
  type IteratedFunctionSystem,
} from "./ifs.js";

/** Factors applied to one coefficient at a time, from the reference CSV. */
const WEIGHT_FACTORS = [0.2, 0.6, 1.4, 1.8];

/** Variant 0 keeps the system; variant 1 + 4c + f scales coefficient c by factor f. */
export const WEIGHT_VARIANTS = 1 + 6 * WEIGHT_FACTORS.length;

export const fractalOptions = z
  .object({
    minMaps: z.number().int().min(1).max(255).default(2)
      .describe("fewest affine maps per system"),
    maxMaps: z.number().int().min(1).max(255).default(7)
      .describe("most affine maps per system (the paper: 8, its code: 7)"),
    fillingRate: z.number().min(0).max(1).default(0.2)
      .describe("least share of lit pixels in the search render for a category to be kept"),
    variantFillingRate: z.number().min(0).max(1).default(0.02)
      .describe("least filling rate of a weight variant for its use in instances"),
    searchSize: z.number().int().min(16).max(4096).default(512)
      .describe("search render size in pixels"),
    searchPoints: z.number().int().min(100).max(10_000_000).default(100_000)
      .describe("search render point count"),
    maxAttempts: z.number().int().min(1).default(100_000)
      .describe("candidate systems tried per category before giving up"),
    patch: z.boolean().default(true)
      .describe("stamp a random 3x3 patch per point instead of one pixel"),
    padding: z.number().min(0).max(0.25).default(6 / 362)
      .describe("border kept free, as a fraction of the image size"),
    intensity: z.number().int().min(1).max(255).default(127)
      .describe("grey level of lit pixels in grayscale output"),
  })
  .strict()
  .refine((o) => o.minMaps <= o.maxMaps, {
    message: "minMaps must not exceed maxMaps",
    path: ["minMaps"],
  });

export type FractalOptions = z.infer<typeof fractalOptions>;

/** A category: one iterated function system and how it was found. */
export interface FractalParams extends IteratedFunctionSystem {
  /** Filling rate of the search render that accepted it. */
  fillingRate: number;
  /**
   * The weight variants (0..24, 0 first) whose search render stayed
   * finite and reached `variantFillingRate`; instance groups cycle
   * through these, so no instance is blank.
   */
  variants: number[];
  /** Candidates drawn for this category, the accepted one included. */
  attempts: number;
}

/** Returns the system of weight variant `variant` (0..24). */
export function weightVariant(system: IteratedFunctionSystem, variant: number): IteratedFunctionSystem {
  if (variant === 0) return system;
  const coefficient = Math.floor((variant - 1) / WEIGHT_FACTORS.length);
  const factor = WEIGHT_FACTORS[(variant - 1) % WEIGHT_FACTORS.length];
  const maps = system.maps.map((map) => {
    const scaled = map.slice() as AffineMap;
    scaled[coefficient] *= factor;
    return scaled;
  });
  return { maps, probabilities: system.probabilities };
}

/** Draws a candidate: N maps, coefficients uniform in [-1, 1], p ~ |det|. */
function drawSystem(options: FractalOptions, rng: Rng): IteratedFunctionSystem {
  const count = rng.int(options.minMaps, options.maxMaps);
  const maps: AffineMap[] = [];
  for (let j = 0; j < count; j++) {
    const map = [0, 0, 0, 0, 0, 0] as AffineMap;
    for (let c = 0; c < 6; c++) map[c] = rng.uniform(-1, 1);
    maps.push(map);
  }
  return { maps, probabilities: determinantProbabilities(maps) };
}

/** Renders a system with 1-pixel points; returns its filling rate, 0 if it diverged. */
function searchFillingRate(
  system: IteratedFunctionSystem,
  game: ChaosGame,
  canvas: Canvas,
  style: SplatStyle,
  points: number,
  rng: Rng,
): number {
  const bounds = game.run(system, points, rng);
  if (bounds === null) return 0;
  splatPoints(game.points, points, bounds, canvas, style, rng);
  return fillingRate(canvas);
}

/**
 * The search's point buffer and canvas, kept per thread: allocating them
 * per category (1.9 MB at the defaults) left hundreds of MB of garbage
 * typed arrays waiting for the collector in a 10k-category run.
 */
let scratch: { game: ChaosGame; canvas: Canvas } | undefined;

function searchScratch(points: number, size: number): { game: ChaosGame; canvas: Canvas } {
  if (scratch === undefined || scratch.game.capacity !== points || scratch.canvas.width !== size) {
    scratch = { game: new ChaosGame(points), canvas: createCanvas(size, size, 1) };
  }
  return scratch;
}

function sampleCategory(spec: ImageSpec<FractalOptions>, rng: Rng): FractalParams {
  const o = spec.options;
  const { game, canvas } = searchScratch(variantPoints(spec), o.searchSize);
  // The reference search: 1-pixel points, 6 px border at 512 px.
  const style: SplatStyle = {
    padding: Math.round((6 / 512) * o.searchSize),
    patch: false,
    intensity: 255,
    palette: new Uint8Array(3),
  };

  for (let attempt = 1; attempt <= o.maxAttempts; attempt++) {
    const system = drawSystem(o, rng);
    const rate = searchFillingRate(system, game, canvas, style, o.searchPoints, rng);
    if (rate < o.fillingRate) continue;
    const variants = usableVariants(system, game, canvas, style, spec, rng);
    return { ...system, fillingRate: rate, variants, attempts: attempt };
  }
  throw new InvalidCategoryError(
    `no iterated function system reached filling rate ${o.fillingRate} ` +
      `in ${o.maxAttempts} attempts; lower options.fillingRate or raise options.maxAttempts`,
  );
}

/**
 * Lists the weight variants that stay finite and draw more than a speck.
 * Scaling one coefficient by 1.4 or 1.8 often makes a map expanding: in
 * 60 accepted systems, 18 to 24 of the 24 variants held at filling rate
 * 0.01. The reference renderer drops NaN points and renders the rest,
 * which gives near-blank images; these variants are skipped instead.
 */
function usableVariants(
  system: IteratedFunctionSystem,
  game: ChaosGame,
  canvas: Canvas,
  style: SplatStyle,
  spec: ImageSpec<FractalOptions>,
  rng: Rng,
): number[] {
  const variants = [0];
  const points = variantPoints(spec);
  for (let v = 1; v < WEIGHT_VARIANTS; v++) {
    const variant = weightVariant(system, v);
    const rate = searchFillingRate(variant, game, canvas, style, points, rng);
    if (rate >= spec.options.variantFillingRate) variants.push(v);
  }
  return variants;
}

/**
 * Points of the variant check: at least the render's, because a slowly
 * expanding variant can stay finite for 10k points and overflow by 100k.
 * NOTE: a variant on the edge of contraction may still diverge on
 * another random stream; the render then stops with an error rather than
 * write a blank image.
 */
function variantPoints(spec: ImageSpec<FractalOptions>): number {
  return Math.max(spec.options.searchPoints, spec.points);
}

/**
 * Derives a 1p-frac category: every coefficient of the base system times
 * its own factor in [1 - d, 1 + d], probabilities from the new
 * determinants, and the usable weight variants found again. The
 * filling-rate threshold is not applied, since categories must stay
 * close to the base; the search render still supplies `fillingRate`.
 */
function perturbCategory(base: FractalParams, d: number, spec: ImageSpec<FractalOptions>, rng: Rng): FractalParams {
  const o = spec.options;
  const maps = base.maps.map((map) => map.map((c) => c * rng.uniform(1 - d, 1 + d)) as AffineMap);
  const system = { maps, probabilities: determinantProbabilities(maps) };
  const { game, canvas } = searchScratch(variantPoints(spec), o.searchSize);
  const style: SplatStyle = {
    padding: Math.round((6 / 512) * o.searchSize),
    patch: false,
    intensity: 255,
    palette: new Uint8Array(3),
  };
  const rate = searchFillingRate(system, game, canvas, style, o.searchPoints, rng);
  if (rate === 0) {
    throw new InvalidCategoryError(
      `the perturbed system diverged (d = ${d}); lower the recipe's perturbation or choose another seed`,
    );
  }
  const variants = usableVariants(system, game, canvas, style, spec, rng);
  return { ...system, fillingRate: rate, variants, attempts: 1 };
}

class FractalRenderer implements Renderer<FractalParams> {
  private readonly game: ChaosGame;
  private readonly canvas: Canvas;
  private readonly style: SplatStyle;

  constructor(private readonly spec: ImageSpec<FractalOptions>) {
    const { size, channels, points, options } = spec;
    this.game = new ChaosGame(points);
    this.canvas = createCanvas(size, size, channels);
    // A patch reaches 1 px around its point, and the greyscale patch
    // kernel touches one more pixel to the right (see raster/points.ts).
    const minPadding = options.patch ? 2 : 0;
    this.style = {
      padding: Math.max(minPadding, Math.round(options.padding * size)),
      patch: options.patch,
      intensity: options.intensity,
      palette: hueCycle(128, 0.75, 0.75),
    };
  }

  renderGroup(params: FractalParams, group: number, rng: Rng, out: Canvas[]): void {
    const variant = params.variants[group % params.variants.length];
    const system = weightVariant(params, variant);
    const { points } = this.spec;
    const bounds = this.game.run(system, points, rng);
    if (bounds === null) {
      // The category search rendered this variant finite; a stream that
      // still diverges is reported, never written as a blank image.
      throw new InvalidCategoryError(
        `weight variant ${variant} diverged while rendering instance group ${group}`,
      );
    }
    splatPoints(this.game.points, points, bounds, this.canvas, this.style, rng);
    for (let f = 0; f < out.length; f++) flipInto(this.canvas, out[f], FLIPS[f]);
  }
}

export const fractal: Family<FractalOptions, FractalParams> = {
  name: "fractal",
  summary: "FractalDB: random 2D iterated function systems, chaos game, 3x3 patches, 4 flips",
  options: fractalOptions,
  groupSize: FLIPS.length,
  sampleCategory,
  perturbCategory,
  createRenderer: (spec) => new FractalRenderer(spec),
};
