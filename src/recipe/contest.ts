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
import { parseOrThrow, type RecipeInput } from "./schema.js";

/** The keys the contest defined, and the recipe field each sets. */
const CONTEST_KEYS = {
  numof_classes: "classes",
  numof_instances: "instances",
  image_size: "size",
  numof_thread: "workers",
} as const;

const positiveInt = z.number().int().min(1);

const contestSchema = z.object({
  numof_classes: positiveInt.optional(),
  numof_instances: positiveInt.optional(),
  // One side length, or [width, height] with equal sides.
  image_size: z.union([positiveInt, z.tuple([positiveInt, positiveInt])]).optional(),
  numof_thread: positiveInt.optional(),
  // fdsl's own recipe fields may ride along under this key.
  fdsl: z.record(z.string(), z.unknown()).optional(),
});

/** What a params folder asks for. */
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

  const recipe: Record<string, unknown> = { ...params.fdsl };
  if (params.numof_classes !== undefined) recipe.classes = params.numof_classes;
  if (params.numof_instances !== undefined) recipe.instances = params.numof_instances;
  if (params.image_size !== undefined) recipe.size = squareSide(params.image_size, file);
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
