import type { Command } from "commander";
import { readRecipeFile } from "../recipe/load.js";
import { resolveRecipe } from "../recipe/schema.js";
import { renderPreview } from "../run/preview.js";
import { integerFlag } from "./options.js";

interface PreviewFlags {
  out: string;
  family?: string;
  size?: number;
  points?: number;
  seed?: number;
  color?: string;
  categories?: number;
  instances?: number;
  cell?: number;
}

/** Recipe fields a flag of the same name overrides. */
const RECIPE_FLAGS = ["family", "size", "points", "seed", "color"] as const;

export function registerPreview(program: Command): void {
  program
    .command("preview")
    .description("draw a contact sheet of a recipe's first categories, one labelled row each, before generating it")
    .argument("[recipe]", "JSON recipe (default: the default recipe)")
    .requiredOption("-o, --out <file>", "output PNG path")
    .option("--family <name>", "formula family")
    .option("--size <px>", "image width and height in pixels, before thumbnailing", integerFlag("--size"))
    .option("--points <n>", "points per render", integerFlag("--points"))
    .option("--seed <n>", "random seed", integerFlag("--seed"))
    .option("--color <mode>", "gray or rgb")
    .option("--categories <n>", "rows: categories from category 0 (default 8)", integerFlag("--categories"))
    .option("--instances <n>", "columns: instances per category from instance 0 (default 6)", integerFlag("--instances"))
    .option("--cell <px>", "thumbnail side in pixels (default: the image size, at most 128)", integerFlag("--cell"))
    .action(runPreview);
}

async function runPreview(recipePath: string | undefined, flags: PreviewFlags): Promise<void> {
  const input: Record<string, unknown> = recipePath ? readRecipeFile(recipePath) : {};
  for (const key of RECIPE_FLAGS) {
    if (flags[key] !== undefined) input[key] = flags[key];
  }
  const recipe = resolveRecipe(input, recipePath ? `recipe ${recipePath}` : "recipe");
  const summary = await renderPreview(recipe, {
    out: flags.out,
    categories: flags.categories,
    instances: flags.instances,
    cell: flags.cell,
  });
  console.log(
    `wrote ${summary.out}: ${summary.categories} categories x ${summary.instances} instances ` +
      `(${summary.width}x${summary.height} px) in ${summary.seconds.toFixed(1)} s`,
  );
}
