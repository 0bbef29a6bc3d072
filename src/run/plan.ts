/**
 * The partition of a run into units of work. A unit is `unitSize`
 * consecutive instances of one category, numbered category-major:
 * unit u = category * unitsPerCategory + block. The unit size is a
 * multiple of every family's render group (FractalDB renders its 4 flips
 * at once), so a shard never splits a render.
 *
 * ImageFolder output: shard i of N owns the contiguous unit range
 * [floor(i U / N), floor((i + 1) U / N)) of the U units.
 * WebDataset output: the units are shuffled by a seeded permutation and
 * cut into tar files of `unitsPerTar` units; shard i of N owns the tar
 * range [floor(i T / N), floor((i + 1) T / N)) of the T tars.
 * Both are pure functions of the recipe and the shard, so shards made on
 * different machines fit together without talking to each other.
 */
import { getFamily } from "../families/registry.js";
import type { Recipe } from "../recipe/schema.js";
import { Stream, streamRng } from "../random/rng.js";
import { shardRange, type Shard } from "./shard.js";

export interface UnitSpace {
  classes: number;
  instances: number;
  /** Instances per unit (the last unit of a category may hold fewer). */
  unitSize: number;
  unitsPerCategory: number;
  /** classes * unitsPerCategory. */
  units: number;
}

export function unitSpace(recipe: Recipe, unitSize: number): UnitSpace {
  const unitsPerCategory = Math.ceil(recipe.instances / unitSize);
  return {
    classes: recipe.classes,
    instances: recipe.instances,
    unitSize,
    unitsPerCategory,
    units: recipe.classes * unitsPerCategory,
  };
}

/** Returns the category of unit `u`, its block within the category and its instances [start, end). */
export function unitInstances(space: UnitSpace, u: number): { category: number; block: number; start: number; end: number } {
  const category = Math.floor(u / space.unitsPerCategory);
  const block = u % space.unitsPerCategory;
  const start = block * space.unitSize;
  return { category, block, start, end: Math.min(start + space.unitSize, space.instances) };
}

/** Returns the unit that contains instance `instance` of `category`. */
export function unitOf(space: UnitSpace, category: number, instance: number): number {
  return category * space.unitsPerCategory + Math.floor(instance / space.unitSize);
}

/** Returns the unit range a shard owns in ImageFolder output. */
export function folderUnits(space: UnitSpace, shard: Shard): [number, number] {
  return shardRange(space.units, shard);
}

/** The cut of WebDataset output into tar files. */
export interface TarPlan {
  /** Units per tar file; the last tar may hold fewer. */
  unitsPerTar: number;
  tars: number;
}

export function tarPlan(space: UnitSpace, unitsPerTar: number): TarPlan {
  return { unitsPerTar, tars: Math.ceil(space.units / unitsPerTar) };
}

/**
 * Returns the seeded shuffle of all units (a Fisher-Yates permutation
 * from the recipe seed's plan stream). Tar t contains positions
 * [t * unitsPerTar, (t + 1) * unitsPerTar) of it.
 */
export function shuffledUnits(recipe: Recipe, space: UnitSpace): Uint32Array {
  const order = new Uint32Array(space.units);
  for (let u = 0; u < order.length; u++) order[u] = u;
  const rng = streamRng(recipe.seed, Stream.Plan, 0);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    const swap = order[i];
    order[i] = order[j];
    order[j] = swap;
  }
  return order;
}

/** Returns the units of tar `t`, in the order they are written. */
export function tarUnits(order: Uint32Array, plan: TarPlan, t: number): Uint32Array {
  return order.subarray(t * plan.unitsPerTar, Math.min((t + 1) * plan.unitsPerTar, order.length));
}

/** Returns the categories that the given units draw from, ascending. */
export function categoriesOf(space: UnitSpace, units: Iterable<number>): number[] {
  const seen = new Uint8Array(space.classes);
  for (const u of units) seen[Math.floor(u / space.unitsPerCategory)] = 1;
  const categories: number[] = [];
  for (let c = 0; c < seen.length; c++) if (seen[c]) categories.push(c);
  return categories;
}

/** Iterates the integers [start, end). */
export function* range(start: number, end: number): Generator<number> {
  for (let i = start; i < end; i++) yield i;
}

/** Render group sizes of the recipe's families, by family name. */
export function groupSizes(recipe: Recipe): Record<string, number> {
  const names = recipe.mix.length === 0 ? [recipe.family] : recipe.mix.map((entry) => entry.family);
  return Object.fromEntries(names.map((name) => [name, getFamily(name).groupSize]));
}

/** Returns the least common multiple of the families' render group sizes. */
export function unitSizeOf(recipe: Recipe): number {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  return Object.values(groupSizes(recipe)).reduce((lcm, size) => (lcm * size) / gcd(lcm, size), 1);
}
