/**
 * The partition of a run into units of work. A unit is one instance
 * group of one category (the instances made by one render), numbered
 * category-major: unit u = category * groups + group. Units are the
 * grain of sharding, so a shard never splits a render.
 *
 * ImageFolder output: shard i of N owns the contiguous unit range
 * [floor(i U / N), floor((i + 1) U / N)) of the U units.
 * WebDataset output: the units are shuffled by a seeded permutation and
 * cut into tar files of `groupsPerTar` units; shard i of N owns the tar
 * range [floor(i T / N), floor((i + 1) T / N)) of the T tars.
 * Both are pure functions of the recipe and the shard, so shards made on
 * different machines fit together without talking to each other.
 */
import type { Recipe } from "../recipe/schema.js";
import { Stream, streamRng } from "../random/rng.js";
import { shardRange, type Shard } from "./shard.js";

export interface UnitSpace {
  classes: number;
  instances: number;
  groupSize: number;
  /** Instance groups per category. */
  groups: number;
  /** classes * groups. */
  units: number;
}

export function unitSpace(recipe: Recipe, groupSize: number): UnitSpace {
  const groups = Math.ceil(recipe.instances / groupSize);
  return { classes: recipe.classes, instances: recipe.instances, groupSize, groups, units: recipe.classes * groups };
}

/** The instances [start, end) of unit `u`'s group, and its category. */
export function unitInstances(space: UnitSpace, u: number): { category: number; group: number; start: number; end: number } {
  const category = Math.floor(u / space.groups);
  const group = u % space.groups;
  const start = group * space.groupSize;
  return { category, group, start, end: Math.min(start + space.groupSize, space.instances) };
}

/** The unit range a shard owns in ImageFolder output. */
export function folderUnits(space: UnitSpace, shard: Shard): [number, number] {
  return shardRange(space.units, shard);
}

/** How WebDataset output is cut into tar files. */
export interface TarPlan {
  /** Units per tar file; the last tar may hold fewer. */
  groupsPerTar: number;
  tars: number;
}

export function tarPlan(space: UnitSpace, groupsPerTar: number): TarPlan {
  return { groupsPerTar, tars: Math.ceil(space.units / groupsPerTar) };
}

/**
 * Returns the seeded shuffle of all units (a Fisher-Yates permutation
 * from the recipe seed's plan stream); tar t holds positions
 * [t * groupsPerTar, (t + 1) * groupsPerTar) of it.
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

/** The units of tar `t`, in the order they are written. */
export function tarUnits(order: Uint32Array, plan: TarPlan, t: number): Uint32Array {
  return order.subarray(t * plan.groupsPerTar, Math.min((t + 1) * plan.groupsPerTar, order.length));
}

/** The categories that the given units draw from, ascending. */
export function categoriesOf(space: UnitSpace, units: Iterable<number>): number[] {
  const seen = new Uint8Array(space.classes);
  for (const u of units) seen[Math.floor(u / space.groups)] = 1;
  const categories: number[] = [];
  for (let c = 0; c < seen.length; c++) if (seen[c]) categories.push(c);
  return categories;
}

/** Iterates the integers [start, end). */
export function* range(start: number, end: number): Generator<number> {
  for (let i = start; i < end; i++) yield i;
}
