import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import {
  loadResumableManifest,
  writeManifest,
  type CategoryEntry,
  type Manifest,
  type OutputPlan,
} from "../dataset/manifest.js";
import { ChecksumTable, digestAt } from "../dataset/checksums.js";
import { categoryName, imageName, type Layout } from "../dataset/layout.js";
import { readTarImages } from "../dataset/tar-read.js";
import { FdslError } from "../errors.js";
import { planFamilies } from "../recipe/mix.js";
import type { Recipe } from "../recipe/schema.js";
import { VERSION } from "../version.js";
import { acquireLock } from "./lock.js";
import { checkFreeSpace, onDisk, removeTempFiles } from "./output.js";
import {
  categoriesOf,
  folderUnits,
  range,
  shuffledUnits,
  tarPlan,
  tarUnits,
  groupSizes,
  unitInstances,
  unitOf,
  type UnitSpace,
} from "./plan.js";
import { WorkerPool } from "./pool.js";
import { checkOutputFolder, escapeRegExp, existingAncestor, setupRun, type RunOptions, type RunSetup } from "./setup.js";
import { shardRange } from "./shard.js";
import type { Checksum, RenderTask, Reply, SearchTask, TarTask, Task } from "./tasks.js";

/** Progress of one phase: category search, then rendering. */
export interface ProgressEvent {
  phase: "search" | "render";
  /** Categories found, or images written, in this run so far. */
  done: number;
  /** The work of this run in the phase (finished images excluded). */
  total: number;
  /** Bytes of images written so far (render phase). */
  bytes: number;
  /** The work of the phase that earlier runs finished, which this run resumes after. */
  earlier: number;
}

export interface GenerateOptions extends RunOptions {
  /** Output folder; it will hold the category folders (or tar files) and nothing else. */
  out: string;
  /** Manifest path; default `<out>.manifest.json`, see defaultManifestPath. */
  manifest?: string;
  /** Worker threads, 1..1024; default: the number of cores. */
  workers?: number;
  /** The part of the run to make; default: all of it. */
  shard?: RunOptions["shard"];
  /** ImageFolder files (default) or WebDataset tar files. */
  output?: "folder" | "wds";
  /** Images per tar file, rounded to whole render groups; default: about 1 GB of images per tar. */
  imagesPerTar?: number;
  /** Tar file names are `<prefix>-000000.tar`; default: the name of `out`. */
  tarPrefix?: string;
  /** Estimate the output size and stop if it does not fit; default true. */
  checkSpace?: boolean;
  onProgress?: (event: ProgressEvent) => void;
}

export interface GenerateSummary {
  out: string;
  manifest: string;
  /** Images of this shard in the dataset when the run ended. */
  images: number;
  /** Images this run wrote; the rest were there already. */
  written: number;
  /** Bytes this run wrote. */
  bytes: number;
  seconds: number;
}

/** Images per ImageFolder render task: large enough to amortise messaging. */
const IMAGES_PER_TASK = 100;

/** Target size of a tar file when `imagesPerTar` is not given. */
const TAR_BYTES = 1e9;

/** Categories whose first render sizes the output estimates. */
const SAMPLE_CATEGORIES = 4;

/** Seconds between manifest checkpoints during the category search. */
const CHECKPOINT_SECONDS = 10;

/** Everything a run decides before it writes an image. */
interface Run extends RunSetup {
  recipe: Recipe;
  options: GenerateOptions;
  pool: WorkerPool;
  previous: Manifest | null;
  /** The manifest being built; written at checkpoints and at the end. */
  manifest: Manifest;
  /** Categories searched so far, for progress across search passes. */
  searched: number;
  /** Digests of this shard's images, written into the final manifest. */
  checksums: ChecksumTable;
  /** Whether the manifest has been written, so checkpoints may follow. */
  started: boolean;
}

type Result = Pick<GenerateSummary, "images" | "written" | "bytes">;

/**
 * Generates the dataset of `recipe` (or one shard of it) into
 * `options.out`, resuming an earlier run of the same recipe there:
 * finished images are kept and only missing ones are made. Output bytes
 * do not depend on the worker count, on sharding or on interruptions.
 * Invalid options throw a UsageError before anything is written.
 */
