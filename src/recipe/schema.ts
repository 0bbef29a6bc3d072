import { z } from "zod";
import { IMAGE_FORMATS } from "../encode/index.js";
import { describeValue, UsageError } from "../errors.js";
import { modeSchema } from "../families/modes.js";
import { getFamily } from "../families/registry.js";
import { augmentSchema } from "../raster/augment.js";
import { MIX_FAMILY, mixSchema } from "./mix.js";

/**
 * A recipe: everything that decides a dataset's bytes. Every field has
 * a default, so `{}` is the full FractalDB-1k default: 1000 categories
 * of 1000 images, 256 px grayscale PNG, 100k points per render, seed 0.
 */
export const recipeSchema = z
  .object({
    family: z.string().default("fractal")
      .describe("formula family name"),
    classes: z.number().int().min(1).max(1_000_000).default(1000)
      .describe("number of categories"),
    instances: z.number().int().min(1).max(1_000_000).default(1000)
      .describe("images per category"),
    size: z.number().int().min(8).max(4096).default(256)
      .describe("image width and height in pixels"),
    points: z.number().int().min(2).max(100_000_000).default(100_000)
      .describe("points per render for point-cloud families"),
    seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0)
      .describe("seed of every random stream"),
    format: z.enum(IMAGE_FORMATS).default("png")
      .describe("image file format"),
    color: z.enum(["gray", "rgb"]).default("gray")
      .describe("grayscale (1 channel) or RGB (3 channels)"),
    quality: z.number().int().min(1).max(100).default(95)
      .describe("JPEG quality"),
    options: z.record(z.string(), z.unknown()).default({})
      .describe("options of the family"),
    mix: mixSchema
      .describe("families with shares of the categories, each with its options; replaces family and options"),
    mode: modeSchema.default("standard")
      .describe("standard, ofdb (one image per category, varied by augmentation) or 1p-frac"),
    perturbation: z.number().gt(0).lt(1).default(0.1)
      .describe("1p-frac: parameters are multiplied by factors uniform in [1 - d, 1 + d]"),
    augment: augmentSchema.prefault({})
      .describe("augmentations baked into the images"),
  })
  .strict();

/** A recipe as written: any field may be left out. */
export type RecipeInput = z.input<typeof recipeSchema>;

/** A recipe with every default filled in, family options included. */
export type Recipe = z.output<typeof recipeSchema>;

/** The recipe whose fields are all defaults. */
export const DEFAULT_RECIPE: Recipe = resolveRecipe({}, "the default recipe");

/**
 * Validates a recipe and fills in its defaults and the family's option
 * defaults. Throws a UsageError naming the field, what it expects and
 * what it received; `source` names where the recipe came from.
 */
export function resolveRecipe(input: unknown, source: string): Recipe {
  const recipe = parseOrThrow(recipeSchema, input, source, []);
  if (recipe.mix.length > 0) return resolveMix(recipe, input as Record<string, unknown>, source);
  let family;
  try {
    family = getFamily(recipe.family);
  } catch (error) {
    throw new UsageError(`invalid ${source}: family: ${(error as Error).message}`);
  }
  const options = parseOrThrow(family.options, recipe.options, source, ["options"]);
  return { ...recipe, options: options as Record<string, unknown> };
}

/** Validates each mix entry's family and options; the recipe's family becomes "mix". */
function resolveMix(recipe: Recipe, input: Record<string, unknown>, source: string): Recipe {
  if (input.family !== undefined || input.options !== undefined) {
    throw new UsageError(
      `invalid ${source}: a recipe with a mix takes family and options inside each mix entry; ` +
        `remove the top-level family and options (and the --family flag)`,
    );
  }
  const seen = new Set<string>();
  const mix = recipe.mix.map((entry, i) => {
    if (seen.has(entry.family)) {
      throw new UsageError(
        `invalid ${source}: mix.${i}.family: "${entry.family}" appears twice; list each family once`,
      );
    }
    seen.add(entry.family);
    let family;
    try {
      family = getFamily(entry.family);
    } catch (error) {
      throw new UsageError(`invalid ${source}: mix.${i}.family: ${(error as Error).message}`);
    }
    const options = parseOrThrow(family.options, entry.options, source, ["mix", i, "options"]);
    return { ...entry, options: options as Record<string, unknown> };
  });
  return { ...recipe, family: MIX_FAMILY, options: {}, mix };
}

/** Parses with zod; turns the first issue into a UsageError. */
export function parseOrThrow<T>(
  schema: z.ZodType<T>,
  input: unknown,
  source: string,
  prefix: PropertyKey[],
): T {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = [...prefix, ...issue.path].map(String);
  if (issue.code === "unrecognized_keys") {
    const fields = issue.keys.map((key) => [...where, key].join(".")).join(", ");
    throw new UsageError(`invalid ${source}: unknown field ${fields}; check its spelling`);
  }
  const path = where.join(".") || "(top level)";
  // zod's type message already ends in "received <type>", so give the value instead.
  const message = issue.code === "invalid_type" ? `expected ${issue.expected}` : issue.message;
  const received = "input" in issue ? `; received ${describeValue(issue.input)}` : "";
  throw new UsageError(`invalid ${source}: ${path}: ${message}${received}`);
}
