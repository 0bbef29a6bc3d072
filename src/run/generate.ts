import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { basename, join, resolve } from "node:path";
import {
  defaultManifestPath,
  loadResumableManifest,
  writeManifest,
  type CategoryEntry,
  type Manifest,
  type OutputPlan,
} from "../dataset/manifest.js";
import { categoryName, createLayout, imageName, type Layout } from "../dataset/layout.js";
import { readTarImages } from "../dataset/tar-read.js";
import { UsageError } from "../errors.js";
import { getFamily } from "../families/registry.js";
import type { Recipe } from "../recipe/schema.js";
import { VERSION } from "../version.js";
import { checkFreeSpace, onDisk, prepareOutput, removeTempFiles } from "./output.js";
import {
  categoriesOf,
  folderUnits,
  range,
  shuffledUnits,
  tarPlan,
  tarUnits,
  unitInstances,
  unitSpace,
  type UnitSpace,
} from "./plan.js";
import { WorkerPool } from "./pool.js";
import { WHOLE, shardRange, type Shard } from "./shard.js";
import type { Checksum, RenderTask, Reply, SearchTask, TarTask, Task } from "./tasks.js";

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
  /** Output folder; it will hold the category folders (or tar files) and nothing else. */
  out: string;
  /** Manifest path; default `<out>.manifest.json`, see defaultManifestPath. */
  manifest?: string;
  /** Worker threads, >= 1; default: the number of cores. */
  workers?: number;
  /** Which part of the run to make; default: all of it. */
  shard?: Shard;
  /** ImageFolder files (default) or WebDataset tar files. */
  output?: "folder" | "wds";
  /** Images per tar file; default: about 1 GB of images per tar. */
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

/** Everything a run decides before it writes an image. */
interface Run {
  recipe: Recipe;
  options: GenerateOptions;
  out: string;
  manifestPath: string;
  shard: Shard;
  layout: Layout;
  space: UnitSpace;
  pool: WorkerPool;
  previous: Manifest | null;
  /** Categories searched so far, for progress across search passes. */
  searched: number;
}

/**
 * Generates the dataset of `recipe` (or one shard of it) into
 * `options.out`, resuming an earlier run of the same recipe there:
 * finished images are kept and only missing ones are made. Output bytes
 * do not depend on the worker count, on sharding or on interruptions.
 */
export async function generate(recipe: Recipe, options: GenerateOptions): Promise<GenerateSummary> {
  const started = performance.now();
  const shard = options.shard ?? WHOLE;
  const kind = options.output ?? "folder";
  const workers = options.workers ?? availableParallelism();
  if (!Number.isInteger(workers) || workers < 1) {
    throw new UsageError(`invalid worker count ${workers}; expected an integer >= 1`);
  }
  const out = resolve(options.out);
  const manifestPath = resolve(options.manifest ?? defaultManifestPath(options.out, shard));
  const layout = createLayout(recipe.classes, recipe.instances, recipe.format);
  const space = unitSpace(recipe, getFamily(recipe.family).groupSize);
  const prefix = options.tarPrefix ?? basename(out);
  const previous = loadResumableManifest(manifestPath, recipe, { kind, prefix }, shard);
  prepareOutput(out, ownedNamePattern(kind, layout, prefix), previous !== null || shard.count > 1);

  const pool = new WorkerPool(workers, { recipe, out, layout });
  const run: Run = { recipe, options, out, manifestPath, shard, layout, space, pool, previous, searched: 0 };
  try {
    const result = kind === "wds" ? await generateTars(run, prefix) : await generateFolders(run);
    return { ...result, out, manifest: manifestPath, seconds: (performance.now() - started) / 1000 };
  } finally {
    await pool.close();
  }
}

/** Returns a test for the top-level names of the output folder. */
function ownedNamePattern(kind: "folder" | "wds", layout: Layout, prefix: string): (name: string) => boolean {
  if (kind === "wds") {
    const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const tar = new RegExp(`^${escaped}-\\d{6,}\\.tar$`);
    return (name) => tar.test(name);
  }
  const category = new RegExp(`^\\d{${layout.categoryDigits}}$`);
  return (name) => category.test(name);
}

type Result = Pick<GenerateSummary, "images" | "written" | "bytes">;

