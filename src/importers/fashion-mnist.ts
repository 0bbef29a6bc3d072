/**
 * Imports Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017) from its IDX
 * files into train and val ImageFolders of 28x28 grayscale PNGs, for
 * fine-tuning with `fdsl evaluate --dataset-path fashion-mnist=<out>`.
 */
import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { PngEncoder } from "../encode/png.js";
import { UsageError } from "../errors.js";
import { Stream, streamRng } from "../random/rng.js";
import { buildFolderAtomic, prepareOutputFolder } from "./folder.js";
import { readIdx } from "./idx.js";

/** Install folder of the four IDX files of Debian's dataset-fashion-mnist package. */
export const FASHION_MNIST_SOURCE = "/usr/share/datasets/fashion-mnist";

/**
 * Class folder names by label. The label prefix makes sorted order equal
 * label order, because ImageFolder loaders number classes by sorted name.
 */
export const FASHION_MNIST_CLASSES = [
  "0-t-shirt-top",
  "1-trouser",
  "2-pullover",
  "3-dress",
  "4-coat",
  "5-sandal",
  "6-shirt",
  "7-sneaker",
  "8-bag",
  "9-ankle-boot",
] as const;

export interface ImportOptions {
  /** Output folder, which receives `train/<class>/<index>.png` and `val/<class>/<index>.png`. */
  out: string;
  /** Folder of the IDX files, gzipped or not (default FASHION_MNIST_SOURCE). */
  source?: string;
  /** Images per class drawn from the IDX train split (default: all of them). */
  trainPerClass?: number;
  /** Images per class drawn from the IDX test split (default: all of them). */
  valPerClass?: number;
  /** Seed of the permutation that picks the images (default 0). */
  seed?: number;
  /** Replace an existing non-empty output folder. */
  force?: boolean;
}

export interface ImportSummary {
  /** Absolute path of the output folder. */
  out: string;
  /** Images written to `train/`. */
  train: number;
  /** Images written to `val/`. */
  val: number;
  classes: number;
  seconds: number;
}

/** One output split and the IDX split it is drawn from. */
interface SplitSpec {
  folder: "train" | "val";
  /** File name prefix of the IDX pair: `train` or `t10k`. */
  prefix: string;
  /** The command line flag that sets `perClass`, for messages. */
  flag: string;
  perClass: number | undefined;
}

/** The images and labels of one IDX split. */
interface IdxSplit {
  images: Uint8Array;
  labels: Uint8Array;
  rows: number;
  columns: number;
}

const SOURCE_HINT = "install the Debian package with `apt-get install dataset-fashion-mnist`, or pass --source DIR";

/** Writes the train and val ImageFolders of Fashion-MNIST as `options` describes. */
export function importFashionMnist(options: ImportOptions): ImportSummary {
  const started = performance.now();
  const source = options.source ?? FASHION_MNIST_SOURCE;
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new UsageError(`invalid --seed ${seed}; expected an integer >= 0`);
  }
  const splits: SplitSpec[] = [
    { folder: "train", prefix: "train", flag: "--train-per-class", perClass: options.trainPerClass },
    { folder: "val", prefix: "t10k", flag: "--val-per-class", perClass: options.valPerClass },
  ];
  for (const { flag, perClass } of splits) {
    if (perClass !== undefined && (!Number.isSafeInteger(perClass) || perClass < 1)) {
      throw new UsageError(`invalid ${flag} ${perClass}; expected an integer >= 1`);
    }
  }
  if (!existsSync(source)) {
    throw new UsageError(`Fashion-MNIST source folder ${source} not found; ${SOURCE_HINT}`);
  }
  if (!statSync(source).isDirectory()) {
    throw new UsageError(
      `invalid --source ${source}: it is not a folder; pass the folder that contains the IDX files, or ${SOURCE_HINT}`,
    );
  }
  const out = prepareOutputFolder(options.out, options.force === true, source);

  const chosen = splits.map((split, key) => {
    const data = readSplit(source, split.prefix);
    return { split, data, picks: pickBalanced(data.labels, split, source, seed, key) };
  });

  const encoder = new PngEncoder();
  buildFolderAtomic(out, (folder) => {
    for (const { split, data, picks } of chosen) writeSplit(join(folder, split.folder), data, picks, encoder);
  });

  const [train, val] = chosen.map(({ picks }) => picks.reduce((sum, indices) => sum + indices.length, 0));
  return {
    out,
    train,
    val,
    classes: FASHION_MNIST_CLASSES.length,
    seconds: (performance.now() - started) / 1000,
  };
}

