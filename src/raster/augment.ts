/**
 * Image-level augmentations baked into the files, in the manner of the
 * albumentations transforms that FDSL papers train with: flips,
 * shift-scale-rotate, brightness/contrast and hue/saturation. Each one
 * is applied with its own probability and draws only from the stream
 * it is given. A pixel shuffle, which no paper trains with, makes
 * degraded control datasets for evaluation.
 */
import { z } from "zod";
import type { Rng } from "../random/rng.js";
import type { Canvas } from "./canvas.js";
import { hsvToRgb, rgbToHsv } from "./colour.js";

const probability = (what: string) =>
  z.number().min(0).max(1).default(0).describe(`probability of ${what} per image`);

export const augmentSchema = z
  .object({
    horizontalFlip: probability("a left-right flip"),
    verticalFlip: probability("a top-bottom flip"),
    shiftScaleRotate: z
      .object({
        p: probability("an affine warp"),
        shift: z.number().min(0).max(1).default(0.0625)
          .describe("greatest shift per axis, as a fraction of the image side"),
        scale: z.number().min(0).max(0.9).default(0.1)
          .describe("zoom factor is uniform in [1 - scale, 1 + scale]"),
        rotate: z.number().min(0).max(180).default(45)
          .describe("greatest rotation, in degrees"),
      })
      .strict()
      .default({ p: 0, shift: 0.0625, scale: 0.1, rotate: 45 }),
    brightnessContrast: z
      .object({
        p: probability("a brightness and contrast change"),
        brightness: z.number().min(0).max(1).default(0.2)
          .describe("greatest brightness offset, as a fraction of 255"),
        contrast: z.number().min(0).max(1).default(0.2)
          .describe("contrast factor is uniform in [1 - contrast, 1 + contrast]"),
      })
      .strict()
      .default({ p: 0, brightness: 0.2, contrast: 0.2 }),
    hueSaturation: z
      .object({
        p: probability("a hue and saturation change (RGB output only)"),
        hue: z.number().min(0).max(180).default(20)
          .describe("greatest hue rotation, in degrees"),
        saturation: z.number().min(0).max(1).default(0.3)
          .describe("saturation factor is uniform in [1 - saturation, 1 + saturation]"),
      })
      .strict()
      .default({ p: 0, hue: 20, saturation: 0.3 }),
    shufflePixels: probability(
      "moving every pixel to a random place: keeps the intensity histogram, destroys all shape (a degraded control)",
    ),
  })
  .strict();

export type AugmentOptions = z.output<typeof augmentSchema>;

/** Returns whether any augmentation can fire. */
export function augmentEnabled(o: AugmentOptions): boolean {
  return (
    o.horizontalFlip > 0 ||
    o.verticalFlip > 0 ||
    o.shiftScaleRotate.p > 0 ||
    o.brightnessContrast.p > 0 ||
    o.hueSaturation.p > 0 ||
    o.shufflePixels > 0
  );
}

/**
 * Applies the augmentations in a fixed order (flips, warp, brightness
 * and contrast, hue and saturation), in place. Every probability draw
 * is made whether or not the previous ones fired, so the stream stays
 * aligned. `scratch` must hold at least width * height * channels bytes.
 */
export function augment(canvas: Canvas, o: AugmentOptions, rng: Rng, scratch: Uint8Array): void {
  if (rng.next() < o.horizontalFlip) mirror(canvas, true);
  if (rng.next() < o.verticalFlip) mirror(canvas, false);

  const warp = o.shiftScaleRotate;
  const warpDraws = [rng.next(), rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-1, 1)];
  if (warpDraws[0] < warp.p) {
    const dx = warpDraws[1] * warp.shift * canvas.width;
    const dy = warpDraws[2] * warp.shift * canvas.height;
    const zoom = 1 + warpDraws[3] * warp.scale;
    const angle = (warpDraws[4] * warp.rotate * Math.PI) / 180;
    warpAffine(canvas, dx, dy, zoom, angle, scratch);
  }

  const bc = o.brightnessContrast;
  const bcDraws = [rng.next(), rng.uniform(-1, 1), rng.uniform(-1, 1)];
  if (bcDraws[0] < bc.p) {
    const alpha = 1 + bcDraws[2] * bc.contrast;
    const beta = bcDraws[1] * bc.brightness * 255;
    const { data } = canvas;
    for (let i = 0; i < data.length; i++) data[i] = clampByte(data[i] * alpha + beta);
  }

  const hs = o.hueSaturation;
  const hsDraws = [rng.next(), rng.uniform(-1, 1), rng.uniform(-1, 1)];
  if (hsDraws[0] < hs.p && canvas.channels === 3) {
    shiftHueSaturation(canvas, (hsDraws[1] * hs.hue) / 360, 1 + hsDraws[2] * hs.saturation);
  }

  // Drawn last, so recipes without a shuffle keep the bytes they had before it existed.
  if (rng.next() < o.shufflePixels) shufflePixels(canvas, rng);
}

