import { existsSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import { FdslError, UsageError } from "../errors.js";
import type { Recipe } from "../recipe/schema.js";
import { readJsonFile } from "../recipe/load.js";
import { VERSION } from "../version.js";
import { writeFileAtomic } from "./atomic.js";
import type { Layout } from "./layout.js";
import type { Shard } from "../run/shard.js";

/** One category: its folder, its family and the parameters drawn for it. */
export interface CategoryEntry {
  index: number;
  name: string;
  family: string;
  params: unknown;
}

/**
 * The record written beside a dataset. With the recipe and a category's
 * parameters, any image can be made again exactly: image i of category c
 * is instance group floor(i / groupSize), rendered from the random
 * stream (seed, instance stream, c, group).
 */
export interface Manifest {
  fdsl: string;
  recipe: Recipe;
  layout: Layout;
  /** Instances made by one render, per family name. */
  groupSize: Record<string, number>;
  output: OutputPlan;
  /** The shard this manifest covers; { index: 0, count: 1 } for a whole run. */
  shard: Shard;
  /** False until every image of the shard is written and checksummed. */
  complete: boolean;
  /** The categories this shard drew on, ascending by index. */
  categories: CategoryEntry[];
  /**
   * SHA-256 of every image, by category name: 64 hex digits per
   * instance, "-" x 64 for an image this shard does not make (see
   * checksums.ts). Empty until the run completes.
   */
  checksums: Record<string, string>;
}

/** The storage of images: ImageFolder files, or WebDataset tar files. */
export type OutputPlan =
  | { kind: "folder" }
  | { kind: "wds"; prefix: string; unitsPerTar: number; tars: number };

/**
 * The default manifest path: beside the output folder, never inside it;
 * shard i of N writes `<out>.shard-<i>-of-<N>.manifest.json`, so shards
 * sharing a file system keep separate manifests until they are merged.
 */
export function defaultManifestPath(out: string, shard?: Shard): string {
  const base = out.replace(/[\\/]+$/, "");
  if (shard === undefined || shard.count === 1) return `${base}.manifest.json`;
  const width = Math.max(4, String(shard.count - 1).length);
  const index = String(shard.index).padStart(width, "0");
  const count = String(shard.count).padStart(width, "0");
  return `${base}.shard-${index}-of-${count}.manifest.json`;
}

/** Writes the manifest atomically, so a reader never sees half of it. */
export function writeManifest(path: string, manifest: Manifest): void {
  writeFileAtomic(path, `${JSON.stringify(manifest, null, 1)}\n`);
}

export function readManifest(path: string): Manifest {
  const value = readJsonFile(path, "manifest") as Partial<Manifest>;
  if (typeof value !== "object" || value === null || !Array.isArray(value.categories)) {
    throw new FdslError(`${path} is not an fdsl manifest: it has no categories list`);
  }
  return value as Manifest;
}

/**
 * Loads the manifest of an earlier run into the same output, so a rerun
 * resumes it; returns null when there is none. Throws a UsageError when
 * that run used another recipe, output kind or shard, because mixing two
 * runs' images in one folder would give a dataset no manifest describes.
 */
export function loadResumableManifest(
  path: string,
  recipe: Recipe,
  output: { kind: OutputPlan["kind"]; prefix: string },
  shard: Shard,
): Manifest | null {
  if (!existsSync(path)) return null;
  const manifest = readManifest(path);
  if (!isDeepStrictEqual(manifest.recipe, recipe)) {
    const fields = differingFields(manifest.recipe, recipe);
    throw new UsageError(
      `the output was started with another recipe (manifest ${path} differs in: ` +
        `${fields.join(", ")}); write to a new --out, or delete that folder and its manifest`,
    );
  }
  const sameOutput = manifest.output?.kind === output.kind &&
    (output.kind === "folder" || (manifest.output as { prefix: string }).prefix === output.prefix);
  if (!sameOutput || !isDeepStrictEqual(manifest.shard, shard)) {
    throw new UsageError(
      `the output was started with another output format or shard (manifest ${path}); ` +
        `write to a new --out, or delete that folder and its manifest`,
    );
  }
  if (manifest.fdsl !== VERSION) {
    throw new UsageError(
      `the output was started by fdsl ${manifest.fdsl}, this is ${VERSION}; ` +
        `its images may differ, so write to a new --out`,
    );
  }
  return manifest;
}

function differingFields(a: Recipe, b: Recipe): string[] {
  const keys = new Set([...Object.keys(a ?? {}), ...Object.keys(b)]);
  return [...keys].filter(
    (key) => !isDeepStrictEqual((a as Record<string, unknown>)?.[key], (b as Record<string, unknown>)[key]),
  );
}
