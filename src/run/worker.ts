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
import type { Family, ImageSpec } from "../families/family.js";
import { CategorySampler, InstanceRenderer } from "../families/modes.js";
import { getFamily } from "../families/registry.js";
import type { Canvas, Channels } from "../raster/canvas.js";
import { familyIndex, familyOptions, planFamilies } from "../recipe/mix.js";
import type { RenderTask, Reply, SearchTask, Task, WorkerInit } from "./tasks.js";

const { recipe, out, layout } = workerData as WorkerInit;
const encoder = createEncoder(recipe.format, recipe.quality);
const channels: Channels = recipe.color === "rgb" ? 3 : 1;
/** The family of every category (one family unless the recipe mixes). */
const plan = planFamilies(recipe);
const sampler = new CategorySampler(recipe);

/** Per family: its spec, a renderer and one canvas per group member. */
interface FamilyState {
  family: Family;
  spec: ImageSpec<unknown>;
  renderer?: InstanceRenderer;
  canvases?: Canvas[];
}
const families = new Map<string, FamilyState>();

function familyState(name: string): FamilyState {
  const known = families.get(name);
  if (known !== undefined) return known;
  const family = getFamily(name);
  const options = familyOptions(recipe, name);
  const spec = { size: recipe.size, channels, points: recipe.points, options };
  const state: FamilyState = { family, spec };
  families.set(name, state);
  return state;
}

function search(task: SearchTask): Reply {
  const name = plan[task.category];
  const { family, spec } = familyState(name);
  const params = sampler.sample(family, spec, task.category, familyIndex(recipe, name));
  return { type: "category", id: task.id, category: task.category, params };
}

async function render(task: RenderTask): Promise<Reply> {
  const state = familyState(task.family);
  const { family, spec } = state;
  state.renderer ??= new InstanceRenderer(family, spec, recipe);
  state.canvases ??= state.renderer.createCanvases(spec);
  const dir = join(out, categoryName(layout, task.category));
  mkdirSync(dir, { recursive: true });

  let images = 0;
  let bytes = 0;
  for (let group = task.groupStart; group < task.groupEnd; group++) {
    state.renderer.render(task.params, task.category, group, state.canvases);
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
