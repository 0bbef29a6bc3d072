/**
 * Whole-folder output for importers. The folder is built under a
 * temporary sibling name and renamed into place at the end. The output
 * path therefore contains either its previous state or the finished
 * import, never a partial one, even when the process is killed.
 */
import { existsSync, mkdirSync, readdirSync, realpathSync, renameSync, rmSync, statSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { TEMP_PREFIX, TEMP_SUFFIX } from "../dataset/layout.js";
import { UsageError } from "../errors.js";
import { isAlive } from "../run/lock.js";

/**
 * Resolves `out`, cleans up after a killed earlier run into it, and
 * rejects it unless it is absent, an empty folder, or a non-empty folder
 * with `force` set. `source` is the folder the import reads, which the
 * output must neither be nor contain, since --force deletes the previous
 * output.
 */
export function prepareOutputFolder(out: string, force: boolean, source: string): string {
  if (out.trim() === "") throw new UsageError("invalid --out: empty path; give a folder path");
  const path = resolve(out);
  if (dirname(path) === path) throw new UsageError(`invalid --out ${path}: a file system root; give a folder path`);
  if (existsSync(dirname(path))) removeStaleFolders(path);
  // The real paths catch a source reached through a symbolic link into the output folder.
  const realSource = realPathOfExisting(source);
  if (isWithin(path, resolve(source)) || isWithin(realPathOfExisting(path), realSource)) {
    const sourceDescription = realSource === resolve(source) ? source : `${source} (${realSource})`;
    throw new UsageError(
      `invalid --out ${path}: it contains the source folder ${sourceDescription}; choose another --out`,
    );
  }
  if (!existsSync(path)) return path;
  if (!statSync(path).isDirectory()) {
    throw new UsageError(`invalid --out ${path}: it exists and is not a folder; remove it or choose another --out`);
  }
  if (readdirSync(path).length > 0 && !force) {
    throw new UsageError(
      `output folder ${path} already exists and is not empty; pass --force to replace it, or choose another --out`,
    );
  }
  return path;
}

/** Returns whether the absolute path `path` is `folder` or lies below it. */
function isWithin(folder: string, path: string): boolean {
  const inside = relative(folder, path);
  // A child named like "..foo" is inside, so only a leading ".." segment means outside.
  return inside === "" || (inside !== ".." && !inside.startsWith(`..${sep}`) && !isAbsolute(inside));
}

/**
 * Returns the absolute form of `path` with symbolic links resolved in its
 * longest existing prefix. The missing rest is appended unchanged.
 */
function realPathOfExisting(path: string): string {
  let existing = resolve(path);
  const missing: string[] = [];
  while (!existsSync(existing) && dirname(existing) !== existing) {
    missing.unshift(basename(existing));
    existing = dirname(existing);
  }
  return join(realpathSync(existing), ...missing);
}

/**
 * Calls `build` on a fresh temporary folder beside `out` (a path from
 * prepareOutputFolder) and then renames that folder to `out`, replacing
 * what `out` contained. The temporary folder is deleted when `build` or
 * the rename throws. A folder left by a killed run is deleted by the next
 * run's prepareOutputFolder.
 */
export function buildFolderAtomic(out: string, build: (folder: string) => void): void {
  const parent = dirname(out);
  mkdirSync(parent, { recursive: true });
  const temp = join(parent, `${TEMP_PREFIX}${basename(out)}.${process.pid}${TEMP_SUFFIX}`);
  const previous = join(parent, `${TEMP_PREFIX}${basename(out)}.${process.pid}.old${TEMP_SUFFIX}`);
  rmSync(temp, { recursive: true, force: true });
  mkdirSync(temp);
  try {
    build(temp);
    replaceFolder(temp, out, previous);
  } catch (error) {
    rmSync(temp, { recursive: true, force: true });
    throw error;
  }
}

/** Renames `temp` to `out`, moving an existing `out` aside first and back if the rename fails. */
function replaceFolder(temp: string, out: string, previous: string): void {
  if (!existsSync(out)) {
    renameSync(temp, out);
    return;
  }
  renameSync(out, previous);
  try {
    renameSync(temp, out);
  } catch (error) {
    renameSync(previous, out);
    throw error;
  }
  rmSync(previous, { recursive: true, force: true });
}

/**
 * Deletes the temporary folders of `out` whose process no longer runs.
 * A previous output that such a run had moved aside is renamed back when
 * `out` is missing, because the run was killed between its two renames.
 */
function removeStaleFolders(out: string): void {
  const parent = dirname(out);
  const pattern = new RegExp(`^${escapeRegExp(`${TEMP_PREFIX}${basename(out)}.`)}(\\d+)(\\.old)?${escapeRegExp(TEMP_SUFFIX)}$`);
  for (const name of readdirSync(parent)) {
    const match = pattern.exec(name);
    if (match === null) continue;
    const pid = Number(match[1]);
    if (pid === process.pid || isAlive(pid)) continue;
    const path = join(parent, name);
    if (match[2] !== undefined && !existsSync(out)) {
      renameSync(path, out);
    } else {
      rmSync(path, { recursive: true, force: true });
    }
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