/** Reads and checks the image and label files of the IDX split `prefix`. */
function readSplit(source: string, prefix: string): IdxSplit {
  const imagesPath = findFile(source, `${prefix}-images-idx3-ubyte`);
  const labelsPath = findFile(source, `${prefix}-labels-idx1-ubyte`);
  const fix = "replace it with an intact copy (apt-get install --reinstall dataset-fashion-mnist)";
  const images = readIdx(imagesPath, fix);
  const labels = readIdx(labelsPath, fix);
  if (images.shape.length !== 3 || images.shape[1] === 0 || images.shape[2] === 0) {
    throw new UsageError(
      `invalid IDX file ${imagesPath}: shape [${images.shape.join(", ")}], expected [count, rows, columns] ` +
        `with rows and columns >= 1; ${fix}`,
    );
  }
  if (labels.shape.length !== 1) {
    throw new UsageError(`invalid IDX file ${labelsPath}: shape [${labels.shape.join(", ")}], expected [count]; ${fix}`);
  }
  if (images.shape[0] !== labels.shape[0]) {
    throw new UsageError(
      `IDX files ${imagesPath} and ${labelsPath} do not match: ${images.shape[0]} images but ` +
        `${labels.shape[0]} labels; ${fix}`,
    );
  }
  const classes = FASHION_MNIST_CLASSES.length;
  const bad = labels.data.findIndex((label) => label >= classes);
  if (bad >= 0) {
    throw new UsageError(
      `invalid IDX file ${labelsPath}: label ${labels.data[bad]} at index ${bad}, expected 0..${classes - 1}; ${fix}`,
    );
  }
  return { images: images.data, labels: labels.data, rows: images.shape[1], columns: images.shape[2] };
}

/** Returns `dir/stem`, else `dir/stem.gz`, whichever exists. */
function findFile(dir: string, stem: string): string {
  for (const candidate of [join(dir, stem), join(dir, `${stem}.gz`)]) {
    if (existsSync(candidate)) return candidate;
  }
  throw new UsageError(`missing file ${join(dir, `${stem}.gz`)} (or ${stem}) in the Fashion-MNIST source; ${SOURCE_HINT}`);
}

/**
 * Picks `split.perClass` indices of each class (all of them when unset)
 * as the first ones of that class in a seeded permutation of the split.
 * A larger count therefore keeps every image of a smaller one. Returns
 * the indices of each class in ascending order.
 */
function pickBalanced(labels: Uint8Array, split: SplitSpec, source: string, seed: number, key: number): number[][] {
  const classes = FASHION_MNIST_CLASSES.length;
  const available = new Array<number>(classes).fill(0);
  for (const label of labels) available[label]++;
  const fewest = available.indexOf(Math.min(...available));
  const fewestName = FASHION_MNIST_CLASSES[fewest];
  if (available[fewest] === 0) {
    throw new UsageError(
      `the IDX split ${split.prefix} in ${source} contains no images of class ${fewestName}; ` +
        `replace its files with the complete dataset`,
    );
  }
  if (split.perClass !== undefined && split.perClass > available[fewest]) {
    throw new UsageError(
      `${split.flag} ${split.perClass} is more than the IDX split ${split.prefix} contains: class ` +
        `${fewestName} has ${available[fewest]} images, so the maximum is ${available[fewest]}`,
    );
  }
  const perClass = split.perClass ?? Math.max(...available);

  // Fisher-Yates shuffle of the whole split, then the first images of each class in that order.
  const order = Array.from(labels.keys());
  const rng = streamRng(seed, Stream.Import, key);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const picks: number[][] = Array.from({ length: classes }, () => []);
  for (const index of order) {
    const label = labels[index];
    if (picks[label].length < perClass) picks[label].push(index);
  }
  return picks.map((indices) => indices.sort((a, b) => a - b));
}

/** Writes the picked images as `folder/<class>/<index>.png`, the index zero-padded to 5 digits. */
function writeSplit(folder: string, data: IdxSplit, picks: number[][], encoder: PngEncoder): void {
  const size = data.rows * data.columns;
  const digits = Math.max(5, String(data.labels.length - 1).length);
  picks.forEach((indices, label) => {
    const classFolder = join(folder, FASHION_MNIST_CLASSES[label]);
    mkdirSync(classFolder, { recursive: true });
    for (const index of indices) {
      const pixels = data.images.subarray(index * size, (index + 1) * size);
      const png = encoder.encode({ width: data.columns, height: data.rows, channels: 1, data: pixels });
      writeFileSync(join(classFolder, `${String(index).padStart(digits, "0")}.png`), png);
    }
  });
}
