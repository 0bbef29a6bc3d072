import { InvalidArgumentError, Option, type Command } from "commander";
import { UsageError } from "../errors.js";
import { evaluate, type EvaluationResult, type RunInfo } from "../evaluate/evaluate.js";
import type { EpochEvent, ProbeEvent, ScoreEvent, TrainerEvent } from "../evaluate/events.js";
import { formatT, pairedScoreGain, signed } from "../evaluate/leaderboard.js";
import { PRESETS } from "../evaluate/presets.js";
import { PRECISIONS, type Precision } from "../evaluate/config.js";
import { readRecipeFile } from "../recipe/load.js";
import { resolveRecipe } from "../recipe/schema.js";
import { integerFlag } from "./options.js";
import { createProgressLine, type ProgressLine } from "./progress.js";

interface EvaluateFlags {
  out: string;
  recipe?: string;
  preset: string;
  downstream?: string[];
  scratch: boolean;
  scratchOnly?: boolean;
  control?: boolean;
  spaceCheck: boolean;
  seeds?: number[];
  python?: string;
  device: "auto" | "cpu" | "cuda";
  threads?: number;
  jobs?: number;
  precision?: Precision;
  dataRoot?: string;
  datasetPath: Record<string, string>;
  model?: string;
  width?: number;
  imageSize?: number;
  pretrainEpochs?: number;
  finetuneEpochs?: number;
  maxImages?: number;
  trainImages?: number;
  testImages?: number;
  label?: string;
  checkpoints?: string;
  quiet?: boolean;
}

export function registerEvaluate(program: Command): void {
  program
    .command("evaluate")
    .description("pre-train a CNN on a dataset, fine-tune it on real datasets and score the transfer (lower is better)")
    .argument("[dataset]", "ImageFolder dataset to pre-train on (default: the preset's recipe, generated into <out>/dataset)")
    .requiredOption("-o, --out <dir>", "folder for result.json and the per-run scores.json")
    .option("-r, --recipe <file>", "JSON recipe to generate into [dataset] first (resumes an earlier run)")
    .option("-p, --preset <name>", `protocol: ${Object.keys(PRESETS).join(", ")}`, "cpu-proxy")
    .option("--downstream <names>", "comma-separated downstream datasets (default: the preset's)", listFlag)
    .option("--no-scratch", "skip the arm that fine-tunes from random weights")
    .option("--scratch-only", "run the scratch arm alone, with no dataset")
    .option("--control", "also evaluate a degraded control: the dataset's recipe with pixels shuffled, generated into <out>/control")
    .addOption(new Option("--seeds <list>", "comma-separated seeds, one run per arm and seed (default: the preset's)").argParser(seedsFlag))
    .option("--python <path>", "Python interpreter with torch (default: $FDSL_PYTHON, /usr/bin/python3, python3)")
    .option("--device <device>", "auto, cpu or cuda", deviceFlag, "auto")
    .option("--threads <n>", "torch CPU threads per trainer process; 0 keeps torch's default (default: 1 with parallel runs, else the number of cores)", integerFlag("--threads"))
    .option("--jobs <n>", "trainer processes at once (default: the number of cores for cpu-proxy and smoke, 1 for contest)", integerFlag("--jobs"))
    .addOption(new Option("--precision <mode>", "auto (fp16 on CUDA, bf16 on a CPU with bf16 instructions, else fp32), fp32, bf16 or fp16").choices(PRECISIONS).default("auto"))
    .option("--data-root <dir>", "folder of downstream datasets without a system path (default: $FDSL_DATA)")
    .addOption(new Option("--dataset-path <name=dir>", "folder of one downstream dataset (repeatable)").argParser(pathFlag).default({}, "none"))
    .option("--model <name>", "network: resnet8, resnet14, resnet20, resnet18_cifar, mobilenet_v2, resnet18 or resnet50 (default: the preset's)")
    .option("--width <n>", "base width of the CIFAR ResNets (default: the preset's)", integerFlag("--width"))
    .option("--image-size <px>", "model input size in pixels; images are resized to it (default: the preset's)", integerFlag("--image-size"))
    .option("--pretrain-epochs <n>", "pre-training epochs (default: the preset's)", integerFlag("--pretrain-epochs"))
    .option("--finetune-epochs <n>", "fine-tuning epochs (default: the preset's)", integerFlag("--finetune-epochs"))
    .option("--max-images <n>", "pre-training subset size (default: the preset's)", integerFlag("--max-images"))
    .option("--train-images <n>", "fine-tuning subset size (default: the preset's)", integerFlag("--train-images"))
    .option("--test-images <n>", "test subset size (default: the preset's)", integerFlag("--test-images"))
    .option("--label <name>", "name of the pre-trained arm (default: the dataset folder name)")
    .option("--no-space-check", "skip the estimate of a generated dataset's size against the free disk space")
    .option("--checkpoints <dir>", "folder of pre-trained weights reused across evaluations with the same settings")
    .option("-q, --quiet", "print only the final scores")
    .action(runEvaluate);
}

