import { readdirSync, rmSync, statSync, statfsSync } from "node:fs";
import { join } from "node:path";
import { isTempName, TEMP_PREFIX, TEMP_SUFFIX } from "../dataset/layout.js";
import { FdslError } from "../errors.js";

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
 * not fit in the free space of the file system holding `folder`.
 */
export function checkFreeSpace(folder: string, estimate: (block: number) => number): void {
  const fs = statfsSync(folder);
  const needed = estimate(fs.bsize);
  const free = fs.bavail * fs.bsize;
  if (needed > free) {
    throw new FdslError(
      `not enough disk space: the output needs about ${gigabytes(needed)} but ${folder} has ` +
        `${gigabytes(free)} free; free some space or choose another --out ` +
        `(--no-space-check skips this estimate)`,
    );
  }
}

function gigabytes(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${(bytes / 1e6).toFixed(1)} MB`;
}
