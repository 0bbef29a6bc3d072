import { existsSync, mkdirSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import { writeFileAtomic } from "../dataset/atomic.js";
import { defaultManifestPath, readManifest } from "../dataset/manifest.js";
import { FdslError, UsageError } from "../errors.js";
import { resolveRecipe, type Recipe, type RecipeInput } from "../recipe/schema.js";
import { generate, type ProgressEvent } from "../run/generate.js";
import { acquireLock } from "../run/lock.js";
import { VERSION } from "../version.js";
import { MAX_SEED, type Precision, type PretrainConfig, type TrainerConfig } from "./config.js";
import type { EpochEvent, ProbeEvent, TrainerEvent } from "./events.js";
import { scoreOverSeeds } from "./leaderboard.js";
import { buildProtocol, getPreset, type Preset, type ProtocolOverrides } from "./presets.js";
import { findPython } from "./python.js";
import { runTrainer } from "./trainer.js";

export interface EvaluateOptions extends ProtocolOverrides {
  /**
   * ImageFolder dataset to pre-train on. Without it, `recipe` (default: the
   * preset's recipe) is generated into `<out>/dataset`.
   */
  dataset?: string;
  /** Recipe to generate into the dataset folder first; generation resumes an earlier run there. */
  recipe?: Recipe;
  /** Protocol name (see PRESETS); default "cpu-proxy". */
  preset?: string;
  /** Also fine-tune from random weights under the same protocol and seeds; default true. */
  scratch?: boolean;
  /** Run the scratch arm alone, with no dataset. */
  scratchOnly?: boolean;
  /**
   * Also evaluate a degraded control: the dataset's recipe with every
   * image's pixels shuffled, generated into `<out>/control`. A protocol
   * that ranks datasets puts it below the dataset.
   */
  control?: boolean;
  /** Seeds, one trainer run per arm and seed; default the preset's. */
  seeds?: number[];
  /** Folder for result.json and per-run scores.json; created if missing. */
  out: string;
  /** Interpreter with torch; default from findPython. */
  python?: string;
  /** "auto" (CUDA when available), "cpu" or "cuda"; default "auto". */
  device?: "auto" | "cpu" | "cuda";
  /** Arithmetic of training and probes; default "auto" (see TrainerConfig.precision). */
  precision?: Precision;
  /**
   * torch CPU threads per trainer process, >= 0; 0 keeps torch's default.
   * Default: 1 when runs go in parallel, else the number of cores, because
   * Debian's torch 1.13.1 otherwise uses one thread.
   */
  threads?: number;
  /**
   * Trainer processes run at once, >= 1. Default: the number of cores
   * (at most one per run) for a preset made for the CPU, else 1.
   */
  jobs?: number;
  /** Folder of downstream datasets without a system path; default $FDSL_DATA. */
  dataRoot?: string;
  /** Folder per downstream dataset name. */
  datasetPaths?: Record<string, string>;
  /**
   * Folder of pre-trained weights shared between evaluations, as
   * `<label>-s<seed>.pt`; a file is reused only when it was trained with the
   * same settings. Default: each run's own folder.
   */
  checkpoints?: string;
  /** Label of the pre-trained arm in result.json; default the dataset folder name. */
  label?: string;
  /** Estimate the generated dataset's size against the free disk space first; default true. */
  checkSpace?: boolean;
  onGenerateProgress?: (event: ProgressEvent) => void;
  /** Every trainer event, with the arm and seed it belongs to and the number of runs in the evaluation. */
  onEvent?: (event: TrainerEvent, run: RunInfo) => void;
  signal?: AbortSignal;
}

/** The run a trainer event belongs to. */
export interface RunInfo {
  arm: string;
  seed: number;
  /** Runs in the whole evaluation: arms x seeds. */
  runs: number;
}

/** Trainer settings shared by all runs of an evaluation; runs that share them can be ranked together. */
export type Protocol = Omit<TrainerConfig, "seed" | "out" | "pretrain"> & {
  pretrain: Omit<PretrainConfig, "path" | "checkpoint">;
};

/** One trainer run: an arm (a dataset or scratch) under one seed. */
export interface ArmRun {
  seed: number;
  /** Cumulative error per downstream dataset (the contest's scores.json). */
  scores: Record<string, number>;
  /** Mean of `scores`; lower is better. */
  mean: number;
  /** Test error (%) per fine-tuning epoch, per downstream dataset. */
  curves: Record<string, number[]>;
  /** k-NN accuracy (%) of the frozen features per downstream dataset. */
  knn: Record<string, number>;
  /** Linear-probe accuracy (%) of the frozen features per downstream dataset. */
  linear: Record<string, number>;
  seconds: number;
}

/** The runs of one arm and their mean score over seeds. */
export interface ArmResult {
  label: string;
  /** Pre-training dataset folder; null for scratch. */
  dataset: string | null;
  /** The dataset's recipe from its manifest, when it has one. */
  recipe: Recipe | null;
  runs: ArmRun[];
  /** Mean over seeds of each run's mean score. */
  score: number;
  /** Sample standard deviation over seeds; null with one seed. */
  std: number | null;
}

/** The record written to `<out>/result.json`. */
export interface EvaluationResult {
  fdsl: string;
  preset: string;
  /** The trainer config shared by every run: all but the seed, output folder and dataset path. */
  protocol: Protocol;
  environment: Record<string, unknown>;
  arms: ArmResult[];
  created: string;
}

/**
 * Pre-trains on a generated dataset (made from `recipe` first when given),
 * fine-tunes on the downstream datasets and scores each run, optionally
 * next to a scratch arm. Writes `<out>/result.json` and, per run,
 * `<out>/<arm>-s<seed>/scores.json` in the contest's format.
 */
export async function evaluate(options: EvaluateOptions): Promise<EvaluationResult> {
  const preset = getPreset(options.preset ?? "cpu-proxy");
  const seeds = checkSeeds(options.seeds ?? preset.seeds);
  if (options.scratchOnly && options.scratch === false) {
    throw new UsageError("nothing to evaluate: a scratch-only run with the scratch arm turned off");
  }
  // Check the protocol and find the interpreter before generating, so bad input fails in seconds.
  const protocol = buildProtocol(preset, options);
  if (options.precision === "fp16" && options.device === "cpu") {
    throw new UsageError("precision fp16 needs a CUDA device; use bf16, fp32 or auto on the CPU");
  }
  checkLabel(options.label);
  const python = findPython({ python: options.python }).command;
  const out = resolve(options.out);
  if (existsSync(out) && !statSync(out).isDirectory()) {
    throw new UsageError(`--out ${out} is a file; pass a folder for the results`);
  }
  mkdirSync(out, { recursive: true });
  // Two evaluations writing one folder would overwrite each other's runs and result.json.
  const release = acquireLock(join(out, ".fdsl-evaluate.lock"));
  try {
    return await evaluateLocked(options, preset, seeds, protocol, python, out);
  } finally {
    release();
  }
}

async function evaluateLocked(
  options: EvaluateOptions,
  preset: Preset,
  seeds: number[],
  protocol: ReturnType<typeof buildProtocol>,
  python: string,
  out: string,
): Promise<EvaluationResult> {
  if (options.control && options.scratchOnly) {
    throw new UsageError("a scratch-only run has no dataset to make a control from; drop --control or --scratch-only");
  }
  const dataset = await prepareDataset(options, preset.recipe, out);

  const arms: Array<{ label: string; path: string | null }> = [];
  if (dataset !== undefined) {
    // A dataset generated into <out>/dataset is named after its family, a given folder after itself.
    const label = options.label ??
      (options.dataset === undefined && dataset.recipe !== null ? dataset.recipe.family : basename(dataset.path));
    arms.push({ label, path: dataset.path });
    if (options.control) {
      const control = join(out, "control");
      await generate(controlRecipe(dataset.path, dataset.recipe), {
        out: control, onProgress: options.onGenerateProgress, checkSpace: options.checkSpace,
      });
      arms.push({ label: `${label}-shuffled`, path: control });
    }
  }
  if (dataset === undefined || options.scratch !== false) arms.push({ label: "scratch", path: null });
  const runCount = arms.length * seeds.length;
  const jobs = Math.min(runCount, options.jobs ?? (preset.parallel ? availableParallelism() : 1));
  const base: Omit<TrainerConfig, "seed" | "pretrain"> = {
    ...protocol,
    device: options.device ?? "auto",
    threads: options.threads ?? (jobs > 1 ? 1 : availableParallelism()),
    precision: options.precision ?? "auto",
    // The trainer runs in its own folder, so relative paths are resolved here.
    data_root: dataRoot(options),
    dataset_paths: Object.fromEntries(Object.entries(options.datasetPaths ?? {}).map(([name, path]) => [name, resolve(path)])),
  };

  const configFor = (arm: { label: string; path: string | null }, seed: number): TrainerConfig => {
    const runDir = join(out, `${safeName(arm.label)}-s${seed}`);
    return {
      ...base,
      seed,
      out: runDir,
      pretrain: arm.path === null ? null : {
        ...protocol.pretrain,
        path: arm.path,
        checkpoint: options.checkpoints
          ? join(resolve(options.checkpoints), `${safeName(arm.label)}-s${seed}.pt`)
          : join(runDir, "pretrained.pt"),
      },
    };
  };
  const tasks = arms.flatMap((arm) => seeds.map((seed) => ({ arm, seed })));
  let environment: Record<string, unknown> = {};
  // One failed run stops the others, so the error is not left waiting behind them.
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const runs = await mapWithLimit(tasks, jobs, signal, async ({ arm, seed }) => {
    const { done, events } = await runTrainer(configFor(arm, seed), {
      python,
      signal,
      onEvent: (event) => options.onEvent?.(event, { arm: arm.label, seed, runs: tasks.length }),
    });
    const start = events.find((event) => event.event === "start");
    if (start && "environment" in start) environment = { ...start.environment, device: start.device };
    return summariseRun(seed, done.scores, done.mean, done.seconds, events);
  }).catch((error: unknown) => {
    stop.abort();
    throw error;
  });
  const results = arms.map((arm, index) =>
    armResult(arm.label, arm.path, runs.slice(index * seeds.length, (index + 1) * seeds.length)),
  );

  const result: EvaluationResult = {
    fdsl: VERSION,
    preset: preset.name,
    protocol: { ...base, pretrain: protocol.pretrain },
    environment,
    arms: results,
    created: new Date().toISOString(),
  };
  writeFileAtomic(join(out, "result.json"), `${JSON.stringify(result, null, 1)}\n`);
  return result;
}

/**
 * Maps `items` through `work` with at most `limit` calls in flight and
 * returns the results in the order of `items`. The first rejection
 * rejects the whole call, and no new call starts after it or after
 * `signal` aborts.
 */
async function mapWithLimit<T, R>(
  items: T[],
  limit: number,
  signal: AbortSignal,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (next < items.length && !failed && !signal.aborted) {
      const index = next++;
      try {
        results[index] = await work(items[index]);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, limit) }, worker));
  if (signal.aborted) throw new FdslError("evaluation aborted; the trainer was stopped");
  return results;
}

