import type { Command } from "commander";
import { validateDataset } from "../dataset/validate.js";
import { ValidationError } from "../errors.js";
import { integerFlag } from "./options.js";
import { createProgressLine } from "./progress.js";

interface ValidateFlags {
  classes?: number;
  instances?: number;
  quiet?: boolean;
}

export function registerValidate(program: Command): void {
  program
    .command("validate")
    .description("check a dataset the way the contest validator did; exit 1 on the first problem")
    .argument("<dir>", "dataset folder")
    .option("--classes <n>", "exact number of category folders required", integerFlag("--classes"))
    .option("--instances <n>", "exact number of images required per category", integerFlag("--instances"))
    .option("-q, --quiet", "print no progress")
    .action(runValidate);
}

async function runValidate(dir: string, flags: ValidateFlags): Promise<void> {
  const line = flags.quiet ? undefined : createProgressLine("validating", "images");
  const report = await validateDataset(dir, {
    classes: flags.classes,
    instances: flags.instances,
    onProgress: line ? (done, total) => line.update(done, total) : undefined,
  });
  if (report.problem !== null) throw new ValidationError(`invalid dataset: ${report.problem}`);
  line?.finish();
  console.log(
    `valid: ${report.categories} categories, ${report.images} images, ` +
      `${report.width}x${report.height}, ${report.channels} channel${report.channels === 1 ? "" : "s"}`,
  );
}
