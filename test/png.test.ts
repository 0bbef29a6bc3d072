import { PNG } from "pngjs";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { PngEncoder } from "../src/encode/png.js";
import { createCanvas, type Channels } from "../src/raster/canvas.js";
import { Rng } from "../src/random/rng.js";

function randomCanvas(width: number, height: number, channels: Channels, seed: number) {
  const canvas = createCanvas(width, height, channels);
  const rng = new Rng(seed, 1, 2, 3);
  // Sparse like a fractal render: most pixels black.
  for (let i = 0; i < canvas.data.length; i++) {
    canvas.data[i] = rng.next() < 0.2 ? rng.int(1, 255) : 0;
  }
  return canvas;
}

const shapes: [number, number, Channels][] = [
  [1, 1, 1],
  [8, 8, 1],
  [17, 5, 1],
  [8, 8, 3],
  [31, 9, 3],
  [256, 256, 1],
];

describe("PngEncoder", () => {
  it.each(shapes)("round-trips %ix%i with %i channels through pngjs", (width, height, channels) => {
    const canvas = randomCanvas(width, height, channels, width * 31 + height);
    const png = PNG.sync.read(new PngEncoder().encode(canvas));
    expect(png.width).toBe(width);
    expect(png.height).toBe(height);
    // pngjs expands to RGBA: build the expected RGBA from the source.
    const expected = Buffer.alloc(width * height * 4);
    for (let p = 0; p < width * height; p++) {
      for (let c = 0; c < 3; c++) {
        expected[p * 4 + c] = canvas.data[p * channels + (channels === 1 ? 0 : c)];
      }
      expected[p * 4 + 3] = 255;
    }
    expect(Buffer.compare(png.data, expected)).toBe(0);
  });

  it.each(shapes)("round-trips %ix%i with %i channels through sharp", async (width, height, channels) => {
    const canvas = randomCanvas(width, height, channels, width * 17 + height);
    const bytes = new PngEncoder().encode(canvas);
    const meta = await sharp(bytes).metadata();
    expect(meta.channels).toBe(channels);
    const { data } = await sharp(bytes)
      .toColourspace(channels === 1 ? "b-w" : "srgb")
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect(Buffer.compare(data, Buffer.from(canvas.data))).toBe(0);
  });

  it("reuses its row buffer across sizes", () => {
    const encoder = new PngEncoder();
    const small = randomCanvas(4, 4, 1, 1);
    const large = randomCanvas(40, 40, 3, 2);
    const first = encoder.encode(small);
    encoder.encode(large);
    expect(encoder.encode(small).equals(first)).toBe(true);
  });
});
