/**
 * Procedural noise images after Baradad et al., "Learning to See by
 * Looking at Noise" (NeurIPS 2021): dead leaves and spectral noise.
 *
 * Dead leaves: shapes (discs or rotated squares) with radii of density
 * proportional to r^-3 between minRadius and maxRadius are dropped at
 * uniform positions, each one behind all earlier ones, until every pixel
 * is covered. Spectral noise: random phases with amplitude 1 / f^alpha,
 * alpha in [0.5, 3.5], transformed back to the image plane.
 *
 * A category fixes the kind, the shape or alpha, and a colour palette
 * of 3 random colours blended linearly. An instance draws new leaves or
 * new phases. Greyscale output uses the palette's mean of R, G and B.
 */
import { z } from "zod";
import type { Canvas } from "../raster/canvas.js";
import { gradientPalette, hsvToRgb } from "../raster/colour.js";
import { fft2, nextPowerOfTwo } from "../raster/fft.js";
import type { Rng } from "../random/rng.js";
import type { Family, ImageSpec, Renderer } from "./family.js";
import { orderedPair, perturbValue } from "./perturb.js";

export const NOISE_KINDS = ["dead-leaves", "spectral"] as const;
export const LEAF_SHAPES = ["disc", "square", "mixed"] as const;

type Shape = { minAlpha: number; maxAlpha: number; minRadius: number; maxRadius: number };

export const noiseOptions = z
  .object({
    kinds: z.array(z.enum(NOISE_KINDS)).min(1).default([...NOISE_KINDS])
      .describe("kinds a category is drawn from, with equal chance"),
    minAlpha: z.number().min(0).max(5).default(0.5)
      .describe("least spectral exponent alpha"),
    maxAlpha: z.number().min(0).max(5).default(3.5)
      .describe("greatest spectral exponent alpha"),
    minRadius: z.number().min(0.002).max(1).default(0.02)
      .describe("least leaf radius, as a fraction of the image side"),
    maxRadius: z.number().min(0.002).max(1).default(0.5)
      .describe("greatest leaf radius, as a fraction of the image side"),
    maxLeaves: z.number().int().min(1).max(10_000_000).default(200_000)
      .describe("leaves dropped at most; pixels still bare are left in the first palette colour"),
  })
  .strict()
  .refine(...orderedPair<Shape>("minAlpha", "maxAlpha"))
  .refine(...orderedPair<Shape>("minRadius", "maxRadius"));

export type NoiseOptions = z.infer<typeof noiseOptions>;

type Rgb = [number, number, number];

export type NoiseParams =
  | { kind: "dead-leaves"; shape: (typeof LEAF_SHAPES)[number]; palette: Rgb[] }
  | { kind: "spectral"; alpha: number; palette: Rgb[] };

function drawPalette(rng: Rng): Rgb[] {
  return Array.from({ length: 3 }, () => hsvToRgb(rng.next(), rng.uniform(0.2, 1), rng.uniform(0.15, 1)));
}

function sampleCategory(spec: ImageSpec<NoiseOptions>, rng: Rng): NoiseParams {
  const o = spec.options;
  const kind = o.kinds[rng.int(0, o.kinds.length - 1)];
  if (kind === "dead-leaves") {
    const shape = LEAF_SHAPES[rng.int(0, LEAF_SHAPES.length - 1)];
    return { kind, shape, palette: drawPalette(rng) };
  }
  return { kind, alpha: rng.uniform(o.minAlpha, o.maxAlpha), palette: drawPalette(rng) };
}

function perturbCategory(base: NoiseParams, d: number, spec: ImageSpec<NoiseOptions>, rng: Rng): NoiseParams {
  const palette = base.palette.map((colour) => colour.map((c) => perturbValue(c, d, rng, 0, 255, true)) as Rgb);
  if (base.kind === "dead-leaves") return { ...base, palette };
  const { minAlpha, maxAlpha } = spec.options;
  return { ...base, alpha: perturbValue(base.alpha, d, rng, minAlpha, maxAlpha), palette };
}

