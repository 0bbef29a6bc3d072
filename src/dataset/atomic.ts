import { renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { tempName } from "./layout.js";

/**
 * Writes `data` to `path` through a temporary file in the same folder
 * and a rename, so `path` contains either nothing or all of `data`, even if
 * the process dies or the disk fills mid-write.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const temp = join(dirname(path), tempName(basename(path)));
  try {
    writeFileSync(temp, data);
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}
