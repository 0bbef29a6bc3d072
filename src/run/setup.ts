/**
 * Checks of a run's options and of its output location, done before the
 * run writes anything, so a bad option leaves no file behind.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
import { createLayout, isTempName, type Layout } from "../dataset/layout.js";
import { defaultManifestPath, readManifest } from "../dataset/manifest.js";
import { UsageError } from "../errors.js";
import type { Recipe } from "../recipe/schema.js";
import { unitSizeOf, unitSpace, type UnitSpace } from "./plan.js";
import { WHOLE, type Shard } from "./shard.js";

export interface RunOptions {
  out: string;
  manifest?: string;
  workers?: number;
  shard?: Shard;
  output?: "folder" | "wds";
  imagesPerTar?: number;
  tarPrefix?: string;
}

/** The resolved settings of a run. */
export interface RunSetup {
  out: string;
  manifestPath: string;
  shard: Shard;
  kind: "folder" | "wds";
  prefix: string;
  workers: number;
  layout: Layout;
  space: UnitSpace;
}

/**
 * Images one manifest may track. The manifest keeps every checksum in
 * memory and in one JSON string (V8 caps strings near 512 MB), so a
 * larger run must be split into shards.
 * NOTE: 4M checksums take 128 MB in memory and 256 MB of JSON, so this
 * bounds a shard's memory, not a dataset's size.
 */
export const MAX_IMAGES_PER_MANIFEST = 4_000_000;

/** Slots (categories x instances) of the checksum table, tracked or not. */
const MAX_IMAGE_SLOTS = 50_000_000;

/** Resolves and checks the options; throws a UsageError naming the bad one. */
export function setupRun(recipe: Recipe, options: RunOptions): RunSetup {
  const shard = options.shard ?? WHOLE;
  const kind = options.output ?? "folder";
  const workers = options.workers ?? availableParallelism();
  if (!Number.isInteger(workers) || workers < 1 || workers > 1024) {
    throw new UsageError(`invalid worker count ${workers}; expected an integer in 1..1024`);
  }
  if (options.out.trim() === "") throw new UsageError("invalid --out: empty path; give a folder path");
  const out = resolve(options.out);
  if (dirname(out) === out) throw new UsageError(`invalid --out ${out}: a file system root; give a folder path`);
  const manifestPath = resolve(options.manifest ?? defaultManifestPath(out, shard));
  checkManifestPath(manifestPath, out, options.manifest !== undefined);
  const prefix = options.tarPrefix ?? basename(out);
  if (kind === "wds") checkTarPrefix(prefix, options.tarPrefix !== undefined);
  if (options.imagesPerTar !== undefined && (!Number.isInteger(options.imagesPerTar) || options.imagesPerTar < 1)) {
    throw new UsageError(`invalid images per tar ${options.imagesPerTar}; expected an integer >= 1`);
  }

  const space = unitSpace(recipe, unitSizeOf(recipe));
  checkSize(recipe, shard);
  const layout = createLayout(recipe.classes, recipe.instances, recipe.format);
  return { out, manifestPath, shard, kind, prefix, workers, layout, space };
}

function checkManifestPath(manifestPath: string, out: string, given: boolean): void {
  const inside = relative(out, manifestPath);
  if (inside === "" || (!inside.startsWith("..") && !isAbsolute(inside))) {
    throw new UsageError(
      `manifest ${manifestPath} would be inside the output folder ${out}, which must hold only ` +
        `the dataset; put it beside the folder`,
    );
  }
  // The default manifest's folder is the output's parent, created with it.
  const folder = dirname(manifestPath);
  if (given && (!existsSync(folder) || !statSync(folder).isDirectory())) {
    throw new UsageError(`manifest folder ${folder} does not exist; create it or choose another --manifest`);
  }
  if (existsSync(manifestPath) && statSync(manifestPath).isDirectory()) {
    throw new UsageError(`manifest path ${manifestPath} is a folder; give a file path`);
  }
}