/**
 * Generates the recipe into the dataset folder when one applies, then
 * returns the absolute folder and its recipe, which is null when the
 * folder has no manifest. Returns undefined for a scratch-only run.
 */
async function prepareDataset(
  options: EvaluateOptions,
  presetRecipe: RecipeInput,
  out: string,
): Promise<{ path: string; recipe: Recipe | null } | undefined> {
  if (options.scratchOnly) {
    if (options.dataset !== undefined || options.recipe !== undefined) {
      throw new UsageError("a scratch-only run takes no dataset or recipe; drop one or the other");
    }
    return undefined;
  }
  let recipe = options.recipe;
  let folder = options.dataset;
  if (folder === undefined) {
    folder = join(out, "dataset");
    recipe ??= resolveRecipe(presetRecipe, "the preset's recipe");
  }
  if (recipe !== undefined) {
    await generate(recipe, { out: folder, onProgress: options.onGenerateProgress, checkSpace: options.checkSpace });
  }
  const path = resolve(folder);
  if (!existsSync(path)) {
    throw new UsageError(`dataset folder ${path} not found; generate it with fdsl generate --out ${path}`);
  }
  return { path, recipe: recipe ?? readRecipe(path) };
}

/** Returns the absolute downstream data root: `dataRoot`, else $FDSL_DATA, else undefined (the trainer's default). */
function dataRoot(options: EvaluateOptions): string | undefined {
  const root = options.dataRoot ?? (process.env.FDSL_DATA || undefined);
  return root === undefined ? undefined : resolve(root);
}

