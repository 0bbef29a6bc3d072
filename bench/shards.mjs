#!/usr/bin/env node
// Splits one run into shard processes and compares with a single process:
//   node bench/shards.mjs SHARDS PARALLEL [generate flags...]
// runs SHARDS processes, PARALLEL at a time, each with --workers 1 and
// --shard-index/--shard-count, then the same recipe as one process with
// --workers PARALLEL, checks that both outputs hold the same bytes, and
// prints the wall time of each and the summed CPU work of the shards.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const [shards, parallel, ...flags] = process.argv.slice(2);
const count = Number(shards);
const cli = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));
const root = process.env.FDSL_BENCH_DIR ?? "/tmp/fdsl-bench";
mkdirSync(root, { recursive: true });
const dir = mkdtempSync(join(root, "shards-"));

function timed(args) {
  return new Promise((resolve, reject) => {
    const child = spawn("/usr/bin/time", ["-f", "%e %U %S %M", process.execPath, cli, "generate", ...args]);
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.on("exit", (code) => {
      if (code !== 0) return reject(new Error(stderr));
      const [wall, user, sys, rss] = stderr.trim().split("\n").at(-1).split(" ").map(Number);
      resolve({ wall, cpu: user + sys, rss });
    });
  });
}

const started = performance.now();
const queue = Array.from({ length: count }, (_, i) => i);
const results = [];
await Promise.all(
  Array.from({ length: Number(parallel) }, async () => {
    while (queue.length > 0) {
      const index = queue.shift();
      results.push(await timed(["--out", join(dir, "sharded"), "-q", "-w", "1", "--shard-index", String(index), "--shard-count", String(count), ...flags]));
    }
  }),
);
const shardedWall = (performance.now() - started) / 1000;
const single = await timed(["--out", join(dir, "single"), "-q", "-w", parallel, ...flags]);

const digest = (folder) => {
  const hash = createHash("sha256");
  for (const c of readdirSync(folder).sort()) {
    for (const f of readdirSync(join(folder, c)).sort()) hash.update(f).update(readFileSync(join(folder, c, f)));
  }
  return hash.digest("hex");
};
const same = digest(join(dir, "sharded")) === digest(join(dir, "single"));
const shardCpu = results.reduce((s, r) => s + r.cpu, 0);
console.log(`| ${count} shards, ${parallel} at a time | ${shardedWall.toFixed(1)} | ${shardCpu.toFixed(1)} | ${Math.max(...results.map((r) => r.rss / 1024)).toFixed(0)} |`);
console.log(`| 1 process, ${parallel} workers | ${single.wall.toFixed(1)} | ${single.cpu.toFixed(1)} | ${(single.rss / 1024).toFixed(0)} |`);
console.log(`same bytes: ${same}`);
rmSync(dir, { recursive: true, force: true });
if (!same) process.exit(1);
