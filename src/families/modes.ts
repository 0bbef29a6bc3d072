/**
 * Dataset modes that apply to every family:
 *   standard  each category drawn on its own, instances rendered apart;
 *   ofdb      One-instance FractalDB (Nakamura et al., ICCV 2023): every
 *             instance of a category is its instance 0, so variety comes
 *             only from augmentations (baked here, or at training time);
 *   1p-frac   (Nakamura et al., ECCV 2024): one base category per family,
 *             drawn once, and each category a perturbation of it with
 *             factors uniform in [1 - d, 1 + d] (d = 0.1 by default).
 * Baked augmentations (src/raster/augment.ts) combine with any mode;
 * instance i of category c draws them from stream (seed, Augment, c, i).
 */
import { z } from "zod";
import { augment, augmentEnabled, type AugmentOptions } from "../raster/augment.js";
import { createCanvas, type Canvas } from "../raster/canvas.js";
import { Stream, streamRng } from "../random/rng.js";
import type { Family, ImageSpec, Renderer } from "./family.js";

export const MODES = ["standard", "ofdb", "1p-frac"] as const;
export const modeSchema = z.enum(MODES);
export type Mode = z.infer<typeof modeSchema>;

/** The recipe fields that modes read. */
export interface ModeSettings {
  seed: number;
  mode: Mode;
  /** The 1p-frac perturbation d. */
  perturbation: number;
  augment: AugmentOptions;
}

/**
 * Draws the parameters of categories under a mode. Keeps the 1p-frac
 * base of each family once drawn, so create one per worker.
 */
export class CategorySampler {
  private readonly bases = new Map<string, unknown>();

  constructor(private readonly settings: ModeSettings) {}

  /**
   * Draws category `category` of `family`; `baseKey` tells the 1p-frac
   * bases of different families in one recipe apart.
   */
  sample<O>(family: Family<O, unknown>, spec: ImageSpec<O>, category: number, baseKey: number): unknown {
    const { seed, mode, perturbation } = this.settings;
    const rng = streamRng(seed, Stream.Category, category);
    if (mode !== "1p-frac") return family.sampleCategory(spec, rng);
    let base = this.bases.get(family.name);
    if (base === undefined) {
      base = family.sampleCategory(spec, streamRng(seed, Stream.Base, baseKey));
      this.bases.set(family.name, base);
    }
    return family.perturbCategory(base, perturbation, spec, rng);
  }
}

/**
 * Renders the instances of one family under a mode: the family's own
 * render, then the baked augmentations. Owns scratch buffers, so create
 * one per worker and family.
 */
export class InstanceRenderer<O = unknown> {
  private readonly renderer: Renderer<unknown>;
  private readonly scratch: Uint8Array;
  private readonly augmenting: boolean;

  constructor(
    private readonly family: Family<O, unknown>,
    spec: ImageSpec<O>,
    private readonly settings: ModeSettings,
  ) {
    this.renderer = family.createRenderer(spec);
    this.scratch = new Uint8Array(spec.size * spec.size * spec.channels);
    this.augmenting = augmentEnabled(settings.augment);
  }

  /** Allocates the canvases of one instance group. */
  createCanvases(spec: ImageSpec<O>): Canvas[] {
    return Array.from({ length: this.family.groupSize }, () => createCanvas(spec.size, spec.size, spec.channels));
  }

  /** Renders instance group `group` of category `category` into `out`. */
  render(params: unknown, category: number, group: number, out: Canvas[]): void {
    const { seed, mode } = this.settings;
    const source = mode === "ofdb" ? 0 : group;
    this.renderer.renderGroup(params, source, streamRng(seed, Stream.Instance, category, source), out);
    if (mode === "ofdb") {
      for (let k = 1; k < out.length; k++) out[k].data.set(out[0].data);
    }
    if (!this.augmenting) return;
    for (let k = 0; k < out.length; k++) {
      const instance = group * this.family.groupSize + k;
      augment(out[k], this.settings.augment, streamRng(seed, Stream.Augment, category, instance), this.scratch);
    }
  }
}