export async function generate(recipe: Recipe, options: GenerateOptions): Promise<GenerateSummary> {
  const started = performance.now();
  const setup = setupRun(recipe, options);
  const previous = loadResumableManifest(setup.manifestPath, recipe, setup, setup.shard);
  checkOutputFolder(setup, ownedNamePattern(setup), previous !== null, recipe);
  mkdirSync(dirname(setup.manifestPath), { recursive: true });
  const release = acquireLock(`${setup.manifestPath}.lock`);

  const pool = new WorkerPool(setup.workers, { recipe, out: setup.out, layout: setup.layout });
  const manifest = emptyManifest(recipe, setup, previous);
  const checksums = new ChecksumTable(recipe.instances);
  const run: Run = { ...setup, recipe, options, pool, previous, manifest, searched: 0, checksums, started: false };
  try {
    const result = setup.kind === "wds" ? await generateTars(run) : await generateFolders(run);
    return { ...result, out: setup.out, manifest: setup.manifestPath, seconds: (performance.now() - started) / 1000 };
  } finally {
    await pool.close();
    release();
  }
}

/** Returns a test for the top-level names of the output folder. */
function ownedNamePattern({ kind, layout, prefix }: RunSetup): (name: string) => boolean {
  if (kind === "wds") {
    const tar = new RegExp(`^${escapeRegExp(prefix)}-\\d{6,}\\.tar$`);
    return (name) => tar.test(name);
  }
  const category = new RegExp(`^\\d{${layout.categoryDigits}}$`);
  return (name) => category.test(name);
}

function emptyManifest(recipe: Recipe, setup: RunSetup, previous: Manifest | null): Manifest {
  return {
    fdsl: VERSION,
    recipe,
    layout: setup.layout,
    groupSize: groupSizes(recipe),
    output: { kind: "folder" },
    shard: setup.shard,
    complete: false,
    categories: previous?.categories ?? [],
    checksums: {},
  };
}

async function generateFolders(run: Run): Promise<Result> {
  const { out, layout, space, shard } = run;
  const [first, last] = folderUnits(space, shard);
  const ownsImage = (name: string): boolean => {
    const match = /^(\d+)_(\d+)\./.exec(name);
    if (match === null) return false;
    const unit = unitOf(space, Number(match[1]), Number(match[2]));
    return unit >= first && unit < last;
  };
  const needed = categoriesOf(space, range(first, last));
  const samples = needed.slice(0, SAMPLE_CATEGORIES);

  await searchCategories(run, samples);
  const present = listPresent(out, layout, needed);
  const { tasks, skipped } = planFolderTasks(run, first, last, present);
  const images = tasks.reduce((n, t) => n + taskImages(t), 0);
  if (run.options.checkSpace !== false && images > 0) {
    const perImage = await meanImageSize(run, samples);
    checkFreeSpace(existingAncestor(out), (block) => images * onDisk(perImage, block) * 1.05);
  }

  run.manifest.output = { kind: "folder" };
  startOutput(run, needed);
  if (existsSync(out)) removeTempFiles(out, ownsImage, 1);
  await searchCategories(run, needed);

  const { written, bytes } = await renderTasks(run, tasks, images, skipped.length);
  for (const [category, instance] of skipped) {
    const name = categoryName(layout, category);
    const known = digestAt(run.previous?.checksums?.[name], instance);
    run.checksums.set(name, instance, known ?? sha256File(join(out, name, imageName(layout, category, instance))));
  }
  removeTempFiles(out, ownsImage, 1);
  finishManifest(run);
  return { images: ownedImages(space, first, last), written, bytes };
}

