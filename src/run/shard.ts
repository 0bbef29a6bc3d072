/**
 * Which shard of a run this process makes. Shards split the work of one
 * recipe across processes or machines; together they write exactly the
 * bytes of a single run. The shard comes from flags, or else from the
 * environment of a Slurm job array or a Kubernetes indexed Job.
 */
import { UsageError } from "../errors.js";

export interface Shard {
  /** 0-based index of this shard, < count. */
  index: number;
  /** Number of shards, >= 1. */
  count: number;
}

/** The whole run as one shard. */
export const WHOLE: Shard = { index: 0, count: 1 };

export interface ShardFlags {
  shardIndex?: number;
  shardCount?: number;
}

/**
 * Resolves the shard from flags first, then from the environment:
 * - Slurm job arrays: SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT and
 *   SLURM_ARRAY_TASK_MIN (so `--array=1-4` gives indices 0..3);
 * - Kubernetes indexed Jobs: JOB_COMPLETION_INDEX, with the count from
 *   --shard-count (Kubernetes does not export the completion count).
 * Throws a UsageError for missing, out-of-range or conflicting values.
 */
export function resolveShard(flags: ShardFlags, env: NodeJS.ProcessEnv = process.env): Shard {
  // Both flags given: they decide alone, whatever the scheduler set.
  if (flags.shardIndex !== undefined && flags.shardCount !== undefined) {
    return checkShard(flags.shardIndex, flags.shardCount, "--shard-index");
  }
  const fromEnv = shardFromEnv(env, flags.shardCount);
  const index = flags.shardIndex ?? fromEnv?.index;
  const count = flags.shardCount ?? fromEnv?.count;
  if (index === undefined && count === undefined) return WHOLE;
  if (count === undefined) {
    throw new UsageError(`shard index ${index} given without a shard count; add --shard-count N`);
  }
  if (index === undefined) {
    throw new UsageError(
      `--shard-count ${count} given without a shard index; add --shard-index I ` +
        `or run inside a Slurm job array or a Kubernetes indexed Job`,
    );
  }
  if (fromEnv && flags.shardCount !== undefined && fromEnv.count !== flags.shardCount && fromEnv.source === "slurm") {
    throw new UsageError(
      `--shard-count ${flags.shardCount} conflicts with SLURM_ARRAY_TASK_COUNT=${fromEnv.count}; ` +
        `drop the flag, pass --shard-index too, or resize the job array`,
    );
  }
  const indexSource = flags.shardIndex !== undefined ? "--shard-index" : fromEnv!.variable;
  return checkShard(index, count, indexSource);
}

function checkShard(index: number, count: number, indexSource: string): Shard {
  if (!Number.isInteger(count) || count < 1) {
    throw new UsageError(`invalid shard count ${count}; expected an integer >= 1`);
  }
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    throw new UsageError(
      `invalid shard index ${index} (from ${indexSource}); expected an integer in 0..${count - 1}`,
    );
  }
  return { index, count };
}

interface EnvShard {
  index: number;
  count: number | undefined;
  source: "slurm" | "kubernetes";
  /** The variables the index came from, for messages. */
  variable: string;
}

function shardFromEnv(env: NodeJS.ProcessEnv, flagCount: number | undefined): EnvShard | undefined {
  const slurmId = env.SLURM_ARRAY_TASK_ID;
  const k8sIndex = env.JOB_COMPLETION_INDEX;
  if (slurmId !== undefined && k8sIndex !== undefined) {
    throw new UsageError(
      "both SLURM_ARRAY_TASK_ID and JOB_COMPLETION_INDEX are set; unset one, " +
        "or pass both --shard-index and --shard-count",
    );
  }
  if (slurmId !== undefined) {
    const id = envInteger(env, "SLURM_ARRAY_TASK_ID");
    const min = env.SLURM_ARRAY_TASK_MIN === undefined ? 0 : envInteger(env, "SLURM_ARRAY_TASK_MIN");
    const step = env.SLURM_ARRAY_TASK_STEP === undefined ? 1 : envInteger(env, "SLURM_ARRAY_TASK_STEP");
    const count = env.SLURM_ARRAY_TASK_COUNT === undefined ? undefined : envInteger(env, "SLURM_ARRAY_TASK_COUNT");
    // A stepped array (--array=0-6:2) numbers its tasks min, min + step, ...
    const offset = id - min;
    if (step < 1 || offset % step !== 0) {
      throw new UsageError(
        `SLURM_ARRAY_TASK_ID=${id} is not SLURM_ARRAY_TASK_MIN=${min} plus a multiple of ` +
          `SLURM_ARRAY_TASK_STEP=${step}; pass --shard-index and --shard-count instead`,
      );
    }
    const variable = "SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_MIN and SLURM_ARRAY_TASK_STEP";
    return { index: offset / step, count, source: "slurm", variable };
  }
  if (k8sIndex !== undefined) {
    const index = envInteger(env, "JOB_COMPLETION_INDEX");
    return { index, count: flagCount, source: "kubernetes", variable: "JOB_COMPLETION_INDEX" };
  }
  return undefined;
}

function envInteger(env: NodeJS.ProcessEnv, name: string): number {
  const text = env[name]!;
  if (!/^\d+$/.test(text.trim())) {
    throw new UsageError(`invalid ${name}="${text}"; expected a non-negative integer`);
  }
  return Number(text);
}

/** Returns [start, end) of the items that shard `shard` owns out of `total`. */
export function shardRange(total: number, shard: Shard): [number, number] {
  const start = Math.floor((shard.index * total) / shard.count);
  const end = Math.floor(((shard.index + 1) * total) / shard.count);
  return [start, end];
}
