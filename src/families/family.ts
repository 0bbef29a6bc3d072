import type { z } from "zod";
import type { Canvas, Channels } from "../raster/canvas.js";
import type { Rng } from "../random/rng.js";

/** The description of the images to make, given to every family. */
export interface ImageSpec<Options> {
  /** Width and height in pixels. */
  size: number;
  channels: Channels;
  /** Points per render, for point-cloud families; others ignore it. */
  points: number;
  /** The family's own options, already validated with defaults filled. */
  options: Options;
}

/**
 * Renders the instances of categories. Created once per worker, so it
 * may own scratch buffers that it reuses across calls.
 */
export interface Renderer<Params> {
  /**
   * Renders instance group `group` of a category into `out`, one canvas
   * per instance of the group (`groupSize` of them). Instance i belongs
   * to group floor(i / groupSize) at position i % groupSize.
   */
  renderGroup(params: Params, group: number, rng: Rng, out: Canvas[]): void;
}

/**
 * A formula family. Its functions are pure: the same inputs and the
 * same random stream give the same parameters and the same pixels.
 */
export interface Family<Options = unknown, Params = unknown> {
  /** The name recipes use, such as "fractal". */
  readonly name: string;
  /** One line for help text and the README. */
  readonly summary: string;
  /** Validates the family's recipe options and fills their defaults. */
  readonly options: z.ZodType<Options>;
  /** Instances made by one render (FractalDB: the 4 flips). */
  readonly groupSize: number;
  /**
   * Draws the parameters of one category from its own stream. Must
   * return JSON-serialisable data: the manifest stores it as is.
   * Throws when no acceptable category is found within the family's
   * attempt limit.
   */
  sampleCategory(spec: ImageSpec<Options>, rng: Rng): Params;
  createRenderer(spec: ImageSpec<Options>): Renderer<Params>;
  /**
   * Derives a category from `base` by multiplying each of its formula
   * parameters by its own factor uniform in [1 - d, 1 + d], the 1p-frac
   * construction (Nakamura et al., ECCV 2024). Integer parameters are
   * rounded and every parameter is clamped to its documented range.
   */
  perturbCategory(base: Params, d: number, spec: ImageSpec<Options>, rng: Rng): Params;
}
