import type { Rng } from "../random/rng.js";
import type { Canvas } from "./canvas.js";

/** The extent of the cloud to scale onto the canvas. */
export interface PointBounds {
  minX: number;
  maxX: number;
  minY: number;
  maxY: number;
}

/** How points become pixels. */
export interface SplatStyle {
  /** Pixels kept free at each border, >= 0. Patches need >= 1. */
  padding: number;
  /**
   * Stamp a 3x3 patch per point whose pixels are on or off at random
   * (a non-empty mask, see MaskSource), instead of a single pixel. As in
   * the FractalDB reference renderer, each patch overwrites its whole
   * 3x3 block, off pixels included.
   */
  patch: boolean;
  /** Grey level 0..255 of a lit pixel on a 1-channel canvas. */
  intensity: number;
  /**
   * RGB colours, cycled by point index (point i takes colour
   * i % colours.length); used on 3-channel canvases.
   */
  palette: Uint8Array;
}

/**
 * Scales a point cloud per axis onto the canvas (min-max, y upwards) and
 * draws each point. `points` holds x0, y0, x1, y1, ...; the canvas is
 * cleared first. Draws random patch masks from `rng` when `style.patch`.
 */
export function splatPoints(
  points: Float64Array,
  count: number,
  bounds: PointBounds,
  canvas: Canvas,
  style: SplatStyle,
  rng: Rng,
): void {
  canvas.data.fill(0);
  const { width, height } = canvas;
  const pad = style.padding;
  const sx = (width - 1 - 2 * pad) / (bounds.maxX - bounds.minX);
  const sy = (height - 1 - 2 * pad) / (bounds.maxY - bounds.minY);
  // Pixel column = offsetX + x * sx; row counts down from the top.
  const offsetX = pad + 0.5 - bounds.minX * sx;
  const offsetY = height - 1 - pad + 0.5 + bounds.minY * sy;
  const transform: Transform = { sx, sy, offsetX, offsetY };

  if (canvas.channels === 1) {
    if (style.patch) patchGray(points, count, transform, canvas, style.intensity, rng);
    else pointsGray(points, count, transform, canvas, style.intensity);
  } else {
    if (style.patch) patchRgb(points, count, transform, canvas, style.palette, rng);
    else pointsRgb(points, count, transform, canvas, style.palette);
  }
}

interface Transform {
  sx: number;
  sy: number;
  offsetX: number;
  offsetY: number;
}

function pointsGray(
  points: Float64Array,
  count: number,
  { sx, sy, offsetX, offsetY }: Transform,
  canvas: Canvas,
  value: number,
): void {
  const { data, width } = canvas;
  for (let i = 0; i < count; i++) {
    const px = (offsetX + points[2 * i] * sx) | 0;
    const py = (offsetY - points[2 * i + 1] * sy) | 0;
    data[py * width + px] = value;
  }
}

function pointsRgb(
  points: Float64Array,
  count: number,
  { sx, sy, offsetX, offsetY }: Transform,
  canvas: Canvas,
  palette: Uint8Array,
): void {
  const { data, width } = canvas;
  const colours = palette.length / 3;
  for (let i = 0; i < count; i++) {
    const px = (offsetX + points[2 * i] * sx) | 0;
    const py = (offsetY - points[2 * i + 1] * sy) | 0;
    const at = 3 * (py * width + px);
    const c = 3 * (i % colours);
    data[at] = palette[c];
    data[at + 1] = palette[c + 1];
    data[at + 2] = palette[c + 2];
  }
}

/**
 * Random non-empty 3x3 masks, three from each 32-bit draw: 9 bits give
 * 0..511, and (bits % 511) + 1 maps them onto 1..511, the reference's
 * range, with mask 1 twice as likely as the others (1 in 256). The
 * xoshiro128** step is inlined, its state held in fields of this object.
 */
class MaskSource {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private pool = 0;
  private left = 0;

  constructor(private readonly rng: Rng) {
    this.s0 = rng.s0;
    this.s1 = rng.s1;
    this.s2 = rng.s2;
    this.s3 = rng.s3;
  }

  next(): number {
    if (this.left === 0) {
      const m = Math.imul(this.s1, 5);
      this.pool = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
      const t = this.s1 << 9;
      this.s2 ^= this.s0;
      this.s3 ^= this.s1;
      this.s1 ^= this.s2;
      this.s0 ^= this.s3;
      this.s2 ^= t;
      this.s3 = (this.s3 << 11) | (this.s3 >>> 21);
      this.left = 3;
    }
    const mask = this.pool & 511 || 1;
    this.pool >>>= 9;
    this.left--;
    return mask;
  }

  /** Writes the advanced state back, so later draws continue the stream. */
  finish(): void {
    this.rng.s0 = this.s0;
    this.rng.s1 = this.s1;
    this.rng.s2 = this.s2;
    this.rng.s3 = this.s3;
  }
}

function patchGray(
  points: Float64Array,
  count: number,
  { sx, sy, offsetX, offsetY }: Transform,
  canvas: Canvas,
  value: number,
  rng: Rng,
): void {
  const { data, width: w } = canvas;
  const masks = new MaskSource(rng);
  for (let i = 0; i < count; i++) {
    const px = (offsetX + points[2 * i] * sx) | 0;
    const py = (offsetY - points[2 * i + 1] * sy) | 0;
    const mask = masks.next();
    // Bit b lights pixel (b % 3 - 1, floor(b / 3) - 1) around the point;
    // `value & -bit` is value or 0 without a branch.
    const top = (py - 1) * w + px;
    const mid = top + w;
    const bottom = mid + w;
    data[top - 1] = value & -(mask & 1);
    data[top] = value & -((mask >> 1) & 1);
    data[top + 1] = value & -((mask >> 2) & 1);
    data[mid - 1] = value & -((mask >> 3) & 1);
    data[mid] = value & -((mask >> 4) & 1);
    data[mid + 1] = value & -((mask >> 5) & 1);
    data[bottom - 1] = value & -((mask >> 6) & 1);
    data[bottom] = value & -((mask >> 7) & 1);
    data[bottom + 1] = value & -((mask >> 8) & 1);
  }
  masks.finish();
}

function patchRgb(
  points: Float64Array,
  count: number,
  { sx, sy, offsetX, offsetY }: Transform,
  canvas: Canvas,
  palette: Uint8Array,
  rng: Rng,
): void {
  const { data, width: w } = canvas;
  const colours = palette.length / 3;
  const masks = new MaskSource(rng);
  for (let i = 0; i < count; i++) {
    const px = (offsetX + points[2 * i] * sx) | 0;
    const py = (offsetY - points[2 * i + 1] * sy) | 0;
    const mask = masks.next();
    const c = 3 * (i % colours);
    const r = palette[c];
    const g = palette[c + 1];
    const b = palette[c + 2];
    for (let bit = 0; bit < 9; bit++) {
      const on = -((mask >> bit) & 1);
      const at = 3 * ((py + ((bit / 3) | 0) - 1) * w + px + (bit % 3) - 1);
      data[at] = r & on;
      data[at + 1] = g & on;
      data[at + 2] = b & on;
    }
  }
  masks.finish();
}
