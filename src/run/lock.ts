import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { UsageError } from "../errors.js";

/**
 * Takes the lock file `path` for this process, so that two runs never
 * write the same output (their temporary files would collide). A lock
 * left by a process that no longer exists, such as a killed run, is
 * taken over. Returns the function that releases it.
 */
export function acquireLock(path: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: "wx" });
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const owner = Number(readFileSync(path, "utf8").trim());
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
      throw new UsageError(
        `another fdsl run (process ${owner}) is writing this output (lock ${path}); ` +
          `wait for it to finish, or write to another --out`,
      );
    }
    rmSync(path, { force: true });
  }
  throw new UsageError(`cannot take the lock ${path}; delete it if no fdsl run is writing this output`);
}

/** Returns whether process `pid` exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  // A killed process that its parent has not reaped yet (a zombie, state
  // Z in /proc on Linux) still accepts signal 0 but writes nothing.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true;
  }
}
