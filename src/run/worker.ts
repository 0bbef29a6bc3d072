/**
 * A worker thread: draws categories and renders, encodes and writes
 * instance groups. Each image depends only on the recipe, its category's
 * parameters and its own random stream, so which worker makes it, and
 * in what order, never changes its bytes.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { parentPort, workerData } from "node:worker_threads";
import { writeFileAtomic } from "../dataset/atomic.js";
import { categoryName, imageName } from "../dataset/layout.js";
import { createEncoder } from "../encode/index.js";
import { FdslError } from "../errors.js";
import type { Family, ImageSpec, Renderer } from "../families/family.js";
import { getFamily } from "../families/registry.js";
import { createCanvas, type Canvas, type Channels } from "../raster/canvas.js";
import { Stream, streamRng } from "../random/rng.js";
import type { RenderTask, Reply, SearchTask, Task, WorkerInit } from "./tasks.js";

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

async function render(task: RenderTask): Promise<Reply> {
  const state = familyState(task.family);
  const { family, spec } = state;
  state.renderer ??= family.createRenderer(spec);
  state.canvases ??= Array.from({ length: family.groupSize }, () =>
    createCanvas(spec.size, spec.size, spec.channels),
  );
  const dir = join(out, categoryName(layout, task.category));
  mkdirSync(dir, { recursive: true });

  let images = 0;
  let bytes = 0;
  for (let group = task.groupStart; group < task.groupEnd; group++) {
    const rng = streamRng(recipe.seed, Stream.Instance, task.category, group);
    state.renderer.renderGroup(task.params, group, rng, state.canvases);
    for (let k = 0; k < family.groupSize; k++) {
      const instance = group * family.groupSize + k;
      if (instance >= recipe.instances) break;
      const data = await encoder.encode(state.canvases[k]);
      writeFileAtomic(join(dir, imageName(layout, task.category, instance)), data);
      images++;
      bytes += data.length;
    }
  }
  return { type: "rendered", id: task.id, images, bytes };
}

async function handle(task: Task): Promise<Reply> {
  try {
    return task.type === "search" ? search(task) : await render(task);
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
parentPort!.on("message", (task: Task) => {
  queue = queue.then(async () => parentPort!.postMessage(await handle(task)));
});
