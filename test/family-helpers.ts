import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { PNG } from "pngjs";
import { expect } from "vitest";
import { PngEncoder } from "../src/encode/png.js";
import type { Family, ImageSpec } from "../src/families/family.js";
import { createCanvas, type Canvas, type Channels } from "../src/raster/canvas.js";
import { Stream, streamRng } from "../src/random/rng.js";

/** A spec with the family's defaults merged with `options`. */
export function specOf<O>(
  family: Family<O, unknown>,
  options: Record<string, unknown> = {},
  size = 32,
  channels: Channels = 1,
  points = 5000,
): ImageSpec<O> {
  return { size, channels, points, options: family.options.parse(options) };
}

export function sampleOf<O, P>(family: Family<O, P>, spec: ImageSpec<O>, seed: number, category: number): P {
  return family.sampleCategory(spec, streamRng(seed, Stream.Category, category));
}

/** Renders instance group `group` of a category with a fresh renderer. */
export function renderOf<O, P>(family: Family<O, P>, spec: ImageSpec<O>, params: P, group = 0, seed = 0): Canvas[] {
  const out = Array.from({ length: family.groupSize }, () => createCanvas(spec.size, spec.size, spec.channels));
  family.createRenderer(spec).renderGroup(params, group, streamRng(seed, Stream.Instance, 0, group), out);
  return out;
}

/** Counts of each byte value and the share of the most common one. */
export function histogram(canvas: Canvas): { distinct: number; modeShare: number; max: number; min: number } {
  const counts = new Uint32Array(256);
  for (const v of canvas.data) counts[v]++;
  let distinct = 0;
  let mode = 0;
  let min = 255;
  let max = 0;
  for (let v = 0; v < 256; v++) {
    if (counts[v] === 0) continue;
    distinct++;
    mode = Math.max(mode, counts[v]);
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  return { distinct, modeShare: mode / canvas.data.length, max, min };
}

/** Asserts that parameters survive a JSON round trip with every number finite. */
export function expectFiniteJson(params: unknown): void {
  const text = JSON.stringify(params);
  expect(text).not.toMatch(/null|NaN|Infinity/);
  expect(JSON.parse(text)).toEqual(params);
}

/**
 * Compares a canvas with a golden PNG in test/golden; FDSL_UPDATE_GOLDEN=1
 * rewrites the file after an intended change.
 */
export function expectGolden(name: string, canvas: Canvas): void {
  const path = new URL(`golden/${name}.png`, import.meta.url);
  if (process.env.FDSL_UPDATE_GOLDEN === "1") writeFileSync(path, new PngEncoder().encode(canvas));
  expect(existsSync(path), `missing ${name}.png; run with FDSL_UPDATE_GOLDEN=1`).toBe(true);
  const golden = PNG.sync.read(readFileSync(path));
  const { width, height, channels } = canvas;
  expect([golden.width, golden.height]).toEqual([width, height]);
  const expected = Buffer.alloc(width * height * channels);
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < channels; c++) expected[p * channels + c] = golden.data[p * 4 + c];
  }
  expect(Buffer.compare(Buffer.from(canvas.data), expected)).toBe(0);
}
