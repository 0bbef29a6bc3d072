import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { PngEncoder } from "../src/encode/png.js";
import { validateDataset } from "../src/dataset/validate.js";
import { createCanvas, type Channels } from "../src/raster/canvas.js";
import { runCli, tempDir } from "./helpers.js";

function png(size: number, channels: Channels = 1): Buffer {
  const canvas = createCanvas(size, size, channels);
  canvas.data[0] = 255;
  return new PngEncoder().encode(canvas);
}

function flipBit(bytes: Buffer, at: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[at] ^= 1;
  return copy;
}

/** Rewrites IHDR to claim 9 rows over 8 rows of data, with a valid CRC. */
function taller(bytes: Buffer): Buffer {
  const copy = Buffer.from(bytes);
  copy.writeUInt32BE(9, 20);
  copy.writeUInt32BE(crc32(copy.subarray(12, 29)), 29);
  return copy;
}

/** Builds a dataset: categories x images of 8 px grey PNGs. */
function dataset(categories = 2, images = 3): string {
  const dir = join(tempDir("val"), "data");
  for (let c = 0; c < categories; c++) {
    mkdirSync(join(dir, `c${c}`), { recursive: true });
    for (let i = 0; i < images; i++) writeFileSync(join(dir, `c${c}`, `${i}.png`), png(8));
  }
  return dir;
}

describe("validateDataset", () => {
  it("accepts a well-formed dataset and reports its shape", async () => {
    const report = await validateDataset(dataset(), { classes: 2, instances: 3 });
    expect(report).toEqual({ problem: null, categories: 2, images: 6, width: 8, height: 8, channels: 1 });
  });

  const broken: [string, (dir: string) => void, RegExp][] = [
    ["a file beside the categories", (d) => writeFileSync(join(d, "notes.txt"), "x"), /notes\.txt is not a folder/],
    ["an empty category", (d) => mkdirSync(join(d, "c9")), /c9 is an empty folder/],
    ["a file that is not an image", (d) => writeFileSync(join(d, "c0", "1.png"), "text"), /1\.png: does not decode/],
    ["a truncated PNG", (d) => writeFileSync(join(d, "c1", "2.png"), png(8).subarray(0, 40)), /2\.png: does not decode/],
    ["another size", (d) => writeFileSync(join(d, "c1", "0.png"), png(9)), /size 9x9 differs from 8x8/],
    ["another channel count", (d) => writeFileSync(join(d, "c1", "1.png"), png(8, 3)), /3 channels differ from 1/],
    ["a folder inside a category", (d) => mkdirSync(join(d, "c0", "sub")), /sub: not a file/],
    ["a flipped bit in the image data", (d) => writeFileSync(join(d, "c0", "0.png"), flipBit(png(8), 45)), /0\.png: .*IDAT fails its CRC/],
    ["a header that overstates the height", (d) => writeFileSync(join(d, "c0", "0.png"), taller(png(8))), /holds 72 bytes; the header implies 81/],
  ];

  it.each(broken)("rejects %s", async (_, breakIt, message) => {
    const dir = dataset();
    breakIt(dir);
    const report = await validateDataset(dir);
    expect(report.problem).toMatch(message);
  });

  it("decodes JPEG and interlaced PNG with sharp", async () => {
    const dir = join(tempDir("jpeg"), "data");
    mkdirSync(join(dir, "a"), { recursive: true });
    const raw = { raw: { width: 8, height: 8, channels: 3 as const } };
    const pixels = Buffer.alloc(8 * 8 * 3, 90);
    writeFileSync(join(dir, "a", "0.jpg"), await sharp(pixels, raw).jpeg().toBuffer());
    writeFileSync(join(dir, "a", "1.png"), await sharp(pixels, raw).png({ progressive: true }).toBuffer());
    const report = await validateDataset(dir);
    expect(report.problem).toBeNull();
    expect(report.images).toBe(2);
    expect(report.channels).toBe(3);
  });

  it("rejects a wrong category count", async () => {
    const report = await validateDataset(dataset(3, 2), { classes: 2 });
    expect(report.problem).toMatch(/holds 3 entries; expected 2 category folders/);
  });

  it("rejects a wrong image count", async () => {
    const report = await validateDataset(dataset(2, 4), { instances: 3 });
    expect(report.problem).toMatch(/holds 4 files; expected 3/);
  });

  it("rejects an empty or missing folder", async () => {
    const empty = tempDir("empty");
    expect((await validateDataset(empty)).problem).toMatch(/is empty/);
    expect((await validateDataset(join(empty, "absent"))).problem).toMatch(/cannot read/);
  });
});

describe("fdsl validate", () => {
  it("exits 0 with a summary on a valid dataset", () => {
    const result = runCli(["validate", dataset(), "--classes", "2", "--instances", "3", "-q"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/valid: 2 categories, 6 images, 8x8, 1 channel/);
  });

  it("exits 1 naming the first problem", () => {
    const dir = dataset();
    writeFileSync(join(dir, "c0", "2.png"), "broken");
    const result = runCli(["validate", dir, "-q"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/invalid dataset: .*2\.png: does not decode/);
  });
});