/**
 * Maps u in [0, 1) to a radius with density proportional to r^-3 on
 * [minRadius, maxRadius], by the inverse of its CDF
 * F(r) = (minRadius^-2 - r^-2) / (minRadius^-2 - maxRadius^-2).
 */
export function leafRadius(u: number, minRadius: number, maxRadius: number): number {
  const a = minRadius ** -2;
  const b = maxRadius ** -2;
  return 1 / Math.sqrt(a - u * (a - b));
}

/** Random phases are multiples of 2 pi / 4096, looked up instead of computed. */
const PHASE_BITS = 12;
const PHASE_SHIFT = 32 - PHASE_BITS;
const PHASE_COS = Float64Array.from({ length: 1 << PHASE_BITS }, (_, k) => Math.cos((2 * Math.PI * k) / (1 << PHASE_BITS)));
const PHASE_SIN = Float64Array.from({ length: 1 << PHASE_BITS }, (_, k) => Math.sin((2 * Math.PI * k) / (1 << PHASE_BITS)));

/** Side of the coverage tiles that let late leaves skip covered areas. */
const TILE = 8;

class NoiseRenderer implements Renderer<NoiseParams> {
  private readonly covered: Uint8Array;
  private readonly tileBare: Int32Array;
  private readonly tiles: number;
  private readonly n: number;
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  /** log(f^2) per frequency cell, 0 at f = 0. */
  private readonly logFrequency: Float64Array;
  private readonly amplitude: Float64Array;
  private amplitudeAlpha = NaN;

  constructor(private readonly spec: ImageSpec<NoiseOptions>) {
    const { size } = spec;
    this.covered = new Uint8Array(size * size);
    this.tiles = Math.ceil(size / TILE);
    this.tileBare = new Int32Array(this.tiles * this.tiles);
    this.n = nextPowerOfTwo(size);
    this.re = new Float64Array(this.n * this.n);
    this.im = new Float64Array(this.n * this.n);
    this.amplitude = new Float64Array(this.n * this.n);
    const n = this.n;
    this.logFrequency = new Float64Array(n * n);
    for (let v = 0; v < n; v++) {
      const fv = v <= n / 2 ? v : v - n;
      for (let u = 0; u < n; u++) {
        const fu = u <= n / 2 ? u : u - n;
        this.logFrequency[v * n + u] = fu === 0 && fv === 0 ? 0 : Math.log(fu * fu + fv * fv);
      }
    }
  }

  renderGroup(params: NoiseParams, _group: number, rng: Rng, out: Canvas[]): void {
    const palette = gradientPalette(params.palette);
    if (params.kind === "dead-leaves") this.deadLeaves(params.shape, palette, rng, out[0]);
    else this.spectral(params.alpha, palette, rng, out[0]);
  }

