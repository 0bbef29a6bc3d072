import { UsageError } from "../errors.js";
import type { RecipeInput } from "../recipe/schema.js";
import { DOWNSTREAM, MODELS, type FinetuneConfig, type PretrainConfig, type TrainerConfig } from "./config.js";

/** A named protocol: the network and the pre-training and fine-tuning schedules. */
export interface Preset {
  name: string;
  description: string;
  model: string;
  width: number;
  image_size: number;
  knn: number;
  /** Fit a logistic-regression probe on the frozen features too. */
  linear_probe: boolean;
  /**
   * Run the seeds as parallel one-thread processes, one per core. On a
   * CPU this is faster than one process with a thread per core.
   */
  parallel: boolean;
  /** Seeds run when the caller gives none. */
  seeds: number[];
  /** The dataset generated for pre-training when the caller gives none. */
  recipe: RecipeInput;
  pretrain: Omit<PretrainConfig, "path" | "checkpoint">;
  finetune: FinetuneConfig;
}

const SGD = { lr: 0.1, weight_decay: 5e-4 };

/**
 * Protocols by name.
 *
 * - `smoke`: seconds on a CPU; checks that the pipeline runs, ranks nothing.
 * - `cpu-proxy`: the protocol chosen with bench/protocol_search.py on a
 *   2-core CPU (BENCHMARKS.md has the numbers): ResNet-8 at 32 px, 10
 *   pre-training epochs on 100 FractalDB categories x 100 images drawn at
 *   64 px (the loader downsamples them, which smooths the point clouds),
 *   then fine-tuning on 2000 Fashion-MNIST images, tested on 2000, over 8 seeds.
 * - `contest`: the contest's 32 px setting, MobileNetV2 pre-trained on the
 *   whole dataset and fine-tuned on all of CIFAR-10. Sized for a GPU.
 */
export const PRESETS: Record<string, Preset> = {
  smoke: {
    name: "smoke",
    description: "pipeline check in seconds; ranks nothing",
    model: "resnet8",
    width: 8,
    image_size: 32,
    knn: 5,
    linear_probe: true,
    parallel: true,
    seeds: [0],
    recipe: { classes: 4, instances: 50, size: 32, points: 2000 },
    pretrain: { epochs: 1, batch_size: 32, max_images: 200, ...SGD },
    finetune: {
      datasets: ["fashion-mnist"], epochs: 2, batch_size: 32, lr: 0.05, weight_decay: 5e-4,
      train_images: 200, test_images: 200, score_from: 0.5, freeze: false,
    },
  },
  "cpu-proxy": {
    name: "cpu-proxy",
    description: "ResNet-8 at 32 px, FractalDB 100x100 at 64 px, Fashion-MNIST 2k/2k, 8 seeds; minutes on 2 cores",
    model: "resnet8",
    width: 16,
    image_size: 32,
    knn: 20,
    linear_probe: true,
    parallel: true,
    seeds: [0, 1, 2, 3, 4, 5, 6, 7],
    recipe: { classes: 100, instances: 100, size: 64, points: 10_000 },
    pretrain: { epochs: 10, batch_size: 128, max_images: 10_000, ...SGD },
    finetune: {
      datasets: ["fashion-mnist"], epochs: 10, batch_size: 128, lr: 0.05, weight_decay: 5e-4,
      train_images: 2000, test_images: 2000, score_from: 0.5, freeze: false,
    },
  },
  contest: {
    name: "contest",
    description: "MobileNetV2 at 32 px on the whole dataset, CIFAR-10 fine-tuning; for a GPU",
    model: "mobilenet_v2",
    width: 16,
    image_size: 32,
    knn: 20,
    linear_probe: true,
    parallel: false,
    seeds: [0, 1, 2],
    // FractalDB-1k at the official render size; fdsl's default of 100k points, not the official 200k.
    recipe: { classes: 1000, instances: 1000, size: 362, points: 100_000 },
    // NOTE: the contest's epoch counts and learning rates are not public; these are our choice.
    pretrain: { epochs: 30, batch_size: 256, max_images: null, lr: 0.2, weight_decay: 4e-5 },
    finetune: {
      datasets: ["cifar10"], epochs: 20, batch_size: 256, lr: 0.1, weight_decay: 5e-4,
      train_images: null, test_images: null, score_from: 0.5, freeze: false,
    },
  },
};

/** Returns the preset called `name`; throws a UsageError listing the presets otherwise. */
export function getPreset(name: string): Preset {
  const preset = Object.hasOwn(PRESETS, name) ? PRESETS[name] : undefined;
  if (preset === undefined) {
    throw new UsageError(`unknown preset "${name}"; expected one of ${Object.keys(PRESETS).join(", ")}`);
  }
  return preset;
}

/** Changes to a preset from the command line or the library caller. */
export interface ProtocolOverrides {
  /** Network name, replacing the preset's (trainer/fdsl_trainer/models.py lists them). */
  model?: string;
  /** Base width of the CIFAR ResNets. */
  width?: number;
  /** Model input size in pixels. */
  imageSize?: number;
  /** Downstream dataset names, replacing the preset's. */
  downstream?: string[];
  pretrainEpochs?: number;
  finetuneEpochs?: number;
  /** Pre-training subset size. */
  maxImages?: number;
  trainImages?: number;
  testImages?: number;
}

/**
 * Applies overrides to a preset and returns the trainer config without
 * the per-run fields. Throws a UsageError for an unknown model or
 * downstream dataset, a repeated dataset, or a width or image size out
 * of range.
 */
export function buildProtocol(
  preset: Preset,
  overrides: ProtocolOverrides = {},
): Pick<TrainerConfig, "model" | "width" | "image_size" | "knn" | "linear_probe" | "finetune"> & {
  pretrain: Omit<PretrainConfig, "path" | "checkpoint">;
} {
  const model = overrides.model ?? preset.model;
  if (!(MODELS as readonly string[]).includes(model)) {
    throw new UsageError(`unknown model "${model}"; expected one of ${MODELS.join(", ")}`);
  }
  const width = overrides.width ?? preset.width;
  if (width < 1 || width > 1024) {
    throw new UsageError(`invalid width ${width}; expected 1 to 1024 channels`);
  }
  const datasets = overrides.downstream ?? preset.finetune.datasets;
  for (const name of datasets) {
    if (!(DOWNSTREAM as readonly string[]).includes(name)) {
      throw new UsageError(`unknown downstream dataset "${name}"; expected one of ${DOWNSTREAM.join(", ")}`);
    }
  }
  if (new Set(datasets).size !== datasets.length) {
    throw new UsageError(`repeated downstream dataset in ${datasets.join(",")}; give each dataset once`);
  }
  const imageSize = overrides.imageSize ?? preset.image_size;
  if (imageSize < 8 || imageSize > 1024) {
    throw new UsageError(`invalid image size ${imageSize}; expected 8 to 1024 pixels`);
  }
  return {
    model,
    width,
    image_size: imageSize,
    knn: preset.knn,
    linear_probe: preset.linear_probe,
    pretrain: {
      ...preset.pretrain,
      epochs: overrides.pretrainEpochs ?? preset.pretrain.epochs,
      max_images: overrides.maxImages ?? preset.pretrain.max_images,
    },
    finetune: {
      ...preset.finetune,
      datasets,
      epochs: overrides.finetuneEpochs ?? preset.finetune.epochs,
      train_images: overrides.trainImages ?? preset.finetune.train_images,
      test_images: overrides.testImages ?? preset.finetune.test_images,
    },
  };
}
