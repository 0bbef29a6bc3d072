/**
 * The SIGNATE pre-training dataset contest ran each generator with a
 * params folder holding JSON parameters (`numof_classes`,
 * `numof_instances`, `image_size`, `numof_thread`). This module turns
 * such a folder into a recipe and a worker count.
 */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { UsageError } from "../errors.js";
import { readJsonFile } from "./load.js";
import { parseOrThrow, recipeSchema, type RecipeInput } from "./schema.js";

/** The keys the contest defined, and the recipe field each sets. */
const CONTEST_KEYS = {
  numof_classes: "classes",
  numof_instances: "instances",
  image_size: "size",
  numof_thread: "workers",
} as const;

const count = z.number().int().min(1).max(1_000_000);
const side = z.number().int().min(8).max(4096);

// The ranges are the recipe's, so errors name the contest key.
const contestSchema = z.object({
  numof_classes: count.optional(),
  numof_instances: count.optional(),
  // One side length, or [width, height] with equal sides.
  image_size: z.union([side, z.tuple([side, side])]).optional(),
  numof_thread: z.number().int().min(1).max(1024).optional(),
  // fdsl's own recipe fields may ride along under this key.
  fdsl: z.record(z.string(), z.unknown()).optional(),
});

/** The settings a params folder requests. */
export interface ContestParams {
  /** Recipe fields to apply over the defaults. */
  recipe: RecipeInput;
  /** `numof_thread`, when given. */
  workers?: number;
  /** The JSON file read, or null for an empty folder. */
  file: string | null;
  /** One line per key that fdsl does not use. */
  warnings: string[];
}

/**
 * Reads the params folder `dir`: its single `.json` file, or defaults
 * when it has none (the contest allowed an empty folder).
 */
export function readContestParams(dir: string): ContestParams {
  const jsonFiles = listJsonFiles(dir);
  if (jsonFiles.length === 0) return { recipe: {}, file: null, warnings: [] };
  if (jsonFiles.length > 1) {
    throw new UsageError(
      `params folder ${dir} holds ${jsonFiles.length} JSON files (${jsonFiles.join(", ")}); ` +
        `expected one`,
    );
  }
  const file = join(dir, jsonFiles[0]);
  const raw = readJsonFile(file, "params file");
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new UsageError(`invalid params file ${file}: expected a JSON object`);
  }
  const params = parseOrThrow(contestSchema, raw, `params file ${file}`, []);
  const known = new Set([...Object.keys(CONTEST_KEYS), "fdsl"]);
  const warnings = Object.keys(raw)
    .filter((key) => !known.has(key))
    .map((key) => `${file}: unknown key "${key}" ignored; known keys: ${[...known].join(", ")}`);

  if (params.fdsl !== undefined) {
    // Checked here so that errors name the fdsl key of this file.
    parseOrThrow(recipeSchema, params.fdsl, `params file ${file}`, ["fdsl"]);
  }
  const recipe: Record<string, unknown> = { ...params.fdsl };
  const set = (key: keyof typeof CONTEST_KEYS, field: string, value: unknown): void => {
    if (value === undefined) return;
    if (recipe[field] !== undefined && recipe[field] !== value) {
      warnings.push(`${file}: ${key} ${JSON.stringify(value)} overrides fdsl.${field} ${JSON.stringify(recipe[field])}`);
    }
    recipe[field] = value;
  };
  set("numof_classes", "classes", params.numof_classes);
  set("numof_instances", "instances", params.numof_instances);
  set("image_size", "size", params.image_size === undefined ? undefined : squareSide(params.image_size, file));
  return { recipe, workers: params.numof_thread, file, warnings };
}

function squareSide(size: number | [number, number], file: string): number {
  if (typeof size === "number") return size;
  if (size[0] !== size[1]) {
    throw new UsageError(
      `invalid params file ${file}: image_size [${size[0]}, ${size[1]}] is not square; ` +
        `fdsl writes square images, give one side length`,
    );
  }
  return size[0];
}

function listJsonFiles(dir: string): string[] {
  let entries: string[];
  try {
    if (!statSync(dir).isDirectory()) {
      throw new UsageError(`params path ${dir} is not a folder; pass the folder that holds the JSON file`);
    }
    entries = readdirSync(dir);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`cannot read params folder ${dir}: ${(error as Error).message}`);
  }
  return entries.filter((name) => name.toLowerCase().endsWith(".json")).sort();
}
