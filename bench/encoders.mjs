#!/usr/bin/env node
// Compares PNG encoders on real FractalDB renders (256 px, 100k points,
// 3x3 patches, greyscale): fdsl's writer over node:zlib, pngjs and sharp.
// Prints ms per image and KB per image. Usage: node bench/encoders.mjs [images]
import { PNG } from "pngjs";
import sharp from "sharp";
import { PngEncoder } from "../dist/encode/png.js";
import { fractal, fractalOptions } from "../dist/families/fractal.js";
import { createCanvas } from "../dist/raster/canvas.js";
import { Stream, streamRng } from "../dist/random/rng.js";

const count = Number(process.argv[2] ?? 200);
const spec = { size: 256, channels: 1, points: 100_000, options: fractalOptions.parse({}) };
const renderer = fractal.createRenderer(spec);
const canvases = [];
for (let c = 0; canvases.length < count; c++) {
  const params = fractal.sampleCategory(spec, streamRng(0, Stream.Category, c));
  const out = Array.from({ length: 4 }, () => createCanvas(256, 256, 1));
  renderer.renderGroup(params, 0, streamRng(0, Stream.Instance, c, 0), out);
  canvases.push(...out);
}

async function measure(name, encode) {
  let bytes = 0;
  for (const canvas of canvases.slice(0, 20)) await encode(canvas); // warm up
  const started = performance.now();
  for (const canvas of canvases) bytes += (await encode(canvas)).length;
  const ms = (performance.now() - started) / canvases.length;
  console.log(`| ${name} | ${ms.toFixed(3)} | ${(bytes / canvases.length / 1024).toFixed(1)} |`);
}

const fdsl = new PngEncoder();
console.log("| encoder | ms per image | KB per image |\n| --- | --- | --- |");
await measure("fdsl (zlib level 1, Z_RLE, no filter)", (c) => fdsl.encode(c));
await measure("pngjs (filterType 0, level 1)", (c) => {
  const png = new PNG({ width: 256, height: 256, colorType: 0, inputColorType: 0, inputHasAlpha: false, bitDepth: 8 });
  png.data = Buffer.from(c.data);
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false, filterType: 0, deflateLevel: 1, deflateStrategy: 3 });
});
await measure("sharp (default level 6)", (c) => sharp(c.data, { raw: { width: 256, height: 256, channels: 1 } }).png().toBuffer());
await measure("sharp (level 1)", (c) => sharp(c.data, { raw: { width: 256, height: 256, channels: 1 } }).png({ compressionLevel: 1 }).toBuffer());
