import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UsageError } from "../src/errors.js";
import { resolveShard, shardRange } from "../src/run/shard.js";
import { CLI, hashTree, runCli, tempDir } from "./helpers.js";

describe("resolveShard", () => {
  it("is the whole run without flags or environment", () => {
    expect(resolveShard({}, {})).toEqual({ index: 0, count: 1 });
  });

  it("takes flags", () => {
    expect(resolveShard({ shardIndex: 2, shardCount: 5 }, {})).toEqual({ index: 2, count: 5 });
  });

  it("reads a Slurm job array, offset by its first task id", () => {
    const env = { SLURM_ARRAY_TASK_ID: "4", SLURM_ARRAY_TASK_MIN: "1", SLURM_ARRAY_TASK_COUNT: "4" };
    expect(resolveShard({}, env)).toEqual({ index: 3, count: 4 });
  });

  it("reads a Kubernetes indexed Job with the count from the flag", () => {
    expect(resolveShard({ shardCount: 8 }, { JOB_COMPLETION_INDEX: "5" })).toEqual({ index: 5, count: 8 });
  });

  it("lets an index flag override the environment", () => {
    const env = { SLURM_ARRAY_TASK_ID: "1", SLURM_ARRAY_TASK_COUNT: "4" };
    expect(resolveShard({ shardIndex: 0 }, env)).toEqual({ index: 0, count: 4 });
  });

  it("lets both flags replace the environment", () => {
    const env = { SLURM_ARRAY_TASK_ID: "1", SLURM_ARRAY_TASK_COUNT: "3", JOB_COMPLETION_INDEX: "2" };
    expect(resolveShard({ shardIndex: 0, shardCount: 1 }, env)).toEqual({ index: 0, count: 1 });
  });

  it("reads a stepped Slurm array", () => {
    const env = { SLURM_ARRAY_TASK_ID: "4", SLURM_ARRAY_TASK_MIN: "0", SLURM_ARRAY_TASK_STEP: "2", SLURM_ARRAY_TASK_COUNT: "3" };
    expect(resolveShard({}, env)).toEqual({ index: 2, count: 3 });
  });

  const rejected: [string, Parameters<typeof resolveShard>[0], NodeJS.ProcessEnv, RegExp][] = [
    ["an index without a count", { shardIndex: 1 }, {}, /without a shard count/],
    ["a count without an index", { shardCount: 3 }, {}, /without a shard index/],
    ["an index at the count", { shardIndex: 3, shardCount: 3 }, {}, /invalid shard index 3 \(from --shard-index\); expected an integer in 0\.\.2/],
    ["a zero count", { shardIndex: 0, shardCount: 0 }, {}, /invalid shard count 0/],
    ["a Kubernetes index without a count", {}, { JOB_COMPLETION_INDEX: "2" }, /without a shard count/],
    ["a Kubernetes index beyond the count", { shardCount: 2 }, { JOB_COMPLETION_INDEX: "2" }, /invalid shard index 2/],
    ["a Slurm id below its minimum", {}, { SLURM_ARRAY_TASK_ID: "0", SLURM_ARRAY_TASK_MIN: "1", SLURM_ARRAY_TASK_COUNT: "2" }, /invalid shard index -1 \(from SLURM_ARRAY_TASK_ID/],
    ["a Slurm id off its step", {}, { SLURM_ARRAY_TASK_ID: "3", SLURM_ARRAY_TASK_STEP: "2", SLURM_ARRAY_TASK_COUNT: "4" }, /not SLURM_ARRAY_TASK_MIN=0 plus a multiple of SLURM_ARRAY_TASK_STEP=2/],
    ["a non-numeric Slurm id", {}, { SLURM_ARRAY_TASK_ID: "x", SLURM_ARRAY_TASK_COUNT: "2" }, /invalid SLURM_ARRAY_TASK_ID="x"/],
    ["a flag count against Slurm's", { shardCount: 3 }, { SLURM_ARRAY_TASK_ID: "0", SLURM_ARRAY_TASK_COUNT: "4" }, /conflicts with SLURM_ARRAY_TASK_COUNT=4/],
    ["both Slurm and Kubernetes", {}, { SLURM_ARRAY_TASK_ID: "0", JOB_COMPLETION_INDEX: "0" }, /both SLURM_ARRAY_TASK_ID and JOB_COMPLETION_INDEX are set; unset one, or pass both --shard-index and --shard-count/],
  ];

  it.each(rejected)("rejects %s", (_, flags, env, message) => {
    expect(() => resolveShard(flags, env)).toThrow(UsageError);
    expect(() => resolveShard(flags, env)).toThrow(message);
  });
});

describe("shardRange", () => {
  it("covers every item exactly once for any count", () => {
    for (const total of [1, 7, 10, 250]) {
      for (const count of [1, 2, 3, 4, 7, 11]) {
        let next = 0;
        for (let index = 0; index < count; index++) {
          const [start, end] = shardRange(total, { index, count });
          expect(start).toBe(next);
          next = end;
        }
        expect(next).toBe(total);
      }
    }
  });
});

/** 5 categories x 14 instances: 4 groups each, the last one partial. */
const RECIPE = {
  classes: 5,
  instances: 14,
  size: 16,
  points: 1000,
  seed: 3,
  options: { searchSize: 64, searchPoints: 5000 },
};

function recipeFile(): string {
  const path = join(tempDir("recipe"), "recipe.json");
  writeFileSync(path, JSON.stringify(RECIPE));
  return path;
}

/** Runs each shard as its own process, with the variables a scheduler sets. */
function runShards(out: string, count: number, env: (index: number) => NodeJS.ProcessEnv, extra: string[] = []): void {
  const recipe = recipeFile();
  for (let index = 0; index < count; index++) {
    const result = spawnSync(process.execPath, [CLI, "generate", "--recipe", recipe, "--out", out, "-q", ...extra], {
      encoding: "utf8",
      env: { ...process.env, ...env(index) },
    });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
  }
}

function merge(out: string): void {
  const dir = join(out, "..");
  const shards = readdirSync(dir).filter((n) => n.includes(".shard-")).map((n) => join(dir, n));
  const result = runCli(["merge-manifests", "--out", `${out}.manifest.json`, ...shards]);
  expect(result.status).toBe(0);
}

describe("sharded runs", () => {
  const single = join(tempDir("single"), "data");
  runCli(["generate", "--recipe", recipeFile(), "--out", single, "-q"]);

  it.each([1, 2, 3, 4, 7])("%i Slurm array tasks equal the single run", (count) => {
    const out = join(tempDir(`slurm${count}`), "data");
    runShards(out, count, (i) => ({
      SLURM_ARRAY_TASK_ID: String(i + 1),
      SLURM_ARRAY_TASK_MIN: "1",
      SLURM_ARRAY_TASK_COUNT: String(count),
    }));
    if (count > 1) merge(out);
    expect(hashTree(out)).toEqual(hashTree(single));
    expect(readFileSync(`${out}.manifest.json`, "utf8")).toBe(readFileSync(`${single}.manifest.json`, "utf8"));
    expect(runCli(["verify", out, "-q"]).status).toBe(0);
  });

  it("Kubernetes indexed Job pods equal the single run", () => {
    const out = join(tempDir("k8s"), "data");
    runShards(out, 3, (i) => ({ JOB_COMPLETION_INDEX: String(i) }), ["--shard-count", "3"]);
    merge(out);
    expect(hashTree(out)).toEqual(hashTree(single));
  });

  it("merging rejects a missing shard", () => {
    const out = join(tempDir("partial"), "data");
    runShards(out, 1, () => ({}), ["--shard-index", "1", "--shard-count", "3"]);
    const result = runCli(["merge-manifests", "--out", `${out}.manifest.json`, `${out}.shard-0001-of-0003.manifest.json`]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/missing shard manifests: 0, 2 of 3/);
  });
});

describe("sharded WebDataset runs", () => {
  const wds = ["--format", "wds", "--images-per-tar", "8"];
  const single = join(tempDir("wds-single"), "data");
  runCli(["generate", "--recipe", recipeFile(), "--out", single, "-q", ...wds]);

  it.each([2, 3])("%i shards write the tar files of the single run", (count) => {
    const out = join(tempDir(`wds${count}`), "data");
    for (let index = 0; index < count; index++) {
      runShards(out, 1, () => ({}), [...wds, "--shard-index", String(index), "--shard-count", String(count)]);
    }
    merge(out);
    // 20 units (render groups) of up to 4 images, 2 units per tar.
    expect(readdirSync(out)).toHaveLength(10);
    expect(hashTree(out)).toEqual(hashTree(single));
    expect(readFileSync(`${out}.manifest.json`, "utf8")).toBe(readFileSync(`${single}.manifest.json`, "utf8"));
    expect(runCli(["verify", out, "-q"]).status).toBe(0);
  });
});
