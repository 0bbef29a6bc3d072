import type { Command } from "commander";
import { UsageError } from "../errors.js";
import {
  FASHION_MNIST_SOURCE,
  importFashionMnist,
  type ImportOptions,
  type ImportSummary,
} from "../importers/fashion-mnist.js";
import { integerFlag } from "./options.js";

interface ImportFlags {
  out: string;
  source?: string;
  trainPerClass?: number;
  valPerClass?: number;
  seed: number;
  force?: boolean;
}

/** Importers by dataset name. */
const IMPORTERS: Record<string, (options: ImportOptions) => ImportSummary> = {
  "fashion-mnist": importFashionMnist,
};

export function registerImport(program: Command): void {
  program
    .command("import")
    .description("convert an installed public dataset into train/ and val/ ImageFolders for fine-tuning")
    .argument("<dataset>", `dataset to import: ${Object.keys(IMPORTERS).join(", ")}`)
    .requiredOption("-o, --out <dir>", "output folder for train/<class>/*.png and val/<class>/*.png")
    .option("--source <dir>", `folder of the dataset's IDX files (default: ${FASHION_MNIST_SOURCE})`)
    .option("--train-per-class <n>", "images per class from the train split (default: all)", integerFlag("--train-per-class"))
    .option("--val-per-class <n>", "images per class from the test split (default: all)", integerFlag("--val-per-class"))
    .option("--seed <n>", "seed of the permutation that picks the images", integerFlag("--seed"), 0)
    .option("--force", "replace an existing non-empty output folder")
    .action(runImport);
}

function runImport(dataset: string, flags: ImportFlags): void {
  const importer = IMPORTERS[dataset];
  if (importer === undefined) {
    throw new UsageError(`unknown dataset "${dataset}" to import; known datasets: ${Object.keys(IMPORTERS).join(", ")}`);
  }
  const summary = importer({
    out: flags.out,
    source: flags.source,
    trainPerClass: flags.trainPerClass,
    valPerClass: flags.valPerClass,
    seed: flags.seed,
    force: flags.force,
  });
  console.log(
    `imported ${dataset} into ${summary.out}: ${summary.train} train and ${summary.val} val images ` +
      `in ${summary.classes} classes, ${summary.seconds.toFixed(1)} s`,
  );
}
