import { describe, expect, it } from "vitest";
import { fft, fft2 } from "../src/raster/fft.js";
import { createFloatImage, PolylineScratch, strokeClosedPolyline, strokeSegment } from "../src/raster/lines.js";
import { perlin1 } from "../src/raster/perlin.js";
import { diamondSquare } from "../src/raster/plasma.js";
import { gradientPalette, hsvToRgb, rgbToHsv } from "../src/raster/colour.js";
import { Rng } from "../src/random/rng.js";

function ink(data: Float32Array): number {
  return data.reduce((sum, v) => sum + v, 0) / 255;
}

describe("strokeSegment", () => {
  it("covers length x width pixels of ink", () => {
    for (const width of [1, 2, 4]) {
      const image = createFloatImage(64, 64);
      strokeSegment(image, 10, 32, 50, 32, width, 255);
      // Round caps add a disc of the same width: pi (w/2)^2.
      const expected = 40 * width + Math.PI * (width / 2) ** 2;
      expect(Math.abs(ink(image.data) - expected) / expected).toBeLessThan(0.08);
    }
  });

  it("draws a thin stroke with ink in proportion to its width", () => {
    const image = createFloatImage(64, 64);
    strokeSegment(image, 10, 32.3, 50, 32.3, 0.25, 255);
    expect(Math.abs(ink(image.data) / 40 - 0.25)).toBeLessThan(0.03);
  });

  it("fully covers pixels on the centre line of a wide stroke", () => {
    const image = createFloatImage(32, 32);
    strokeSegment(image, 4, 16, 28, 16, 3, 200);
    for (let x = 6; x < 26; x++) expect(image.data[16 * 32 + x]).toBeCloseTo(200, 3);
    expect(image.data[10 * 32 + 16]).toBe(0);
  });

  it("draws nothing for non-finite or off-image segments", () => {
    const image = createFloatImage(16, 16);
    strokeSegment(image, NaN, 3, 8, 8, 1, 255);
    strokeSegment(image, 2, 3, Infinity, 8, 1, 255);
    strokeSegment(image, -50, -50, -40, -45, 1, 255);
    expect(ink(image.data)).toBe(0);
  });
});

describe("strokeClosedPolyline", () => {
  it("covers a two-point polyline exactly as strokeSegment covers its segment", () => {
    const rng = new Rng(11, 12, 13, 14);
    const scratch = new PolylineScratch(24, 24);
    for (let trial = 0; trial < 500; trial++) {
      const width = [0.3, 1, 1.7, 3][trial % 4];
      const x0 = rng.uniform(-4, 28);
      const y0 = rng.uniform(-4, 28);
      // Mostly short segments, with axis-parallel and zero-length cases.
      let x1 = trial % 7 === 0 ? x0 : x0 + rng.uniform(-6, 6);
      const y1 = trial % 5 === 0 ? y0 : y0 + rng.uniform(-6, 6);
      // Points closer than 0.5 px are merged by design; keep them apart.
      if (Math.hypot(x1 - x0, y1 - y0) < 0.5) x1 = x0 + 0.75;
      const expected = createFloatImage(24, 24);
      strokeSegment(expected, x0, y0, x1, y1, width, 200);
      const actual = createFloatImage(24, 24);
      strokeClosedPolyline(actual, Float64Array.of(x0, x1), Float64Array.of(y0, y1), 2, width, 200, scratch);
      for (let i = 0; i < 24 * 24; i++) expect(actual.data[i]).toBeCloseTo(expected.data[i], 3);
    }
  });

  it("blends pixels shared by consecutive segments once", () => {
    // A square traced with many short steps: its straight edges must not
    // come out darker than a single segment along the same edge.
    const xs: number[] = [];
    const ys: number[] = [];
    for (let i = 0; i < 40; i++) xs.push(4 + i * 0.5), ys.push(4);
    for (let i = 0; i < 40; i++) xs.push(24), ys.push(4 + i * 0.5);
    for (let i = 0; i < 40; i++) xs.push(24 - i * 0.5), ys.push(24);
    for (let i = 0; i < 40; i++) xs.push(4), ys.push(24 - i * 0.5);
    const image = createFloatImage(32, 32);
    strokeClosedPolyline(image, Float64Array.from(xs), Float64Array.from(ys), xs.length, 1, 100, new PolylineScratch(32, 32));
    const single = createFloatImage(32, 32);
    strokeSegment(single, 4, 4, 24, 4, 1, 100);
    for (let x = 6; x < 22; x++) {
      expect(image.data[3 * 32 + x]).toBeCloseTo(single.data[3 * 32 + x], 3);
      expect(image.data[4 * 32 + x]).toBeCloseTo(single.data[4 * 32 + x], 3);
    }
  });
});

describe("perlin1", () => {
  it("is zero at integers, bounded and continuous", () => {
    let max = 0;
    for (let i = 0; i < 300; i++) expect(Math.abs(perlin1(i))).toBe(0);
    for (let x = 0; x < 300; x += 0.01) {
      max = Math.max(max, Math.abs(perlin1(x)));
      expect(Math.abs(perlin1(x + 1e-4) - perlin1(x))).toBeLessThan(1e-3);
    }
    expect(max).toBeLessThanOrEqual(1);
    expect(max).toBeGreaterThan(0.3);
  });
});

describe("diamondSquare", () => {
  it("fills [0, 1] with both ends reached", () => {
    const out = new Float32Array(100 * 60);
    diamondSquare(out, 100, 60, 0.5, new Rng(1, 2, 3, 4));
    expect(Math.min(...out)).toBe(0);
    expect(Math.max(...out)).toBeCloseTo(1, 6);
  });
});

describe("fft", () => {
  it("inverts with a factor n", () => {
    const rng = new Rng(5, 6, 7, 8);
    const re = Float64Array.from({ length: 64 }, () => rng.next());
    const im = Float64Array.from({ length: 64 }, () => rng.next());
    const [re0, im0] = [re.slice(), im.slice()];
    fft(re, im, 64, 0, 1, false);
    fft(re, im, 64, 0, 1, true);
    for (let i = 0; i < 64; i++) {
      expect(re[i] / 64).toBeCloseTo(re0[i], 10);
      expect(im[i] / 64).toBeCloseTo(im0[i], 10);
    }
  });

  it("transforms a 2D impulse to a constant", () => {
    const re = new Float64Array(16 * 16);
    const im = new Float64Array(16 * 16);
    re[0] = 1;
    fft2(re, im, 16, false);
    for (let i = 0; i < 256; i++) {
      expect(re[i]).toBeCloseTo(1, 12);
      expect(im[i]).toBeCloseTo(0, 12);
    }
  });
});

describe("colour helpers", () => {
  it("round-trips HSV", () => {
    for (const rgb of [[255, 0, 0], [10, 200, 90], [128, 128, 128], [0, 0, 0]] as const) {
      const [h, s, v] = rgbToHsv(...rgb);
      expect(hsvToRgb(h, s, v)).toEqual([...rgb]);
    }
  });

  it("interpolates palette stops", () => {
    const table = gradientPalette([[0, 0, 0], [255, 255, 255]]);
    expect([...table.subarray(0, 3)]).toEqual([0, 0, 0]);
    expect([...table.subarray(765, 768)]).toEqual([255, 255, 255]);
    expect(table[3 * 128]).toBe(128);
  });
});
