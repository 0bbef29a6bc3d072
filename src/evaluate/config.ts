/**
 * The JSON config of `python -m fdsl_trainer run`. Field names follow the
 * trainer's (snake_case); trainer/fdsl_trainer/config.py checks the values.
 */
export interface TrainerConfig {
  /** Network: resnet8, resnet14, resnet20, resnet18_cifar (CIFAR ResNets), mobilenet_v2, resnet18 or resnet50. */
  model: string;
  /** Base width of the CIFAR ResNets, 1..1024. */
  width: number;
  /** Model input size in pixels, 8..1024; images are resized to it. */
  image_size: number;
  /** Seed of weight initialisation, data order, augmentation and subsets. */
  seed: number;
  device: "auto" | "cpu" | "cuda";
  /** torch CPU threads; 0 keeps torch's default. */
  threads: number;
  /**
   * Arithmetic: "auto" is float16 autocast on CUDA, bfloat16 autocast on a
   * CPU whose flags list avx512_bf16 or amx_bf16, float32 elsewhere.
   */
  precision: Precision;
  /** Neighbours of the k-NN probe before fine-tuning; 0 skips it. */
  knn: number;
  /** Also fit a logistic-regression probe on the frozen features before fine-tuning. */
  linear_probe: boolean;
  data_root?: string;
  /** Folder per downstream dataset name, overriding its default place. */
  dataset_paths: Record<string, string>;
  /** Folder that receives the contest's scores.json. */
  out?: string;
  /** Pre-training settings; null for the scratch arm. */
  pretrain: PretrainConfig | null;
  finetune: FinetuneConfig;
}

/** Network names the trainer builds (trainer/fdsl_trainer/models.py). */
export const MODELS = ["resnet8", "resnet14", "resnet20", "resnet18_cifar", "mobilenet_v2", "resnet18", "resnet50"] as const;

/** Downstream dataset names the trainer reads (DOWNSTREAM in trainer/fdsl_trainer/data.py). */
export const DOWNSTREAM = ["fashion-mnist", "mnist", "cifar10", "cifar100", "caltech101", "caltech256", "omniglot"] as const;

/** Largest seed: the trainer derives torch seeds as seed * 1_000_003 + stream, which must fit in 63 bits. */
export const MAX_SEED = 2 ** 32 - 1;

export const PRECISIONS = ["auto", "fp32", "bf16", "fp16"] as const;
export type Precision = (typeof PRECISIONS)[number];

export interface PretrainConfig {
  /** ImageFolder dataset to pre-train on. */
  path: string;
  epochs: number;
  batch_size: number;
  /** Peak learning rate of SGD with one warm-up epoch and cosine decay. */
  lr: number;
  weight_decay: number;
  /** Class-balanced subset size; null uses every image. */
  max_images: number | null;
  /** Weights file, reused when a run with the same settings wrote it. */
  checkpoint?: string;
}

export interface FinetuneConfig {
  /** Downstream dataset names: fashion-mnist, mnist, cifar10, cifar100, caltech101, caltech256, omniglot. */
  datasets: string[];
  epochs: number;
  batch_size: number;
  lr: number;
  weight_decay: number;
  /** Class-balanced subset of the training split; null uses all of it. */
  train_images: number | null;
  /** Class-balanced subset of the test split; null uses all of it. */
  test_images: number | null;
  /** The score sums test error from epoch ceil(score_from * epochs) on; 0..1, contest: 0.5. */
  score_from: number;
  /** Train only the new classifier on frozen features. */
  freeze: boolean;
}