function checkTarPrefix(prefix: string, given: boolean): void {
  const what = given ? "--tar-prefix" : "tar prefix (the name of --out)";
  const valid = /^[^/\\\0]+$/.test(prefix) && !prefix.startsWith(".") && Buffer.byteLength(prefix) <= 80;
  if (!valid) {
    throw new UsageError(
      `invalid ${what} "${prefix}": expected a file name of at most 80 bytes without "/" ` +
        `that does not start with "."`,
    );
  }
}

function checkSize(recipe: Recipe, shard: Shard): void {
  const slots = recipe.classes * recipe.instances;
  if (slots > MAX_IMAGE_SLOTS) {
    throw new UsageError(
      `the recipe makes ${slots} images; fdsl tracks at most ${MAX_IMAGE_SLOTS} per dataset ` +
        `(classes x instances)`,
    );
  }
  const perShard = Math.ceil(slots / shard.count);
  if (perShard > MAX_IMAGES_PER_MANIFEST) {
    const needed = Math.ceil(slots / MAX_IMAGES_PER_MANIFEST);
    throw new UsageError(
      `this run would track ${perShard} images in one manifest; the limit is ` +
        `${MAX_IMAGES_PER_MANIFEST}, so split it with --shard-count ${needed} or more`,
    );
  }
}

/**
 * Checks the output folder without changing it: it must be a folder, or
 * not exist, and hold only names this run may write. Entries are allowed
 * only when resuming, or when other shards of the same run (found by
 * their manifests beside the folder) already write there.
 */
export function checkOutputFolder(
  setup: RunSetup,
  isOwnName: (name: string) => boolean,
  resuming: boolean,
  recipe: Recipe,
): void {
  const { out } = setup;
  let entries: string[] = [];
  try {
    if (!statSync(out).isDirectory()) {
      throw new UsageError(`output path ${out} exists and is not a folder; choose a folder path for --out`);
    }
    entries = readdirSync(out);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOTDIR") {
      throw new UsageError(`output path ${out} lies under a file, not a folder; choose a folder path for --out`);
    }
    if (code !== "ENOENT") throw error;
  }
  const foreign = entries.find((name) => !isOwnName(name) && !isTempName(name));
  if (foreign !== undefined) {
    throw new UsageError(
      `output folder ${out} contains "${foreign}", which this recipe would not write; ` +
        `choose an empty or new folder for --out`,
    );
  }
  const siblings = checkSiblingManifests(setup, recipe);
  if (entries.length > 0 && !resuming && siblings === 0) {
    throw new UsageError(
      `output folder ${out} contains data but no manifest of this run beside it; ` +
        `choose an empty or new folder for --out`,
    );
  }
}

/**
 * Reads the other manifests beside the output (the whole run's and other
 * shards') and throws a UsageError if any was made from another recipe or
 * output format, because their images share the folder. Returns how many
 * there are.
 */
function checkSiblingManifests(setup: RunSetup, recipe: Recipe): number {
  const folder = dirname(setup.out);
  const base = basename(setup.out);
  if (!existsSync(folder)) return 0;
  const pattern = new RegExp(`^${escapeRegExp(base)}(\\.shard-\\d+-of-\\d+)?\\.manifest\\.json$`);
  let count = 0;
  for (const name of readdirSync(folder)) {
    const path = join(folder, name);
    if (!pattern.test(name) || path === setup.manifestPath) continue;
    const other = readManifest(path);
    const sameRecipe = JSON.stringify(other.recipe) === JSON.stringify(recipe);
    const sameOutput = other.output?.kind === setup.kind &&
      (setup.kind === "folder" || (other.output as { prefix?: string }).prefix === setup.prefix);
    if (!sameRecipe || !sameOutput) {
      throw new UsageError(
        `${path} describes another recipe or output format for ${setup.out}; ` +
          `write to a new --out, or delete that folder and its manifests`,
      );
    }
    count++;
  }
  return count;
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Returns the nearest existing folder at or above `path`, for free-space checks. */
export function existingAncestor(path: string): string {
  let current = path;
  while (!existsSync(current)) current = dirname(current);
  return current;
}
