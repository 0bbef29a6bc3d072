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
  if (!Number.isInteger(count) || count < 1) {
    throw new UsageError(`invalid shard count ${count}; expected an integer >= 1`);
  }
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    throw new UsageError(`invalid shard index ${index}; expected an integer in 0..${count - 1}`);
  }
  if (fromEnv && flags.shardCount !== undefined && fromEnv.count !== flags.shardCount && fromEnv.source === "slurm") {
    throw new UsageError(
      `--shard-count ${flags.shardCount} conflicts with SLURM_ARRAY_TASK_COUNT=${fromEnv.count}; ` +
        `drop the flag or resize the job array`,
    );
  }
  return { index, count };
}

interface EnvShard {
  index: number;
  count: number | undefined;
  source: "slurm" | "kubernetes";
}

function shardFromEnv(env: NodeJS.ProcessEnv, flagCount: number | undefined): EnvShard | undefined {
  const slurmId = env.SLURM_ARRAY_TASK_ID;
  const k8sIndex = env.JOB_COMPLETION_INDEX;
  if (slurmId !== undefined && k8sIndex !== undefined) {
    throw new UsageError(
      "both SLURM_ARRAY_TASK_ID and JOB_COMPLETION_INDEX are set; unset one, or pass --shard-index",
    );
  }
  if (slurmId !== undefined) {
    const id = envInteger(env, "SLURM_ARRAY_TASK_ID");
    const min = env.SLURM_ARRAY_TASK_MIN === undefined ? 0 : envInteger(env, "SLURM_ARRAY_TASK_MIN");
    const count = env.SLURM_ARRAY_TASK_COUNT === undefined ? undefined : envInteger(env, "SLURM_ARRAY_TASK_COUNT");
    return { index: id! - min!, count, source: "slurm" };
  }
  if (k8sIndex !== undefined) {
    return { index: envInteger(env, "JOB_COMPLETION_INDEX")!, count: flagCount, source: "kubernetes" };
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
