import { describe, expect, it } from "vitest";
import { createCanvas, fillingRate, flipInto, type Canvas } from "../src/raster/canvas.js";
import { hsvToRgb, hueCycle } from "../src/raster/colour.js";
import { splatPoints, type SplatStyle } from "../src/raster/points.js";
import { Rng } from "../src/random/rng.js";

/** The patch splat written plainly: one pixel at a time, same random masks. */
function referencePatches(points: Float64Array, count: number, canvas: Canvas, style: SplatStyle, rng: Rng): void {
  const { width, height, data } = canvas;
  const [minX, maxX, minY, maxY] = bounds(points, count);
  const sx = (width - 1 - 2 * style.padding) / (maxX - minX);
  const sy = (height - 1 - 2 * style.padding) / (maxY - minY);
  data.fill(0);
  let pool = 0;
  let left = 0;
  for (let i = 0; i < count; i++) {
    const px = Math.floor(style.padding + 0.5 + (points[2 * i] - minX) * sx);
    const py = Math.floor(height - 1 - style.padding + 0.5 - (points[2 * i + 1] - minY) * sy);
    if (left === 0) {
      pool = rng.nextUint32();
      left = 3;
    }
    const mask = pool & 511 || 1;
    pool >>>= 9;
    left--;
    for (let bit = 0; bit < 9; bit++) {
      const x = px + (bit % 3) - 1;
      const y = py + Math.floor(bit / 3) - 1;
      data[y * width + x] = (mask >> bit) & 1 ? style.intensity : 0;
    }
  }
}

function bounds(points: Float64Array, count: number): [number, number, number, number] {
  let [minX, maxX, minY, maxY] = [Infinity, -Infinity, Infinity, -Infinity];
  for (let i = 0; i < count; i++) {
    minX = Math.min(minX, points[2 * i]);
    maxX = Math.max(maxX, points[2 * i]);
    minY = Math.min(minY, points[2 * i + 1]);
    maxY = Math.max(maxY, points[2 * i + 1]);
  }
  return [minX, maxX, minY, maxY];
}

function randomPoints(count: number, seed: number): Float64Array {
  const rng = new Rng(seed, 2, 3, 4);
  const points = new Float64Array(2 * count);
  for (let i = 0; i < points.length; i++) points[i] = rng.uniform(-3, 5);
  return points;
}

describe("splatPoints", () => {
  const style: SplatStyle = { padding: 2, patch: true, intensity: 127, palette: new Uint8Array(3) };

  it.each([[8, 50], [16, 300], [33, 2000], [256, 20_000]])("patches on %i px match the reference for %i points", (size, count) => {
    const points = randomPoints(count, size);
    const [minX, maxX, minY, maxY] = bounds(points, count);
    const fast = createCanvas(size, size, 1);
    const plain = createCanvas(size, size, 1);
    splatPoints(points, count, { minX, maxX, minY, maxY }, fast, style, new Rng(9, 8, 7, 6));
    referencePatches(points, count, plain, style, new Rng(9, 8, 7, 6));
    expect(Buffer.compare(Buffer.from(fast.data), Buffer.from(plain.data))).toBe(0);
  });

  it("leaves the random stream where the masks ended", () => {
    const points = randomPoints(10, 1);
    const [minX, maxX, minY, maxY] = bounds(points, 10);
    const rng = new Rng(1, 1, 1, 1);
    splatPoints(points, 10, { minX, maxX, minY, maxY }, createCanvas(16, 16, 1), style, rng);
    // 10 points take 4 draws of 3 masks each.
    const expected = new Rng(1, 1, 1, 1);
    for (let i = 0; i < 4; i++) expected.nextUint32();
    expect(rng.nextUint32()).toBe(expected.nextUint32());
  });

  it("draws single pixels at the corners of the bounds", () => {
    const points = new Float64Array([0, 0, 1, 1]);
    const canvas = createCanvas(8, 8, 1);
    splatPoints(points, 2, { minX: 0, maxX: 1, minY: 0, maxY: 1 }, canvas, { ...style, patch: false, padding: 0 }, new Rng(1, 2, 3, 4));
    // y points up: (0, 0) is the bottom-left pixel, (1, 1) the top-right.
    expect(canvas.data[7 * 8]).toBe(127);
    expect(canvas.data[7]).toBe(127);
    expect(fillingRate(canvas)).toBe(2 / 64);
  });
});

describe("flipInto", () => {
  it("mirrors RGB pixels without swapping channels", () => {
    const source = createCanvas(2, 1, 3);
    source.data.set([1, 2, 3, 4, 5, 6]);
    const target = createCanvas(2, 1, 3);
    flipInto(source, target, "horizontal");
    expect([...target.data]).toEqual([4, 5, 6, 1, 2, 3]);
  });
});

describe("hue colours", () => {
  it("converts the primary hues", () => {
    expect(hsvToRgb(0, 1, 1)).toEqual([255, 0, 0]);
    expect(hsvToRgb(1 / 3, 1, 1)).toEqual([0, 255, 0]);
    expect(hsvToRgb(2 / 3, 1, 1)).toEqual([0, 0, 255]);
    expect(hsvToRgb(0.5, 0, 0.5)).toEqual([128, 128, 128]);
  });

  it("cycles evenly through the hues", () => {
    const palette = hueCycle(6, 1, 1);
    expect([...palette]).toEqual([255, 0, 0, 255, 255, 0, 0, 255, 0, 0, 255, 255, 0, 0, 255, 255, 0, 255]);
  });
});