/** Rejects a label that is empty or would share the scratch arm's run folders. */
function checkLabel(label: string | undefined): void {
  if (label === undefined) return;
  if (safeName(label).replace(/_/g, "") === "") {
    throw new UsageError(`invalid --label "${label}"; use letters, digits, dots, dashes or underscores`);
  }
  if (safeName(label) === "scratch") {
    throw new UsageError(`--label "${label}" is the scratch arm's name; choose another label`);
  }
}

function checkSeeds(seeds: number[]): number[] {
  if (seeds.length === 0) throw new UsageError("no seeds given; pass at least one, for example --seeds 0");
  for (const seed of seeds) {
    if (!Number.isSafeInteger(seed) || seed < 0 || seed > MAX_SEED) {
      throw new UsageError(`invalid seed ${seed}; expected an integer from 0 to ${MAX_SEED}`);
    }
  }
  if (new Set(seeds).size !== seeds.length) throw new UsageError(`repeated seed in ${seeds.join(",")}; give each seed once`);
  return seeds;
}

function summariseRun(
  seed: number,
  scores: Record<string, number>,
  mean: number,
  seconds: number,
  events: TrainerEvent[],
): ArmRun {
  const curves: Record<string, number[]> = {};
  const knn: Record<string, number> = {};
  const linear: Record<string, number> = {};
  for (const event of events) {
    if (event.event === "epoch" && (event as EpochEvent).phase === "finetune") {
      const epoch = event as EpochEvent;
      (curves[epoch.dataset ?? ""] ??= []).push(epoch.test_error ?? NaN);
    } else if (event.event === "probe") {
      const probe = event as ProbeEvent;
      if (probe.knn_acc !== undefined) knn[probe.dataset] = probe.knn_acc;
      if (probe.linear_acc !== undefined) linear[probe.dataset] = probe.linear_acc;
    }
  }
  return { seed, scores, mean, curves, knn, linear, seconds };
}