async function generateFolders(run: Run): Promise<Result> {
  const { recipe, out, layout, space, shard } = run;
  const [first, last] = folderUnits(space, shard);
  const owned = range(first, last);
  const ownsImage = (name: string): boolean => {
    const match = /^(\d+)_(\d+)\./.exec(name);
    if (match === null) return false;
    const unit = Number(match[1]) * space.groups + Math.floor(Number(match[2]) / space.groupSize);
    return unit >= first && unit < last;
  };
  removeTempFiles(out, ownsImage, 1);

  const needed = categoriesOf(space, owned);
  const manifest = await startManifest(run, needed.slice(0, SAMPLE_CATEGORIES), needed, () => ({ kind: "folder" }));
  const present = listPresent(out, layout, needed);
  const { tasks, skipped } = planFolderTasks(run, first, last, present);
  const images = tasks.reduce((n, t) => n + taskImages(space, t), 0);
  if (run.options.checkSpace !== false) {
    const perImage = await meanImageSize(run, needed.slice(0, SAMPLE_CATEGORIES));
    checkFreeSpace(out, (block) => images * onDisk(perImage, block) * 1.05);
  }

  const { written, bytes } = await renderTasks(run, manifest, tasks, images);
  for (const [category, instance] of skipped) {
    const name = categoryName(layout, category);
    const known = run.previous?.checksums?.[name]?.[instance];
    manifest.checksums[name][instance] = known || sha256File(join(out, name, imageName(layout, category, instance)));
  }
  removeTempFiles(out, ownsImage, 1);
  finishManifest(run, manifest);
  return { images: ownedImages(space, first, last), written, bytes };
}

async function generateTars(run: Run, prefix: string): Promise<Result> {
  const { recipe, out, space, shard, options } = run;
  const samples = Array.from({ length: Math.min(SAMPLE_CATEGORIES, recipe.classes) }, (_, c) => c);
  let groupsPerTar = 0;
  const order = shuffledUnits(recipe, space);
  let ownedTars: [number, number] = [0, 0];
  const manifest = await startManifest(run, samples, undefined, async () => {
    groupsPerTar = run.previous?.output.kind === "wds"
      ? run.previous.output.groupsPerTar
      : await chooseGroupsPerTar(run, samples);
    const plan = tarPlan(space, groupsPerTar);
    ownedTars = shardRange(plan.tars, shard);
    return { kind: "wds", prefix, groupsPerTar, tars: plan.tars };
  }, () => {
    const plan = tarPlan(space, groupsPerTar);
    const units: number[] = [];
    for (const t of range(ownedTars[0], ownedTars[1])) units.push(...tarUnits(order, plan, t));
    return categoriesOf(space, units);
  });
  const plan = tarPlan(space, groupsPerTar);
  const tarName = (t: number) => `${prefix}-${String(t).padStart(6, "0")}.tar`;
  const ownsTar = (name: string) => {
    const match = /-(\d+)\.tar$/.exec(name);
    return match !== null && Number(match[1]) >= ownedTars[0] && Number(match[1]) < ownedTars[1];
  };
  removeTempFiles(out, ownsTar, 0);

  const tasks: TarTask[] = [];
  const skipped: number[] = [];
  for (const t of range(ownedTars[0], ownedTars[1])) {
    if (existsSync(join(out, tarName(t)))) skipped.push(t);
    else tasks.push({ type: "tar", id: t, path: join(out, tarName(t)), units: [...tarUnits(order, plan, t)], groups: space.groups });
  }
  const images = tasks.reduce((n, t) => n + t.units.reduce((m, u) => m + unitSize(space, u), 0), 0);
  if (options.checkSpace !== false) {
    const perImage = await meanImageSize(run, samples);
    // Per sample: the image, the .cls and .json members, three headers.
    const perSample = perImage + 3 * 512 + 1024;
    checkFreeSpace(out, () => images * perSample * 1.05);
  }

  const { written, bytes } = await renderTasks(run, manifest, tasks, images);
  for (const t of skipped) await checksumTar(run, manifest, join(out, tarName(t)));
  removeTempFiles(out, ownsTar, 0);
  finishManifest(run, manifest);
  const ownedImages = [...range(ownedTars[0], ownedTars[1])].reduce(
    (n, t) => n + [...tarUnits(order, plan, t)].reduce((m, u) => m + unitSize(space, u), 0),
    0,
  );
  return { images: ownedImages, written, bytes };
}

/**
 * Finds (or reloads) the categories, decides the output plan and writes
 * the manifest with complete: false, so a killed run can be resumed.
 * `samples` are searched first, then `plan` runs, then the remaining
 * categories the shard needs (`needed`, or what `neededAfterPlan` returns).
 */
async function startManifest(
  run: Run,
  samples: number[],
  needed: number[] | undefined,
  plan: () => OutputPlan | Promise<OutputPlan>,
  neededAfterPlan?: () => number[],
): Promise<Manifest> {
  const { recipe, layout, space, shard } = run;
  const found = new Map<number, CategoryEntry>();
  for (const entry of run.previous?.categories ?? []) found.set(entry.index, entry);

  await searchCategories(run, samples.filter((c) => !found.has(c)), found);
  const output = await plan();
  const rest = (needed ?? neededAfterPlan!()).filter((c) => !found.has(c));
  await searchCategories(run, rest, found);
  const categories = [...found.values()].sort((a, b) => a.index - b.index);
  run.pool.broadcast({
    type: "categories",
    categories: categories.map(({ index, family, params }) => ({ index, family, params })),
  });

  const checksums: Record<string, string[]> = {};
  for (const c of needed ?? neededAfterPlan!()) {
    checksums[categoryName(layout, c)] = new Array(recipe.instances).fill("");
  }
  const manifest: Manifest = {
    fdsl: VERSION,
    recipe,
    layout,
    groupSize: { [recipe.family]: space.groupSize },
    output,
    shard,
    complete: false,
    categories,
    checksums,
  };
  writeManifest(run.manifestPath, manifest);
  return manifest;
}

