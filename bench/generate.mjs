#!/usr/bin/env node
// Times `fdsl generate` end to end into a fresh folder and prints one
// Markdown table row: images/s (whole run and render phase), wall time,
// peak resident memory of the process (main thread and workers), and
// size on disk. Usage:
//   node bench/generate.mjs LABEL [generate flags...]
// e.g. node bench/generate.mjs default-100k --classes 100 --workers 2
// Runs into $FDSL_BENCH_DIR (default /tmp/fdsl-bench), a new folder per
// run, because creating files where many were just deleted is slower
// on some file systems.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const [label, ...flags] = process.argv.slice(2);
if (!label) {
  console.error("usage: node bench/generate.mjs LABEL [generate flags...]");
  process.exit(2);
}
const cli = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));
const root = process.env.FDSL_BENCH_DIR ?? "/tmp/fdsl-bench";
mkdirSync(root, { recursive: true });
const dir = mkdtempSync(join(root, `${label}-`));
const out = join(dir, "data");

const result = spawnSync("/usr/bin/time", ["-f", "%e %M", process.execPath, cli, "generate", "--out", out, ...flags], {
  encoding: "utf8",
});
if (result.status !== 0) {
  console.error(result.stderr);
  process.exit(1);
}
const [wall, maxRssKb] = result.stderr.trim().split("\n").at(-1).split(" ").map(Number);
const summary = /wrote (\d+) of (\d+) images \(([\d.]+) MB\)/.exec(result.stdout);
const render = /rendering (\d+)\/\d+ images \(100\.0%\) (\d+) images\/s in/.exec(result.stderr);
const written = Number(summary[1]);
const du = (args) => Number(spawnSync("du", [...args, dir], { encoding: "utf8" }).stdout.split("\t")[0]);
const apparent = du(["-sb"]);
const allocated = du(["-sk"]) * 1024;

const row = [
  label,
  flags.join(" "),
  written,
  (written / wall).toFixed(0),
  render ? render[2] : "-",
  wall.toFixed(1),
  (maxRssKb / 1024).toFixed(0),
  (apparent / 1e9).toFixed(2),
  (allocated / 1e9).toFixed(2),
];
console.log(`| ${row.join(" | ")} |`);
if (process.env.FDSL_BENCH_KEEP !== "1") rmSync(dir, { recursive: true, force: true });
