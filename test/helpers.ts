import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The compiled CLI; `npm test` builds it before vitest runs. */
export const CLI = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `fdsl-${prefix}-`));
}

/** Runs the CLI to completion with the given arguments. */
export function runCli(args: string[], cwd?: string): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", cwd });
}

/** Maps every file below `dir` (relative path) to the SHA-256 of its bytes. */
export function hashTree(dir: string): Map<string, string> {
  const hashes = new Map<string, string>();
  const walk = (relative: string): void => {
    const path = join(dir, relative);
    if (statSync(path).isDirectory()) {
      for (const name of readdirSync(path).sort()) walk(relative ? join(relative, name) : name);
    } else {
      hashes.set(relative, createHash("sha256").update(readFileSync(path)).digest("hex"));
    }
  };
  walk("");
  return hashes;
}