async function searchCategories(run: Run, wanted: number[], found: Map<number, CategoryEntry>): Promise<void> {
  if (wanted.length === 0) return;
  const { recipe, layout, options } = run;
  const tasks: SearchTask[] = wanted.map((category) => ({ type: "search", id: category, category }));
  const total = run.searched + wanted.length;
  await run.pool.run(tasks, (reply) => {
    if (reply.type !== "category") return;
    found.set(reply.category, {
      index: reply.category,
      name: categoryName(layout, reply.category),
      family: recipe.family,
      params: reply.params,
    });
    run.searched++;
    options.onProgress?.({ phase: "search", done: run.searched, total, bytes: 0 });
  });
}

/** Mean encoded size of the first render group of `categories`. */
async function meanImageSize(run: Run, categories: number[]): Promise<number> {
  let sizes: number[] = [];
  await run.pool.run([{ type: "measure", id: 0, categories }], (reply) => {
    if (reply.type === "measured") sizes = reply.sizes;
  });
  return sizes.reduce((a, b) => a + b, 0) / Math.max(1, sizes.length);
}

/** Units per tar so that a tar holds about TAR_BYTES of images, or the requested count. */
async function chooseGroupsPerTar(run: Run, samples: number[]): Promise<number> {
  const { imagesPerTar } = run.options;
  if (imagesPerTar !== undefined) {
    if (!Number.isInteger(imagesPerTar) || imagesPerTar < 1) {
      throw new UsageError(`invalid images per tar ${imagesPerTar}; expected an integer >= 1`);
    }
    return Math.max(1, Math.round(imagesPerTar / run.space.groupSize));
  }
  const perImage = await meanImageSize(run, samples);
  return Math.max(1, Math.round(TAR_BYTES / perImage / run.space.groupSize));
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
  const groupsPerTask = Math.max(1, Math.floor(IMAGES_PER_TASK / space.groupSize));
  const tasks: RenderTask[] = [];
  const skipped: [number, number][] = [];
  let open: RenderTask | null = null;

  for (let u = first; u < last; u++) {
    const { category, group, start, end } = unitInstances(space, u);
    const names = present.get(category)!;
    let complete = true;
    for (let i = start; i < end && complete; i++) complete = names.has(imageName(layout, category, i));
    if (complete) {
      for (let i = start; i < end; i++) skipped.push([category, i]);
      open = null;
      continue;
    }
    if (open && open.category === category && open.groupEnd === group && group - open.groupStart < groupsPerTask) {
      open.groupEnd++;
      continue;
    }
    open = { type: "render", id: tasks.length, category, groupStart: group, groupEnd: group + 1 };
    tasks.push(open);
  }
  return { tasks, skipped };
}

function taskImages(space: UnitSpace, task: RenderTask): number {
  const end = Math.min(task.groupEnd * space.groupSize, space.instances);
  return end - task.groupStart * space.groupSize;
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
  manifest: Manifest,
  tasks: Task[],
  total: number,
): Promise<{ written: number; bytes: number }> {
  const { options, layout } = run;
  let written = 0;
  let bytes = 0;
  options.onProgress?.({ phase: "render", done: 0, total, bytes: 0 });
  await run.pool.run(tasks, (reply: Reply) => {
    if (reply.type !== "rendered") return;
    recordChecksums(manifest, layout, reply.checksums);
    written += reply.images;
    bytes += reply.bytes;
    options.onProgress?.({ phase: "render", done: written, total, bytes });
  });
  return { written, bytes };
}

function recordChecksums(manifest: Manifest, layout: Layout, checksums: Checksum[]): void {
  for (const [category, instance, digest] of checksums) {
    manifest.checksums[categoryName(layout, category)][instance] = digest;
  }
}

/** Records the checksums of a tar written by an earlier run. */
async function checksumTar(run: Run, manifest: Manifest, path: string): Promise<void> {
  for (const { category, instance, digest } of await readTarImages(path, run.layout)) {
    const name = categoryName(run.layout, category);
    manifest.checksums[name][instance] = run.previous?.checksums?.[name]?.[instance] || digest;
  }
}

function sha256File(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

function finishManifest(run: Run, manifest: Manifest): void {
  manifest.complete = true;
  writeManifest(run.manifestPath, manifest);
}