async function generateTars(run: Run): Promise<Result> {
  const { recipe, out, space, shard, prefix } = run;
  const samples = Array.from({ length: Math.min(SAMPLE_CATEGORIES, recipe.classes) }, (_, c) => c);
  await searchCategories(run, samples);

  const unitsPerTar = await chooseUnitsPerTar(run, samples);
  const plan = tarPlan(space, unitsPerTar);
  const order = shuffledUnits(recipe, space);
  const [firstTar, lastTar] = shardRange(plan.tars, shard);
  const unitsOf = (t: number) => [...tarUnits(order, plan, t)];
  const tarName = (t: number) => `${prefix}-${String(t).padStart(6, "0")}.tar`;
  const ownsTar = (name: string) => {
    const match = /-(\d+)\.tar$/.exec(name);
    return match !== null && Number(match[1]) >= firstTar && Number(match[1]) < lastTar;
  };

  const tasks: TarTask[] = [];
  const skipped: number[] = [];
  const neededUnits: number[] = [];
  for (const t of range(firstTar, lastTar)) {
    neededUnits.push(...unitsOf(t));
    if (existsSync(join(out, tarName(t)))) skipped.push(t);
    else {
      const { unitsPerCategory, unitSize } = space;
      tasks.push({ type: "tar", id: t, path: join(out, tarName(t)), units: unitsOf(t), unitsPerCategory, unitSize });
    }
  }
  const imagesOf = (units: number[]) => units.reduce((m, u) => m + unitSize(space, u), 0);
  const images = tasks.reduce((n, t) => n + imagesOf(t.units), 0);
  if (run.options.checkSpace !== false && images > 0) {
    const perImage = await meanImageSize(run, samples);
    // Per sample: the image, the .cls and .json members, three headers.
    const perSample = perImage + 3 * 512 + 1024;
    checkFreeSpace(existingAncestor(out), () => images * perSample * 1.05);
  }

  run.manifest.output = { kind: "wds", prefix, unitsPerTar, tars: plan.tars };
  const needed = categoriesOf(space, neededUnits);
  startOutput(run, needed);
  removeTempFiles(out, ownsTar, 0);
  await searchCategories(run, needed);

  const { written, bytes } = await renderTasks(run, tasks, images, imagesOf(neededUnits) - images);
  for (const t of skipped) await checksumTar(run, join(out, tarName(t)));
  removeTempFiles(out, ownsTar, 0);
  finishManifest(run);
  return { images: imagesOf(neededUnits), written, bytes };
}

/**
 * Writes the manifest (complete: false) and then creates the output
 * folder, in that order, so shards that share the folder always find a
 * manifest beside any data.
 */
function startOutput(run: Run, needed: number[]): void {
  for (const c of needed) run.checksums.addCategory(categoryName(run.layout, c));
  run.started = true;
  mkdirSync(dirname(run.manifestPath), { recursive: true });
  writeManifestChecked(run);
  mkdirSync(run.out, { recursive: true });
}

/**
 * Searches the categories of `wanted` that are not found yet, sends
 * their parameters to every worker and keeps them in the manifest, which
 * is written every CHECKPOINT_SECONDS once the output has started, so a
 * killed search resumes where it stopped.
 */
async function searchCategories(run: Run, wanted: number[]): Promise<void> {
  const known = new Map(run.manifest.categories.map((entry) => [entry.index, entry]));
  const missing = wanted.filter((c) => !known.has(c));
  const { recipe, layout, options, manifest } = run;
  const plan = planFamilies(recipe);
  const tasks: SearchTask[] = missing.map((category) => ({ type: "search", id: category, category }));
  const total = run.searched + missing.length;
  // Categories of `wanted` found before this run started (this run's own finds are in run.searched).
  const earlier = Math.max(0, wanted.length - missing.length - run.searched);
  let checkpoint = performance.now();
  await run.pool.run(tasks, (reply) => {
    if (reply.type !== "category") return;
    const entry: CategoryEntry = {
      index: reply.category,
      name: categoryName(layout, reply.category),
      family: plan[reply.category],
      params: reply.params,
    };
    known.set(entry.index, entry);
    run.searched++;
    options.onProgress?.({ phase: "search", done: run.searched, total, bytes: 0, earlier });
    if (run.started && performance.now() - checkpoint > CHECKPOINT_SECONDS * 1000) {
      manifest.categories = sortedCategories(known);
      writeManifestChecked(run);
      checkpoint = performance.now();
    }
  });
  manifest.categories = sortedCategories(known);
  // A finished search is kept, so a run killed while rendering resumes
  // without searching again.
  if (run.started && missing.length > 0) writeManifestChecked(run);
  run.pool.broadcast({
    type: "categories",
    categories: wanted.map((c) => known.get(c)!).map(({ index, family, params }) => ({ index, family, params })),
  });
}

function sortedCategories(known: Map<number, CategoryEntry>): CategoryEntry[] {
  return [...known.values()].sort((a, b) => a.index - b.index);
}

/** Mean encoded size of the first render group of `categories`. */
async function meanImageSize(run: Run, categories: number[]): Promise<number> {
  let sizes: number[] = [];
  await run.pool.run([{ type: "measure", id: 0, categories }], (reply) => {
    if (reply.type === "measured") sizes = reply.sizes;
  });
  return sizes.reduce((a, b) => a + b, 0) / Math.max(1, sizes.length);
}

