import { existsSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import { FdslError, UsageError } from "../errors.js";
import type { Recipe } from "../recipe/schema.js";
import { readJsonFile } from "../recipe/load.js";
import { VERSION } from "../version.js";
import { writeFileAtomic } from "./atomic.js";
import type { Layout } from "./layout.js";

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
  categories: CategoryEntry[];
}

/** The default manifest path: beside the output folder, never inside it. */
export function defaultManifestPath(out: string): string {
  return `${out.replace(/[\\/]+$/, "")}.manifest.json`;
}

export function createManifest(
  recipe: Recipe,
  layout: Layout,
  groupSize: Record<string, number>,
  categories: CategoryEntry[],
): Manifest {
  return { fdsl: VERSION, recipe, layout, groupSize, categories };
}

export function writeManifest(path: string, manifest: Manifest): void {
  writeFileAtomic(path, `${JSON.stringify(manifest, null, 1)}\n`);
}

export function readManifest(path: string): Manifest {
  const value = readJsonFile(path, "manifest") as Partial<Manifest>;
  if (typeof value !== "object" || value === null || !Array.isArray(value.categories)) {
    throw new FdslError(`invalid manifest ${path}: no categories list; delete it and rerun`);
  }
  return value as Manifest;
}

/**
 * Loads the manifest of an earlier run into the same output, so a rerun
 * resumes it; returns null when there is none. Throws a UsageError when
 * that run used another recipe, because mixing two recipes' images in one
 * folder would give a dataset that no manifest describes.
 */
export function loadResumableManifest(path: string, recipe: Recipe): Manifest | null {
  if (!existsSync(path)) return null;
  const manifest = readManifest(path);
  if (!isDeepStrictEqual(manifest.recipe, recipe)) {
    const fields = differingFields(manifest.recipe, recipe);
    throw new UsageError(
      `the output was started with another recipe (manifest ${path} differs in: ` +
        `${fields.join(", ")}); write to a new --out, or delete that folder and its manifest`,
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
