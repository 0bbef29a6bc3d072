/**
 * A worker thread: draws categories and renders, encodes and writes
 * instance groups. Each image depends only on the recipe, its category's
 * parameters and its own random stream, so which worker makes it, and
 * in what order, never changes its bytes.
 */
import { createHash } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { parentPort, workerData } from "node:worker_threads";
import { writeFileAtomic } from "../dataset/atomic.js";
import { categoryName, imageName } from "../dataset/layout.js";
import { TarWriter } from "../dataset/tar.js";
import { createEncoder } from "../encode/index.js";
import { FdslError } from "../errors.js";
import type { Family, ImageSpec, Renderer } from "../families/family.js";
import { getFamily } from "../families/registry.js";
import { createCanvas, type Canvas, type Channels } from "../raster/canvas.js";
import { Stream, streamRng } from "../random/rng.js";
import type {
  CategoriesMessage,
  Checksum,
  MeasureTask,
  RenderTask,
  Reply,
  SearchTask,
  TarTask,
  Task,
  WorkerInit,
} from "./tasks.js";

const { recipe, out, layout } = workerData as WorkerInit;
const encoder = createEncoder(recipe.format, recipe.quality);
const channels: Channels = recipe.color === "rgb" ? 3 : 1;

/** Per family: its spec, a renderer and one canvas per group member. */
interface FamilyState {
  family: Family;
  spec: ImageSpec<unknown>;
  renderer?: Renderer<unknown>;
  canvases?: Canvas[];
}
const families = new Map<string, FamilyState>();

/** Category parameters, sent once after the search. */
const categories = new Map<number, { family: string; params: unknown; json: string }>();

function familyState(name: string): FamilyState {
  const known = families.get(name);
  if (known !== undefined) return known;
  const family = getFamily(name);
  const spec = { size: recipe.size, channels, points: recipe.points, options: recipe.options };
  const state: FamilyState = { family, spec };
  families.set(name, state);
  return state;
}

function search(task: SearchTask): Reply {
  const { family, spec } = familyState(recipe.family);
  const rng = streamRng(recipe.seed, Stream.Category, task.category);
  const params = family.sampleCategory(spec, rng);
  return { type: "category", id: task.id, category: task.category, params };
}

/** An encoded image of a render group. */
interface Encoded {
  instance: number;
  data: Buffer;
}

/** Renders group `group` of `category` and encodes its instances. */
async function renderGroup(category: number, group: number): Promise<Encoded[]> {
  const entry = categories.get(category);
  if (entry === undefined) throw new FdslError(`no parameters were sent for category ${category}`);
  const state = familyState(entry.family);
  const { family, spec } = state;
  state.renderer ??= family.createRenderer(spec);
  state.canvases ??= Array.from({ length: family.groupSize }, () =>
    createCanvas(spec.size, spec.size, spec.channels),
  );
  const rng = streamRng(recipe.seed, Stream.Instance, category, group);
  state.renderer.renderGroup(entry.params, group, rng, state.canvases);

  const images: Encoded[] = [];
  for (let k = 0; k < family.groupSize; k++) {
    const instance = group * family.groupSize + k;
    if (instance >= recipe.instances) break;
    images.push({ instance, data: await encoder.encode(state.canvases[k]) });
  }
  return images;
}

function sha256(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

async function render(task: RenderTask): Promise<Reply> {
  const dir = join(out, categoryName(layout, task.category));
  mkdirSync(dir, { recursive: true });
  const checksums: Checksum[] = [];
  let bytes = 0;
  for (let group = task.groupStart; group < task.groupEnd; group++) {
    for (const { instance, data } of await renderGroup(task.category, group)) {
      writeFileAtomic(join(dir, imageName(layout, task.category, instance)), data);
      checksums.push([task.category, instance, sha256(data)]);
      bytes += data.length;
    }
  }
  return { type: "rendered", id: task.id, images: checksums.length, bytes, checksums };
}

/**
 * Writes one WebDataset tar: per image `<key>.png` (or .jpg), `<key>.cls`
 * with the category index and `<key>.json` with the category's family
 * and parameters, where the key is the image name without extension.
 */
async function writeTar(task: TarTask): Promise<Reply> {
  const tar = new TarWriter(task.path);
  const checksums: Checksum[] = [];
  let bytes = 0;
  try {
    for (const unit of task.units) {
      const category = Math.floor(unit / task.groups);
      const entry = categories.get(category)!;
      for (const { instance, data } of await renderGroup(category, unit % task.groups)) {
        const key = imageName(layout, category, instance).replace(/\.[^.]+$/, "");
        tar.add(`${key}.${layout.extension}`, data);
        tar.add(`${key}.cls`, Buffer.from(String(category)));
        tar.add(`${key}.json`, Buffer.from(entry.json));
        checksums.push([category, instance, sha256(data)]);
        bytes += data.length;
      }
    }
    tar.finish();
  } catch (error) {
    tar.abort();
    throw error;
  }
  return { type: "rendered", id: task.id, images: checksums.length, bytes, checksums };
}

async function measure(task: MeasureTask): Promise<Reply> {
  const sizes: number[] = [];
  for (const category of task.categories) {
    for (const { data } of await renderGroup(category, 0)) sizes.push(data.length);
  }
  return { type: "measured", id: task.id, sizes };
}

function storeCategories(message: CategoriesMessage): void {
  for (const { index, family, params } of message.categories) {
    categories.set(index, { family, params, json: JSON.stringify({ category: index, family, params }) });
  }
}

async function handle(task: Task): Promise<Reply> {
  try {
    if (task.type === "search") return search(task);
    if (task.type === "render") return await render(task);
    if (task.type === "measure") return await measure(task);
    return await writeTar(task);
  } catch (error) {
    const err = error as Error & NodeJS.ErrnoException;
    const exitCode = error instanceof FdslError ? error.exitCode : 1;
    return { type: "error", id: task.id, name: err.name, message: describeError(err), exitCode };
  }
}

function describeError(error: Error & NodeJS.ErrnoException): string {
  if (error.code === "ENOSPC") {
    return `${error.message}; free some space and rerun the same command: finished images are kept`;
  }
  return error.message;
}

// Tasks run one at a time: the renderer's buffers are shared, and an
// encoder may await between images.
let queue = Promise.resolve();
parentPort!.on("message", (message: Task | CategoriesMessage) => {
  if (message.type === "categories") {
    queue = queue.then(() => storeCategories(message));
    return;
  }
  queue = queue.then(async () => parentPort!.postMessage(await handle(message)));
});
