import type { Command } from "commander";
import { availableParallelism } from "node:os";
import { UsageError } from "../errors.js";
import { readContestParams } from "../recipe/contest.js";
import { readRecipeFile } from "../recipe/load.js";
import { resolveRecipe, type Recipe } from "../recipe/schema.js";
import { generate, type ProgressEvent } from "../run/generate.js";
import { resolveShard } from "../run/shard.js";
import { createProgressLine, type ProgressLine } from "./progress.js";
import { integerFlag } from "./options.js";

interface GenerateFlags {
  out: string;
  recipe?: string;
  params?: string;
  manifest?: string;
  family?: string;
  classes?: number;
  instances?: number;
  size?: number;
  points?: number;
  seed?: number;
  format?: string;
  color?: string;
  workers?: number;
  shardIndex?: number;
  shardCount?: number;
  imagesPerTar?: number;
  tarPrefix?: string;
  spaceCheck: boolean;
  quiet?: boolean;
}

/** Recipe fields a flag of the same name overrides. */
const RECIPE_FLAGS = [
  "family", "classes", "instances", "size", "points", "seed", "format", "color",
] as const;

export function registerGenerate(program: Command): void {
  program
    .command("generate")
    .description("write a dataset in the ImageFolder layout, resuming an earlier run of the same recipe")
    .requiredOption("-o, --out <dir>", "output folder (holds only category folders)")
    .option("-r, --recipe <file>", "JSON recipe; flags override its fields")
    .option("--params <dir>", "contest params folder (numof_classes, numof_instances, image_size, numof_thread)")
    .option("--manifest <file>", "manifest path (default: <out>.manifest.json)")
    .option("--family <name>", "formula family")
    .option("--classes <n>", "number of categories", integerFlag("--classes"))
    .option("--instances <n>", "images per category", integerFlag("--instances"))
    .option("--size <px>", "image width and height in pixels", integerFlag("--size"))
    .option("--points <n>", "points per render", integerFlag("--points"))
    .option("--seed <n>", "random seed", integerFlag("--seed"))
    .option("--format <format>", "png, jpg, or wds (WebDataset tar files of the recipe's image format, png by default)")
    .option("--color <mode>", "gray or rgb")
    .option("-w, --workers <n>", "worker threads (default: number of cores)", integerFlag("--workers"))
    .option("--shard-index <i>", "make only shard i (0-based); default from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX", integerFlag("--shard-index"))
    .option("--shard-count <n>", "number of shards; default from SLURM_ARRAY_TASK_COUNT", integerFlag("--shard-count"))
    .option("--images-per-tar <n>", "images per tar file with --format wds, rounded to whole render groups (default: about 1 GB per tar)", integerFlag("--images-per-tar"))
    .option("--tar-prefix <name>", "tar files are <name>-000000.tar (default: the name of --out)")
    .option("--no-space-check", "skip the estimate of the output size against the free disk space")
    .option("-q, --quiet", "print no progress")
    .action(runGenerate);
}

async function runGenerate(flags: GenerateFlags): Promise<void> {
  if (flags.format !== undefined && !["png", "jpg", "wds"].includes(flags.format)) {
    throw new UsageError(`invalid --format "${flags.format}"; expected png, jpg or wds`);
  }
  const wds = flags.format === "wds";
  if (!wds && (flags.imagesPerTar !== undefined || flags.tarPrefix !== undefined)) {
    throw new UsageError("--images-per-tar and --tar-prefix apply only to --format wds; add it or drop them");
  }
  const { recipe, workers } = buildRecipe({ ...flags, format: wds ? undefined : flags.format });
  const shard = resolveShard(flags);
  const cores = availableParallelism();
  if (workers !== undefined && workers > cores) {
    console.error(`warning: ${workers} workers on ${cores} cores gain nothing and cost about 20 MB each`);
  }
  const progress = flags.quiet ? undefined : progressPrinter();
  // Finished images and the manifest survive an interrupt, so print how to resume.
  process.once("SIGINT", () => {
    progress?.finish();
    console.error("interrupted; rerun the same command to resume where it stopped");
    process.exit(130);
  });
  const summary = await generate(recipe, {
    out: flags.out,
    manifest: flags.manifest,
    workers,
    shard,
    output: wds ? "wds" : "folder",
    imagesPerTar: flags.imagesPerTar,
    tarPrefix: flags.tarPrefix,
    checkSpace: flags.spaceCheck,
    onProgress: progress?.onProgress,
  });
  progress?.finish();
  const megabytes = (summary.bytes / 1e6).toFixed(1);
  const rate = (summary.written / summary.seconds).toFixed(0);
  console.log(
    `wrote ${summary.written} of ${summary.images} images (${megabytes} MB) to ${summary.out} ` +
      `in ${summary.seconds.toFixed(1)} s, ${rate} images/s; manifest ${summary.manifest}`,
  );
}

/** Merges defaults, then the recipe file, then the params folder, then flags. */
function buildRecipe(flags: GenerateFlags): { recipe: Recipe; workers?: number } {
  let input: Record<string, unknown> = flags.recipe ? readRecipeFile(flags.recipe) : {};
  let workers = flags.workers;
  let source = flags.recipe ? `recipe ${flags.recipe}` : "recipe";
  if (flags.params) {
    const params = readContestParams(flags.params);
    for (const warning of params.warnings) console.error(`warning: ${warning}`);
    input = { ...input, ...params.recipe };
    workers ??= params.workers;
    if (params.file) source = `${source} with params ${params.file}`;
  }
  for (const key of RECIPE_FLAGS) {
    if (flags[key] !== undefined) input[key] = flags[key];
  }
  if (workers !== undefined && workers < 1) {
    throw new UsageError(`invalid --workers ${workers}; expected an integer >= 1`);
  }
  return { recipe: resolveRecipe(input, source), workers };
}

function progressPrinter(): { onProgress: (event: ProgressEvent) => void; finish: () => void } {
  let phase: ProgressEvent["phase"] | undefined;
  let line: ProgressLine | undefined;
  return {
    onProgress(event) {
      if (event.phase !== phase) {
        line?.finish();
        phase = event.phase;
        if (event.earlier > 0) {
          const unit = event.phase === "search" ? "categories found" : "images written";
          console.error(`resuming: ${event.earlier} ${unit} by an earlier run are kept`);
        }
        line = event.phase === "search"
          ? createProgressLine("searching categories", "categories")
          : createProgressLine("rendering", "images");
      }
      line!.update(event.done, event.total);
    },
    finish() {
      line?.finish();
    },
  };
}