/** Permutes the pixels (all channels of a pixel move together) with a Fisher-Yates shuffle. */
function shufflePixels(canvas: Canvas, rng: Rng): void {
  const { channels, data } = canvas;
  for (let i = canvas.width * canvas.height - 1; i > 0; i--) {
    const j = rng.int(0, i);
    for (let c = 0; c < channels; c++) {
      const t = data[i * channels + c];
      data[i * channels + c] = data[j * channels + c];
      data[j * channels + c] = t;
    }
  }
}

function clampByte(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}

function mirror(canvas: Canvas, horizontal: boolean): void {
  const { width, height, channels, data } = canvas;
  const stride = width * channels;
  if (!horizontal) {
    const row = new Uint8Array(stride);
    for (let y = 0; y < height >> 1; y++) {
      const top = data.subarray(y * stride, (y + 1) * stride);
      const bottom = data.subarray((height - 1 - y) * stride, (height - y) * stride);
      row.set(top);
      top.set(bottom);
      bottom.set(row);
    }
    return;
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width >> 1; x++) {
      const a = y * stride + x * channels;
      const b = y * stride + (width - 1 - x) * channels;
      for (let c = 0; c < channels; c++) {
        const t = data[a + c];
        data[a + c] = data[b + c];
        data[b + c] = t;
      }
    }
  }
}

/**
 * Rotates by `angle` and zooms by `zoom` about the image centre, then
 * shifts by (dx, dy) pixels, sampling bilinearly; pixels from outside
 * the source are black.
 */
function warpAffine(canvas: Canvas, dx: number, dy: number, zoom: number, angle: number, scratch: Uint8Array): void {
  const { width, height, channels, data } = canvas;
  const source = scratch.subarray(0, data.length);
  source.set(data);
  const cx = width / 2;
  const cy = height / 2;
  // Inverse map: output pixel -> source position.
  const cos = Math.cos(angle) / zoom;
  const sin = Math.sin(angle) / zoom;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const ox = x + 0.5 - cx - dx;
      const oy = y + 0.5 - cy - dy;
      const sx = cos * ox + sin * oy + cx - 0.5;
      const sy = -sin * ox + cos * oy + cy - 0.5;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      const at = (y * width + x) * channels;
      for (let c = 0; c < channels; c++) {
        const p00 = sample(source, width, height, channels, x0, y0, c);
        const p10 = sample(source, width, height, channels, x0 + 1, y0, c);
        const p01 = sample(source, width, height, channels, x0, y0 + 1, c);
        const p11 = sample(source, width, height, channels, x0 + 1, y0 + 1, c);
        const top = p00 + (p10 - p00) * fx;
        const bottom = p01 + (p11 - p01) * fx;
        data[at + c] = Math.round(top + (bottom - top) * fy);
      }
    }
  }
}

function sample(data: Uint8Array, width: number, height: number, channels: number, x: number, y: number, c: number): number {
  if (x < 0 || y < 0 || x >= width || y >= height) return 0;
  return data[(y * width + x) * channels + c];
}

function shiftHueSaturation(canvas: Canvas, hueShift: number, saturationFactor: number): void {
  const { data } = canvas;
  for (let i = 0; i < data.length; i += 3) {
    const [h, s, v] = rgbToHsv(data[i], data[i + 1], data[i + 2]);
    const [r, g, b] = hsvToRgb(h + hueShift, Math.min(1, s * saturationFactor), v);
    data[i] = r;
    data[i + 1] = g;
    data[i + 2] = b;
  }
}
