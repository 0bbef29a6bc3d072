import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generate } from "../src/run/generate.js";
import { resolveRecipe } from "../src/recipe/schema.js";

/** Generates 4 fractal categories of 8 images at 32 px into a fresh temporary folder. */
export async function tinyDataset(name = "fractal"): Promise<string> {
  const root = mkdtempSync(join(process.env.FDSL_TEST_TMP ?? tmpdir(), "eval-"));
  const out = join(root, name);
  const recipe = resolveRecipe({ classes: 4, instances: 8, size: 32, points: 1000, seed: 3 }, "test recipe");
  await generate(recipe, { out, workers: 1 });
  return out;
}

export function tempDir(): string {
  return mkdtempSync(join(process.env.FDSL_TEST_TMP ?? tmpdir(), "eval-out-"));
}

/** Fast settings for the smoke preset: one thread, tiny subsets. */
export const TINY = { preset: "smoke", threads: 1, trainImages: 100, testImages: 100 } as const;
