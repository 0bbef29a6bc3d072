import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLI, hashTree, runCli, tempDir } from "./helpers.js";

/** Flags appended to the examples' commands so they make a tiny dataset. */
const TINY = ["--classes", "3", "--instances", "8", "--size", "16", "--points", "1000"];

function docs(name: string): string {
  return readFileSync(new URL(`../docs/scale-out/${name}`, import.meta.url), "utf8");
}

/** The fdsl arguments of the example's command, with paths moved under `root`. */
function slurmArguments(root: string): string[] {
  const line = docs("slurm-generate.sbatch").split("\n").find((l) => l.startsWith("npx fdsl generate"))!;
  return line
    .replace('"$SLURM_CPUS_PER_TASK"', "1")
    .split(/\s+/)
    .slice(2)
    .map((arg) => (arg.startsWith("data/") ? join(root, arg) : arg));
}

function kubernetesArguments(root: string): string[] {
  const yaml = docs("k8s-generate-job.yaml");
  const block = yaml.slice(yaml.indexOf("command:"), yaml.indexOf("resources:"));
  const items = [...block.matchAll(/^\s+- "?([^"\n]+)"?$/gm)].map((m) => m[1]);
  return items.slice(2).map((arg) => (arg.startsWith("/data/") ? join(root, arg.slice(1)) : arg));
}

function runAs(args: string[], env: NodeJS.ProcessEnv) {
  return spawnSync(process.execPath, [CLI, ...args, ...TINY], { encoding: "utf8", env: { ...process.env, ...env } });
}

describe("scale-out examples", () => {
  const single = join(tempDir("examples"), "data", "fractaldb");
  runCli(["generate", "--out", single, "-q", ...TINY]);

  it("the Slurm array script makes the single run's bytes", () => {
    const root = tempDir("slurm");
    const args = slurmArguments(root);
    expect(args.slice(0, 3)).toEqual(["generate", "--out", join(root, "data/fractaldb")]);
    for (const id of [0, 1, 2, 3]) {
      const result = runAs(args, { SLURM_ARRAY_TASK_ID: String(id), SLURM_ARRAY_TASK_MIN: "0", SLURM_ARRAY_TASK_COUNT: "4" });
      expect(result.status).toBe(0);
    }
    const dir = join(root, "data");
    const shards = readdirSync(dir).filter((n) => n.includes(".shard-")).map((n) => join(dir, n));
    expect(shards).toHaveLength(4);
    expect(runCli(["merge-manifests", "--out", join(dir, "fractaldb.manifest.json"), ...shards]).status).toBe(0);
    expect(hashTree(join(dir, "fractaldb"))).toEqual(hashTree(single));
  });

  it("the Kubernetes indexed Job makes the single run's bytes", () => {
    const root = tempDir("k8s");
    const args = kubernetesArguments(root);
    expect(args).toContain("--shard-count");
    for (const index of [0, 1, 2, 3]) {
      expect(runAs(args, { JOB_COMPLETION_INDEX: String(index) }).status).toBe(0);
    }
    expect(hashTree(join(root, "data", "fractaldb"))).toEqual(hashTree(single));
  });
});