function armResult(label: string, dataset: string | null, runs: ArmRun[]): ArmResult {
  return { label, dataset, recipe: readRecipe(dataset), runs, ...scoreOverSeeds(runs) };
}

function readRecipe(dataset: string | null): Recipe | null {
  if (dataset === null) return null;
  const manifest = defaultManifestPath(dataset);
  return existsSync(manifest) ? readManifest(manifest).recipe : null;
}

/**
 * Returns `recipe`, the recipe of `dataset`, with every image's pixels
 * shuffled. Throws a UsageError when the recipe is unknown or already
 * shuffles pixels.
 */
function controlRecipe(dataset: string, recipe: Recipe | null): Recipe {
  if (recipe === null) {
    throw new UsageError(
      `--control needs the recipe of ${dataset}, but ${defaultManifestPath(dataset)} is missing; ` +
        "pass the recipe with --recipe, or drop --control",
    );
  }
  if (recipe.augment.shufflePixels >= 1) {
    throw new UsageError(`${dataset} already shuffles every image's pixels, so it has no degraded control; drop --control`);
  }
  return { ...recipe, augment: { ...recipe.augment, shufflePixels: 1 } };
}

function basename(path: string): string {
  return path.replace(/[\\/]+$/, "").split(/[\\/]/).pop() || "dataset";
}

/** Keeps a label usable as a folder name. */
function safeName(label: string): string {
  return label.replace(/[^A-Za-z0-9._-]+/g, "_");
}
