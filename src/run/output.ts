import { mkdirSync, readdirSync, rmSync, statSync, statfsSync } from "node:fs";
import { join } from "node:path";
import { isTempName, TEMP_PREFIX, TEMP_SUFFIX } from "../dataset/layout.js";
import { FdslError, UsageError } from "../errors.js";

/**
 * Checks that `out` is a folder holding only names this run may write
 * (or does not exist yet), and creates it. A folder that already holds
 * entries is accepted only when resuming, or when shards of one run
 * share it.
 */
export function prepareOutput(out: string, isOwnName: (name: string) => boolean, mayHoldEntries: boolean): void {
  let entries: string[] = [];
  try {
    if (!statSync(out).isDirectory()) {
      throw new UsageError(`output path ${out} exists and is not a folder; choose a folder path for --out`);
    }
    entries = readdirSync(out);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const foreign = entries.find((name) => !isOwnName(name) && !isTempName(name));
  if (foreign !== undefined) {
    throw new UsageError(
      `output folder ${out} holds "${foreign}", which this recipe would not write; ` +
        `choose an empty or new folder for --out`,
    );
  }
  if (entries.length > 0 && !mayHoldEntries) {
    throw new UsageError(
      `output folder ${out} holds data but no manifest of this run beside it; ` +
        `choose an empty or new folder for --out`,
    );
  }
  mkdirSync(out, { recursive: true });
}

/**
 * Deletes the temporary files of a killed run that belong to this run
 * (`owns` gets the final name), in `dir` and, for ImageFolder output,
 * its category folders. Temporary files of other shards are kept, since
 * those shards may still be writing them.
 */
export function removeTempFiles(dir: string, owns: (finalName: string) => boolean, depth: 0 | 1): void {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (isTempName(name)) {
      if (owns(name.slice(TEMP_PREFIX.length, -TEMP_SUFFIX.length))) rmSync(path, { force: true });
    } else if (depth === 1 && statSync(path).isDirectory()) {
      removeTempFiles(path, owns, 0);
    }
  }
}

/** Bytes a file of `size` bytes occupies on a file system with `block`-byte blocks. */
export function onDisk(size: number, block: number): number {
  return Math.ceil(size / block) * block;
}

/**
 * Stops the run before it writes when the estimate of its output does
 * not fit in the free space of the file system holding `out`.
 */
export function checkFreeSpace(out: string, estimate: (block: number) => number): void {
  const fs = statfsSync(out);
  const needed = estimate(fs.bsize);
  const free = fs.bavail * fs.bsize;
  if (needed > free) {
    throw new FdslError(
      `not enough disk space: the output needs about ${gigabytes(needed)} but ${out} has ` +
        `${gigabytes(free)} free; free some space or choose another --out ` +
        `(--no-space-check skips this estimate)`,
    );
  }
}

function gigabytes(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${(bytes / 1e6).toFixed(1)} MB`;
}
