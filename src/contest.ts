/**
 * The contest's driver shape: `getParams(paramsPath)` then
 * `generate(outPath)`. The contest called them on the class itself, so
 * both exist as static methods too, sharing one default instance.
 */
import { readContestParams } from "./recipe/contest.js";
import { resolveRecipe, type Recipe } from "./recipe/schema.js";
import { generate, type GenerateSummary, type ProgressEvent } from "./run/generate.js";

export class Generator {
  recipe: Recipe = resolveRecipe({}, "recipe");
  workers?: number;
  /** Lines about params keys that were not used. */
  warnings: string[] = [];
  onProgress?: (event: ProgressEvent) => void;

  /** Reads a contest params folder; returns true, or throws a UsageError. */
  getParams(paramsPath: string): boolean {
    const params = readContestParams(paramsPath);
    this.recipe = resolveRecipe(params.recipe, `params ${params.file ?? paramsPath}`);
    this.workers = params.workers;
    this.warnings = params.warnings;
    return true;
  }

  /** Writes the dataset to `outPath`, its manifest beside it. */
  generate(outPath: string): Promise<GenerateSummary> {
    return generate(this.recipe, { out: outPath, workers: this.workers, onProgress: this.onProgress });
  }

  private static shared = new Generator();

  static getParams(paramsPath: string): boolean {
    return Generator.shared.getParams(paramsPath);
  }

  static generate(outPath: string): Promise<GenerateSummary> {
    return Generator.shared.generate(outPath);
  }
}