/** Returns the units per tar, so a tar contains about TAR_BYTES of images or the requested count. */
async function chooseUnitsPerTar(run: Run, samples: number[]): Promise<number> {
  const previous = run.previous?.output;
  if (previous?.kind === "wds" && previous.unitsPerTar > 0) return previous.unitsPerTar;
  const { imagesPerTar } = run.options;
  if (imagesPerTar !== undefined) return Math.max(1, Math.round(imagesPerTar / run.space.unitSize));
  const perImage = await meanImageSize(run, samples);
  return Math.max(1, Math.round(TAR_BYTES / perImage / run.space.unitSize));
}

/** Lists the image files present in each needed category folder. */
function listPresent(out: string, layout: Layout, categories: number[]): Map<number, Set<string>> {
  const present = new Map<number, Set<string>>();
  for (const c of categories) {
    const dir = join(out, categoryName(layout, c));
    present.set(c, new Set(existsSync(dir) ? readdirSync(dir) : []));
  }
  return present;
}

/**
 * Lists render tasks for the owned units with a missing image, each
 * covering up to IMAGES_PER_TASK images of one category, and the images
 * of complete units, which are kept.
 */
function planFolderTasks(
  run: Run,
  first: number,
  last: number,
  present: Map<number, Set<string>>,
): { tasks: RenderTask[]; skipped: [number, number][] } {
  const { layout, space } = run;
  const tasks: RenderTask[] = [];
  const skipped: [number, number][] = [];
  let open: RenderTask | null = null;

  for (let u = first; u < last; u++) {
    const { category, start, end } = unitInstances(space, u);
    const names = present.get(category)!;
    let complete = true;
    for (let i = start; i < end && complete; i++) complete = names.has(imageName(layout, category, i));
    if (complete) {
      for (let i = start; i < end; i++) skipped.push([category, i]);
      open = null;
      continue;
    }
    // Extend the open task while it stays in one category and small.
    if (open && open.category === category && open.end === start && end - open.start <= IMAGES_PER_TASK) {
      open.end = end;
      continue;
    }
    open = { type: "render", id: tasks.length, category, start, end };
    tasks.push(open);
  }
  return { tasks, skipped };
}

function taskImages(task: RenderTask): number {
  return task.end - task.start;
}

function unitSize(space: UnitSpace, u: number): number {
  const { start, end } = unitInstances(space, u);
  return end - start;
}

function ownedImages(space: UnitSpace, first: number, last: number): number {
  let images = 0;
  for (let u = first; u < last; u++) images += unitSize(space, u);
  return images;
}

async function renderTasks(
  run: Run,
  tasks: Task[],
  total: number,
  earlier: number,
): Promise<{ written: number; bytes: number }> {
  const { options } = run;
  let written = 0;
  let bytes = 0;
  options.onProgress?.({ phase: "render", done: 0, total, bytes: 0, earlier });
  await run.pool.run(tasks, (reply: Reply) => {
    if (reply.type !== "rendered") return;
    recordChecksums(run, reply.checksums);
    written += reply.images;
    bytes += reply.bytes;
    options.onProgress?.({ phase: "render", done: written, total, bytes, earlier });
  });
  return { written, bytes };
}

function recordChecksums(run: Run, checksums: Checksum[]): void {
  for (const [category, instance, digest] of checksums) {
    run.checksums.set(categoryName(run.layout, category), instance, digest);
  }
}

/** Records the checksums of a tar written by an earlier run. */
async function checksumTar(run: Run, path: string): Promise<void> {
  let images;
  try {
    images = await readTarImages(path, run.layout);
  } catch (error) {
    throw new FdslError(`tar file ${path} is damaged (${(error as Error).message}); delete it and rerun`);
  }
  for (const { category, instance, digest } of images) {
    const name = categoryName(run.layout, category);
    run.checksums.set(name, instance, digestAt(run.previous?.checksums?.[name], instance) ?? digest);
  }
}

function sha256File(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

function finishManifest(run: Run): void {
  run.manifest.complete = true;
  run.manifest.checksums = run.checksums.toJSON();
  writeManifestChecked(run);
}

/** Writes the manifest, turning a full disk into advice to rerun. */
function writeManifestChecked(run: Run): void {
  try {
    writeManifest(run.manifestPath, run.manifest);
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    const hint = err.code === "ENOSPC" ? "; free some space and rerun the same command: finished images are kept" : "";
    throw new FdslError(`cannot write manifest ${run.manifestPath}: ${err.message}${hint}`);
  }
}
