/**
 * The checks of the pre-training dataset contest's validator: every
 * entry of the dataset folder is a non-empty folder, every file in them
 * decodes as an image, all images share one size and one channel count,
 * and, when asked, the folder and file counts are exact.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import sharp from "sharp";
import { checkPng, isPng } from "./png-check.js";

export interface ValidateOptions {
  /** Exact number of category folders required. */
  classes?: number;
  /** Exact number of images required in every category folder. */
  instances?: number;
  /** Images decoded at once; default 16. */
  concurrency?: number;
  onProgress?: (checked: number, total: number) => void;
}

export interface ValidationReport {
  /** The first broken rule, or null when the dataset is valid. */
  problem: string | null;
  categories: number;
  images: number;
  width?: number;
  height?: number;
  channels?: number;
}

interface ImageShape {
  width: number;
  height: number;
  channels: number;
}

/** Checks the dataset in `dir`; stops at the first problem. */
export async function validateDataset(dir: string, options: ValidateOptions = {}): Promise<ValidationReport> {
  const report: ValidationReport = { problem: null, categories: 0, images: 0 };
  const listing = listCategories(dir, options);
  if (typeof listing === "string") return { ...report, problem: listing };
  report.categories = listing.length;

  const files = listing.flatMap(({ path, names }) => names.map((name) => join(path, name)));
  let first: (ImageShape & { path: string }) | undefined;
  let next = 0;
  let problem: string | null = null;

  const check = async (): Promise<void> => {
    while (problem === null && next < files.length) {
      const path = files[next++];
      const shape = await decode(path);
      if (typeof shape === "string") {
        problem ??= `${path}: ${shape}`;
        return;
      }
      first ??= { ...shape, path };
      const mismatch = differs(first, shape);
      if (mismatch !== null) {
        problem ??= `${path}: ${mismatch}`;
        return;
      }
      report.images++;
      options.onProgress?.(report.images, files.length);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 16 }, check));
  if (first !== undefined) {
    report.width = first.width;
    report.height = first.height;
    report.channels = first.channels;
  }
  return { ...report, problem };
}

/** Returns the category folders with their file names, or the first problem. */
function listCategories(
  dir: string,
  options: ValidateOptions,
): { path: string; names: string[] }[] | string {
  let entries: string[];
  try {
    if (!statSync(dir).isDirectory()) return `${dir} is not a folder`;
    entries = readdirSync(dir).sort();
  } catch (error) {
    return `cannot read ${dir}: ${(error as Error).message}`;
  }
  if (entries.length === 0) return `${dir} is empty`;
  if (options.classes !== undefined && entries.length !== options.classes) {
    return `${dir} holds ${entries.length} entries; expected ${options.classes} category folders`;
  }
  const categories: { path: string; names: string[] }[] = [];
  for (const entry of entries) {
    const path = join(dir, entry);
    if (!statSync(path).isDirectory()) return `${path} is not a folder; only category folders may be there`;
    const names = readdirSync(path).sort();
    if (names.length === 0) return `${path} is an empty folder`;
    if (options.instances !== undefined && names.length !== options.instances) {
      return `${path} holds ${names.length} files; expected ${options.instances}`;
    }
    categories.push({ path, names });
  }
  return categories;
}

/**
 * Checks that an image decodes; returns its shape, or why it failed.
 * PNGs get the fast structural check of png-check.ts; other formats,
 * and PNGs it does not read, are decoded fully with sharp.
 */
async function decode(path: string): Promise<ImageShape | string> {
  try {
    if (!statSync(path).isFile()) return "not a file";
    const bytes = readFileSync(path);
    if (isPng(bytes)) {
      const check = checkPng(bytes);
      if (check.ok === true) return check;
      if (check.ok === false) return `does not decode as an image (${check.reason})`;
    }
    const image = sharp(bytes);
    // The header gives the stored channel count (sharp's raw output
    // would be RGB); the raw decode proves the pixel data is whole.
    const { width, height, channels } = await image.metadata();
    await image.raw().toBuffer();
    return { width: width!, height: height!, channels: channels! };
  } catch (error) {
    return `does not decode as an image (${(error as Error).message})`;
  }
}

function differs(first: ImageShape & { path: string }, shape: ImageShape): string | null {
  if (shape.width !== first.width || shape.height !== first.height) {
    return `size ${shape.width}x${shape.height} differs from ${first.width}x${first.height} of ${first.path}`;
  }
  if (shape.channels !== first.channels) {
    return `${shape.channels} channels differ from ${first.channels} of ${first.path}`;
  }
  return null;
}