async function runEvaluate(dataset: string | undefined, flags: EvaluateFlags): Promise<void> {
  const recipe = flags.recipe ? resolveRecipe(readRecipeFile(flags.recipe), `recipe ${flags.recipe}`) : undefined;
  for (const [flag, value] of Object.entries({
    "--threads": flags.threads, "--jobs": flags.jobs, "--width": flags.width, "--image-size": flags.imageSize,
    "--pretrain-epochs": flags.pretrainEpochs, "--finetune-epochs": flags.finetuneEpochs,
    "--max-images": flags.maxImages, "--train-images": flags.trainImages, "--test-images": flags.testImages,
  })) {
    const minimum = flag === "--threads" ? 0 : 1;
    if (value !== undefined && value < minimum) {
      throw new UsageError(`invalid ${flag} ${value}; expected an integer >= ${minimum}`);
    }
  }
  const printer = flags.quiet ? undefined : eventPrinter();
  const result = await evaluate({
    dataset,
    recipe,
    preset: flags.preset,
    downstream: flags.downstream,
    scratch: flags.scratch,
    scratchOnly: flags.scratchOnly,
    control: flags.control,
    checkSpace: flags.spaceCheck,
    seeds: flags.seeds,
    out: flags.out,
    python: flags.python,
    device: flags.device,
    threads: flags.threads,
    jobs: flags.jobs,
    precision: flags.precision,
    dataRoot: flags.dataRoot,
    datasetPaths: flags.datasetPath,
    model: flags.model,
    width: flags.width,
    imageSize: flags.imageSize,
    pretrainEpochs: flags.pretrainEpochs,
    finetuneEpochs: flags.finetuneEpochs,
    maxImages: flags.maxImages,
    trainImages: flags.trainImages,
    testImages: flags.testImages,
    label: flags.label,
    checkpoints: flags.checkpoints,
    onGenerateProgress: printer?.onGenerateProgress,
    onEvent: printer?.onEvent,
  });
  printer?.finish();
  printSummary(result, flags.out);
}

function eventPrinter() {
  let line: ProgressLine | undefined;
  let finished = 0;
  const started = Date.now();
  return {
    onGenerateProgress(event: { phase: string; done: number; total: number }) {
      line ??= createProgressLine("generating", "images");
      if (event.phase === "render") line.update(event.done, event.total);
    },
    onEvent(event: TrainerEvent, run: RunInfo) {
      if (line) {
        line.finish();
        line = undefined;
      }
      const text = describeEvent(event);
      if (text) console.error(`[${run.arm} seed ${run.seed}] ${text}`);
      if (event.event === "done") {
        finished++;
        const minutes = (Date.now() - started) / 60_000;
        console.error(`[${run.arm} seed ${run.seed}] run finished: ${finished} of ${run.runs} runs done in ${minutes.toFixed(1)} min`);
      }
    },
    finish() {
      line?.finish();
    },
  };
}

