import { availableParallelism } from "node:os";
import { mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  createManifest,
  defaultManifestPath,
  loadResumableManifest,
  writeManifest,
  type CategoryEntry,
  type Manifest,
} from "../dataset/manifest.js";
import { categoryName, createLayout, imageName, isTempName, type Layout } from "../dataset/layout.js";
import { UsageError } from "../errors.js";
import { getFamily } from "../families/registry.js";
import { groupSizes, planFamilies } from "../recipe/mix.js";
import type { Recipe } from "../recipe/schema.js";
import { WorkerPool } from "./pool.js";
import type { RenderTask, SearchTask } from "./tasks.js";

/** Progress of one phase: category search, then rendering. */
export interface ProgressEvent {
  phase: "search" | "render";
  /** Categories found, or images written, in this run so far. */
  done: number;
  /** What this run has to do in the phase (finished images excluded). */
  total: number;
  /** Bytes of images written so far (render phase). */
  bytes: number;
}

export interface GenerateOptions {
  /** Output folder; it will hold the category folders and nothing else. */
  out: string;
  /** Manifest path; default `<out>.manifest.json`. */
  manifest?: string;
  /** Worker threads, >= 1; default: the number of cores. */
  workers?: number;
  onProgress?: (event: ProgressEvent) => void;
}

export interface GenerateSummary {
  out: string;
  manifest: string;
  /** Images in the dataset when the run ended. */
  images: number;
  /** Images this run wrote; the rest were there already. */
  written: number;
  /** Bytes this run wrote. */
  bytes: number;
  seconds: number;
}

/** Images per render task: large enough to amortise messaging. */
const IMAGES_PER_TASK = 100;

/**
 * Generates the dataset of `recipe` into `options.out`, resuming any
 * earlier run of the same recipe there: finished images are kept and
 * only missing ones are made. Output bytes do not depend on the worker
 * count or on interruptions.
 */
export async function generate(recipe: Recipe, options: GenerateOptions): Promise<GenerateSummary> {
  const started = performance.now();
  const out = resolve(options.out);
  const manifestPath = resolve(options.manifest ?? defaultManifestPath(options.out));
  const workers = options.workers ?? availableParallelism();
  if (!Number.isInteger(workers) || workers < 1) {
    throw new UsageError(`invalid worker count ${workers}; expected an integer >= 1`);
  }
  const layout = createLayout(recipe.classes, recipe.instances, recipe.format);
  const previous = loadResumableManifest(manifestPath, recipe);
  const existing = prepareOutput(out, layout, recipe.classes, previous !== null);

  const pool = new WorkerPool(workers, { recipe, out, layout });
  try {
    const manifest = previous ?? (await searchCategories(pool, recipe, layout, options));
    if (previous === null) writeManifest(manifestPath, manifest);
    const tasks = planRenders(manifest, existing);
    const { written, bytes } = await renderAll(pool, tasks, { ...options, instances: recipe.instances });
    removeTempFiles(out);
    return {
      out,
      manifest: manifestPath,
      images: recipe.classes * recipe.instances,
      written,
      bytes,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await pool.close();
  }
}

/**
 * Checks that `out` is a folder holding only this run's category folders
 * (or does not exist), creates it, deletes temporary files left by a
 * killed run and returns the image names already present per category.
 */
function prepareOutput(out: string, layout: Layout, classes: number, resuming: boolean): Set<string>[] {
  const expected = new Set(Array.from({ length: classes }, (_, c) => categoryName(layout, c)));
  let entries: string[] = [];
  try {
    if (!statSync(out).isDirectory()) {
      throw new UsageError(`output path ${out} exists and is not a folder; choose a folder path for --out`);
    }
    entries = readdirSync(out);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const foreign = entries.filter(
    (name) => !expected.has(name) || !statSync(join(out, name)).isDirectory(),
  );
  if (foreign.length > 0) {
    throw new UsageError(
      `output folder ${out} holds "${foreign[0]}", which is not a category of this recipe; ` +
        `choose an empty or new folder for --out`,
    );
  }
  if (entries.length > 0 && !resuming) {
    throw new UsageError(
      `output folder ${out} holds category folders but no manifest beside it; ` +
        `choose an empty or new folder for --out`,
    );
  }
  mkdirSync(out, { recursive: true });
  removeTempFiles(out);
  return Array.from({ length: classes }, (_, c) => {
    const dir = join(out, categoryName(layout, c));
    try {
      return new Set(readdirSync(dir));
    } catch {
      return new Set<string>();
    }
  });
}

function removeTempFiles(out: string): void {
  for (const category of readdirSync(out)) {
    const dir = join(out, category);
    for (const name of readdirSync(dir)) {
      if (isTempName(name)) rmSync(join(dir, name), { force: true });
    }
  }
}

async function searchCategories(
  pool: WorkerPool,
  recipe: Recipe,
  layout: Layout,
  options: GenerateOptions,
): Promise<Manifest> {
  const tasks: SearchTask[] = Array.from({ length: recipe.classes }, (_, category) => ({
    type: "search",
    id: category,
    category,
  }));
  const categories: CategoryEntry[] = new Array(recipe.classes);
  const plan = planFamilies(recipe);
  let done = 0;
  await pool.run(tasks, (reply) => {
    if (reply.type !== "category") return;
    categories[reply.category] = {
      index: reply.category,
      name: categoryName(layout, reply.category),
      family: plan[reply.category],
      params: reply.params,
    };
    done++;
    options.onProgress?.({ phase: "search", done, total: recipe.classes, bytes: 0 });
  });
  return createManifest(recipe, layout, groupSizes(recipe), categories);
}

/**
 * Lists render tasks for every instance group with a missing image,
 * a task covering up to IMAGES_PER_TASK images of one category.
 */
function planRenders(manifest: Manifest, existing: Set<string>[]): RenderTask[] {
  const { recipe, layout } = manifest;
  const tasks: RenderTask[] = [];

  for (const category of manifest.categories) {
    const groupSize = manifest.groupSize[category.family];
    const groups = Math.ceil(recipe.instances / groupSize);
    const groupsPerTask = Math.max(1, Math.floor(IMAGES_PER_TASK / groupSize));
    const present = existing[category.index];
    const isPending = (group: number): boolean => {
      const end = Math.min((group + 1) * groupSize, recipe.instances);
      for (let i = group * groupSize; i < end; i++) {
        if (!present.has(imageName(layout, category.index, i))) return true;
      }
      return false;
    };
    let group = 0;
    while (group < groups) {
      if (!isPending(group)) {
        group++;
        continue;
      }
      const start = group;
      while (group < groups && group - start < groupsPerTask && isPending(group)) group++;
      tasks.push({
        type: "render",
        id: tasks.length,
        category: category.index,
        family: category.family,
        params: category.params,
        groupStart: start,
        groupEnd: group,
      });
    }
  }
  return tasks;
}

async function renderAll(
  pool: WorkerPool,
  tasks: RenderTask[],
  options: GenerateOptions & { instances: number },
): Promise<{ written: number; bytes: number }> {
  const instances = options.instances;
  const total = tasks.reduce((sum, task) => {
    const size = getFamily(task.family).groupSize;
    return sum + Math.min(task.groupEnd * size, instances) - task.groupStart * size;
  }, 0);
  let written = 0;
  let bytes = 0;
  options.onProgress?.({ phase: "render", done: 0, total, bytes: 0 });
  await pool.run(tasks, (reply) => {
    if (reply.type !== "rendered") return;
    written += reply.images;
    bytes += reply.bytes;
    options.onProgress?.({ phase: "render", done: written, total, bytes });
  });
  return { written, bytes };
}
