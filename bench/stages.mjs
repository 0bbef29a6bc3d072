#!/usr/bin/env node
// Splits the cost of one FractalDB render group (one chaos game, one
// patch splat, 4 flips, 4 PNG encodes, 4 atomic writes) on one core.
// Usage: node bench/stages.mjs [size] [points] [groups]
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PngEncoder } from "../dist/encode/png.js";
import { fractal, fractalOptions } from "../dist/families/fractal.js";
import { ChaosGame } from "../dist/families/ifs.js";
import { createCanvas, flipInto, FLIPS } from "../dist/raster/canvas.js";
import { hueCycle } from "../dist/raster/colour.js";
import { splatPoints } from "../dist/raster/points.js";
import { Stream, streamRng } from "../dist/random/rng.js";

const size = Number(process.argv[2] ?? 256);
const points = Number(process.argv[3] ?? 100_000);
const groups = Number(process.argv[4] ?? 2000);
const options = fractalOptions.parse({});
const spec = { size, channels: 1, points, options };

// 20 categories from the default search, as a run draws them.
const categories = Array.from({ length: 20 }, (_, c) => fractal.sampleCategory(spec, streamRng(0, Stream.Category, c)));
const game = new ChaosGame(points);
const canvas = createCanvas(size, size, 1);
const flips = FLIPS.map(() => createCanvas(size, size, 1));
const style = { padding: Math.round(options.padding * size), patch: true, intensity: 127, palette: hueCycle(128, 0.75, 0.75) };
const encoder = new PngEncoder();
const dir = mkdtempSync(join(tmpdir(), "fdsl-stages-"));
const time = { chaos: 0, splat: 0, flip: 0, encode: 0, write: 0 };
let bytes = 0;

for (let g = 0; g < groups; g++) {
  const params = categories[g % categories.length];
  const rng = streamRng(0, Stream.Instance, g % categories.length, g);
  let t = performance.now();
  const bounds = game.run(params, points, rng);
  time.chaos += performance.now() - t;
  t = performance.now();
  splatPoints(game.points, points, bounds, canvas, style, rng);
  time.splat += performance.now() - t;
  t = performance.now();
  for (let f = 0; f < 4; f++) flipInto(canvas, flips[f], FLIPS[f]);
  time.flip += performance.now() - t;
  for (let f = 0; f < 4; f++) {
    t = performance.now();
    const png = encoder.encode(flips[f]);
    time.encode += performance.now() - t;
    bytes += png.length;
    t = performance.now();
    writeFileSync(join(dir, `.${g}_${f}.tmp`), png);
    renameSync(join(dir, `.${g}_${f}.tmp`), join(dir, `${g}_${f}.png`));
    time.write += performance.now() - t;
  }
}
rmSync(dir, { recursive: true, force: true });

const images = 4 * groups;
const total = Object.values(time).reduce((a, b) => a + b, 0);
console.log(`${size} px, ${points} points, ${images} images, ${(bytes / images / 1024).toFixed(1)} KB per image`);
for (const [stage, ms] of Object.entries(time)) {
  console.log(`| ${stage} | ${((1000 * ms) / images).toFixed(0)} | ${((100 * ms) / total).toFixed(0)}% |`);
}
console.log(`| total | ${((1000 * total) / images).toFixed(0)} | ${(images / (total / 1000)).toFixed(0)} images/s on one core |`);
