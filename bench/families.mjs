#!/usr/bin/env node
// Measures every formula family at 256 px greyscale PNG, default options:
// 1. end to end: `fdsl generate` into a fresh folder, timed as a whole
//    (category search included) and in its render phase;
// 2. on one core, in-process: milliseconds per category search and per
//    image for render and PNG encode, over 20 categories.
// Prints Markdown table rows. Usage:
//   node bench/families.mjs [classes] [instances] [workers] [family...]
// e.g. node bench/families.mjs 100 100 2; classes 0 skips the end-to-end
// runs. For the line families the second table also gives the mean
// polyline vertices drawn per image (vertices x orbits or polygons).
// Runs into $FDSL_BENCH_DIR (default /tmp/fdsl-bench-families).
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PngEncoder } from "../dist/encode/png.js";
import { getFamily } from "../dist/families/registry.js";
import { createCanvas } from "../dist/raster/canvas.js";
import { Stream, streamRng } from "../dist/random/rng.js";

const [classes = "20", instances = "100", workers = "2", ...only] = process.argv.slice(2);
const families = only.length > 0 ? only : ["fractal", "fractal-svd", "fractal-3d", "visual-atom", "radial-contour", "noise"];
const cli = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));
const root = process.env.FDSL_BENCH_DIR ?? "/tmp/fdsl-bench-families";
mkdirSync(root, { recursive: true });

if (classes !== "0") {
  console.log("| family | images | images/s (whole run) | images/s (render phase) | wall s | MB written |");
  console.log("| --- | --- | --- | --- | --- | --- |");
}
for (const family of classes === "0" ? [] : families) {
  const dir = mkdtempSync(join(root, `${family}-`));
  const flags = ["--family", family, "--classes", classes, "--instances", instances, "--workers", workers, "--size", "256"];
  const result = spawnSync("/usr/bin/time", ["-f", "%e", process.execPath, cli, "generate", "--out", join(dir, "data"), ...flags], {
    encoding: "utf8",
  });
  if (result.status !== 0) {
    console.error(result.stderr);
    process.exit(1);
  }
  const wall = Number(result.stderr.trim().split("\n").at(-1));
  const summary = /wrote (\d+) of \d+ images \(([\d.]+) MB\)/.exec(result.stdout);
  const render = /rendering (\d+)\/\d+ images \(100\.0%\) (\d+) images\/s in/.exec(result.stderr);
  const written = Number(summary[1]);
  console.log(`| ${family} | ${written} | ${(written / wall).toFixed(0)} | ${render ? render[2] : "-"} | ${wall.toFixed(1)} | ${summary[2]} |`);
  rmSync(dir, { recursive: true, force: true });
}

console.log();
console.log("| family | search ms/category | render ms/image | PNG encode ms/image | KB/image | polyline vertices/image |");
console.log("| --- | --- | --- | --- | --- | --- |");
for (const name of families) {
  const family = getFamily(name);
  const spec = { size: 256, channels: 1, points: 100_000, options: family.options.parse({}) };
  const encoder = new PngEncoder();
  const renderer = family.createRenderer(spec);
  const out = Array.from({ length: family.groupSize }, () => createCanvas(256, 256, 1));
  let search = 0;
  let render = 0;
  let encode = 0;
  let bytes = 0;
  let images = 0;
  let vertices = 0;
  for (let c = 0; c < 20; c++) {
    let t = performance.now();
    const params = family.sampleCategory(spec, streamRng(0, Stream.Category, c));
    search += performance.now() - t;
    if (params.vertices !== undefined) vertices += params.vertices * (params.orbits ?? params.polygons);
    // 10 render groups per category, as a run renders a category's instances together.
    for (let g = 0; g < 10; g++) {
      t = performance.now();
      renderer.renderGroup(params, g, streamRng(0, Stream.Instance, c, g), out);
      render += performance.now() - t;
      for (const canvas of out) {
        t = performance.now();
        bytes += encoder.encode(canvas).length;
        encode += performance.now() - t;
        images++;
      }
    }
  }
  const row = [
    name,
    (search / 20).toFixed(1),
    (render / images).toFixed(2),
    (encode / images).toFixed(2),
    (bytes / images / 1024).toFixed(1),
    vertices > 0 ? (vertices / 20).toFixed(0) : "-",
  ];
  console.log(`| ${row.join(" | ")} |`);
}