  private deadLeaves(shape: (typeof LEAF_SHAPES)[number], palette: Uint8Array, rng: Rng, canvas: Canvas): void {
    const { size, options: o } = this.spec;
    const { covered, tileBare, tiles } = this;
    const { data, channels } = canvas;
    covered.fill(0);
    for (let ty = 0; ty < tiles; ty++) {
      for (let tx = 0; tx < tiles; tx++) {
        const w = Math.min(TILE, size - tx * TILE);
        const h = Math.min(TILE, size - ty * TILE);
        tileBare[ty * tiles + tx] = w * h;
      }
    }
    fillColour(data, channels, palette, 0);

    const minRadius = o.minRadius * size;
    const maxRadius = o.maxRadius * size;
    let bare = size * size;
    for (let leaf = 0; leaf < o.maxLeaves && bare > 0; leaf++) {
      const radius = leafRadius(rng.next(), minRadius, maxRadius);
      const cx = rng.next() * size;
      const cy = rng.next() * size;
      const colour = rng.int(0, 255);
      const square = shape === "square" || (shape === "mixed" && rng.next() < 0.5);
      const angle = square ? rng.next() * Math.PI : 0;
      const cos = Math.cos(angle);
      const sin = Math.sin(angle);
      // A rotated square of half side r reaches r sqrt(2) from its centre.
      const reach = square ? radius * Math.SQRT2 : radius;
      const x0 = Math.max(0, Math.floor(cx - reach));
      const x1 = Math.min(size - 1, Math.ceil(cx + reach));
      const y0 = Math.max(0, Math.floor(cy - reach));
      const y1 = Math.min(size - 1, Math.ceil(cy + reach));
      const r2 = radius * radius;

      for (let ty = Math.floor(y0 / TILE); ty <= Math.floor(y1 / TILE); ty++) {
        for (let tx = Math.floor(x0 / TILE); tx <= Math.floor(x1 / TILE); tx++) {
          const tile = ty * tiles + tx;
          if (tileBare[tile] === 0) continue;
          const yEnd = Math.min(y1, ty * TILE + TILE - 1);
          const xEnd = Math.min(x1, tx * TILE + TILE - 1);
          for (let y = Math.max(y0, ty * TILE); y <= yEnd; y++) {
            const dy = y + 0.5 - cy;
            for (let x = Math.max(x0, tx * TILE); x <= xEnd; x++) {
              const at = y * size + x;
              if (covered[at] !== 0) continue;
              const dx = x + 0.5 - cx;
              const inside = square
                ? Math.abs(dx * cos + dy * sin) <= radius && Math.abs(dy * cos - dx * sin) <= radius
                : dx * dx + dy * dy <= r2;
              if (!inside) continue;
              covered[at] = 1;
              tileBare[tile]--;
              bare--;
              writeColour(data, channels, palette, at, colour);
            }
          }
        }
      }
    }
  }

  private spectral(alpha: number, palette: Uint8Array, rng: Rng, canvas: Canvas): void {
    const { size } = this.spec;
    const { n, re, im } = this;
    const amplitude = this.amplitudes(alpha);
    for (let i = 0; i < n * n; i++) {
      const phase = rng.nextUint32() >>> PHASE_SHIFT;
      re[i] = amplitude[i] * PHASE_COS[phase];
      im[i] = amplitude[i] * PHASE_SIN[phase];
    }
    fft2(re, im, n, true);

    let min = Infinity;
    let max = -Infinity;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const v = re[y * n + x];
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
    const scale = max > min ? 255 / (max - min) : 0;
    const { data, channels } = canvas;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const level = ((re[y * n + x] - min) * scale + 0.5) | 0;
        writeColour(data, channels, palette, y * size + x, level);
      }
    }
  }

  /** Returns 1 / f^alpha = exp(-alpha / 2 log f^2) on the n x n frequency grid (0 at f = 0), cached per alpha. */
  private amplitudes(alpha: number): Float64Array {
    const { amplitude, logFrequency } = this;
    if (alpha === this.amplitudeAlpha) return amplitude;
    for (let i = 0; i < amplitude.length; i++) amplitude[i] = Math.exp(-0.5 * alpha * logFrequency[i]);
    amplitude[0] = 0;
    this.amplitudeAlpha = alpha;
    return amplitude;
  }
}

function writeColour(data: Uint8Array, channels: number, palette: Uint8Array, at: number, level: number): void {
  const p = 3 * level;
  if (channels === 1) {
    data[at] = (palette[p] + palette[p + 1] + palette[p + 2]) / 3;
    return;
  }
  data[3 * at] = palette[p];
  data[3 * at + 1] = palette[p + 1];
  data[3 * at + 2] = palette[p + 2];
}

function fillColour(data: Uint8Array, channels: number, palette: Uint8Array, level: number): void {
  const pixels = data.length / channels;
  for (let i = 0; i < pixels; i++) writeColour(data, channels, palette, i, level);
}

export const noise: Family<NoiseOptions, NoiseParams> = {
  name: "noise",
  summary: "Procedural noise: dead leaves (radius density ~ r^-3) and 1/f^alpha spectral noise, coloured",
  options: noiseOptions,
  groupSize: 1,
  sampleCategory,
  perturbCategory,
  createRenderer: (spec) => new NoiseRenderer(spec),
};
