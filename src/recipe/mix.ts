/**
 * Mixed recipes: categories drawn from several families with given
 * shares. Category counts follow the shares by largest remainder, which
 * is exact when the shares sum to the class count. Which category gets
 * which family is a seeded shuffle, so the plan is a pure function of
 * the recipe and any worker can compute it.
 */
import { z } from "zod";
import { UsageError } from "../errors.js";
import { Stream, streamRng } from "../random/rng.js";

export const mixEntrySchema = z
  .object({
    family: z.string().describe("formula family name"),
    share: z.number().positive().describe("relative share of the categories (a count when the shares sum to classes)"),
    options: z.record(z.string(), z.unknown()).default({}).describe("options of the family"),
  })
  .strict();

export const mixSchema = z.array(mixEntrySchema).default([]);

export type MixEntry = z.output<typeof mixEntrySchema>;

/** The recipe fields that planning reads. */
export interface MixRecipe {
  family: string;
  classes: number;
  seed: number;
  options: Record<string, unknown>;
  mix: MixEntry[];
}

/** The family name of a mixed recipe, which no single family has. */
export const MIX_FAMILY = "mix";

/** Returns the categories per mix entry, in entry order, summing to `classes`. */
export function mixCounts(mix: MixEntry[], classes: number): number[] {
  const total = mix.reduce((sum, entry) => sum + entry.share, 0);
  const exact = mix.map((entry) => (entry.share * classes) / total);
  const counts = exact.map(Math.floor);
  let left = classes - counts.reduce((a, b) => a + b, 0);
  // Largest remainders first; ties go to the earlier entry.
  const order = exact.map((value, i) => ({ i, rest: value - Math.floor(value) }))
    .sort((a, b) => b.rest - a.rest || a.i - b.i);
  for (const { i } of order) {
    if (left === 0) break;
    counts[i]++;
    left--;
  }
  return counts;
}

/** Returns the family name of every category, by category index. */
export function planFamilies(recipe: MixRecipe): string[] {
  if (recipe.mix.length === 0) return new Array(recipe.classes).fill(recipe.family);
  const counts = mixCounts(recipe.mix, recipe.classes);
  const plan: string[] = [];
  recipe.mix.forEach((entry, i) => {
    for (let k = 0; k < counts[i]; k++) plan.push(entry.family);
  });
  // Fisher-Yates with the plan stream, so families interleave.
  const rng = streamRng(recipe.seed, Stream.Plan);
  for (let i = plan.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [plan[i], plan[j]] = [plan[j], plan[i]];
  }
  return plan;
}

/** Returns the validated options of family `name` in the recipe. */
export function familyOptions(recipe: MixRecipe, name: string): Record<string, unknown> {
  if (recipe.mix.length === 0) return recipe.options;
  const entry = recipe.mix.find((e) => e.family === name);
  if (entry === undefined) throw new UsageError(`family "${name}" is not part of this recipe's mix`);
  return entry.options;
}

/** Returns the position of family `name` in the recipe (0 without a mix), a key for its streams. */
export function familyIndex(recipe: MixRecipe, name: string): number {
  return Math.max(0, recipe.mix.findIndex((e) => e.family === name));
}