/** Formats one progress line per epoch, probe and score; returns null for other events. */
export function describeEvent(event: TrainerEvent): string | null {
  switch (event.event) {
    case "epoch": {
      const epoch = event as EpochEvent;
      const head = epoch.phase === "pretrain" ? "pre-training" : `fine-tuning ${epoch.dataset}`;
      const test = epoch.test_error === undefined ? "" : `, test error ${epoch.test_error.toFixed(2)}%`;
      return `${head} epoch ${epoch.epoch}/${epoch.epochs}: loss ${epoch.loss.toFixed(3)}, ` +
        `train acc ${epoch.train_acc.toFixed(1)}%${test} (${epoch.seconds.toFixed(1)} s)`;
    }
    case "probe": {
      const probe = event as ProbeEvent;
      const parts = [];
      if (probe.knn_acc !== undefined) parts.push(`k-NN (k=${probe.knn}) ${probe.knn_acc.toFixed(1)}%`);
      if (probe.linear_acc !== undefined) parts.push(`linear ${probe.linear_acc.toFixed(1)}%`);
      return `probes of frozen features on ${probe.dataset}: ${parts.join(", ")}`;
    }
    case "score": {
      const score = event as ScoreEvent;
      return `score on ${score.dataset}: ${score.cumulative_error.toFixed(2)} ` +
        `(epochs ${score.scored_epochs[0]}-${score.scored_epochs[1]})`;
    }
    case "start":
      return "device" in event ? `trainer started on ${String(event.device)}` : null;
    default:
      return null;
  }
}

function printSummary(result: EvaluationResult, out: string): void {
  for (const arm of result.arms) {
    const std = arm.std === null ? "" : ` ± ${arm.std.toFixed(2)}`;
    console.log(`${arm.label}: score ${arm.score.toFixed(2)}${std} over ${arm.runs.length} seed(s)`);
  }
  // The dataset arm comes first, then its control and scratch.
  const [dataset, ...others] = result.arms;
  if (dataset === undefined || dataset.dataset === null) return printResultPath(out);
  for (const other of others) {
    const paired = pairedScoreGain(dataset.runs, other.runs);
    const t = paired.t === null ? "" : `, paired t ${formatT(paired.t)}`;
    console.log(`${dataset.label}: gain over ${other.label} ${signed(other.score - dataset.score)}${t} (positive: ${dataset.label} is better)`);
  }
  printResultPath(out);
}

function printResultPath(out: string): void {
  console.log(`result: ${out}/result.json`);
}

function listFlag(value: string): string[] {
  const names = value.split(",").map((name) => name.trim()).filter(Boolean);
  if (names.length === 0) throw new InvalidArgumentError(`expected comma-separated names; received "${value}"`);
  return names;
}

function seedsFlag(value: string): number[] {
  const parts = value.split(",").map((part) => part.trim());
  if (parts.some((part) => !/^\d+$/.test(part))) {
    throw new InvalidArgumentError(`--seeds expects comma-separated integers >= 0; received "${value}"`);
  }
  return parts.map(Number);
}

function deviceFlag(value: string): "auto" | "cpu" | "cuda" {
  if (value !== "auto" && value !== "cpu" && value !== "cuda") {
    throw new InvalidArgumentError(`--device expects auto, cpu or cuda; received "${value}"`);
  }
  return value;
}

function pathFlag(value: string, previous: Record<string, string>): Record<string, string> {
  const index = value.indexOf("=");
  if (index <= 0 || index === value.length - 1) {
    throw new InvalidArgumentError(`--dataset-path expects name=dir, for example mnist=/data/mnist; received "${value}"`);
  }
  return { ...previous, [value.slice(0, index)]: value.slice(index + 1) };
}
