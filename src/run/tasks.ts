import type { Layout } from "../dataset/layout.js";
import type { Recipe } from "../recipe/schema.js";

/** The start-up data of every worker. */
export interface WorkerInit {
  recipe: Recipe;
  out: string;
  layout: Layout;
}

/** Draw the parameters of one category. */
export interface SearchTask {
  type: "search";
  id: number;
  category: number;
}

/** Hands every worker the parameters of the categories it will render. */
export interface CategoriesMessage {
  type: "categories";
  categories: { index: number; family: string; params: unknown }[];
}

/**
 * Render, encode and write instances [start, end) of a category into its
 * ImageFolder folder. The range covers whole render groups of its family.
 */
export interface RenderTask {
  type: "render";
  id: number;
  category: number;
  start: number;
  end: number;
}

/** Render the given units into one WebDataset tar file at `path`. */
export interface TarTask {
  type: "tar";
  id: number;
  path: string;
  /** Unit numbers (category * unitsPerCategory + block), in write order. */
  units: number[];
  unitsPerCategory: number;
  unitSize: number;
}

/** Encode group 0 of each category without writing, to size the output. */
export interface MeasureTask {
  type: "measure";
  id: number;
  categories: number[];
}

export type Task = SearchTask | RenderTask | TarTask | MeasureTask;

/** The SHA-256 of one image written: category, instance, hex digest. */
export type Checksum = [number, number, string];

export type Reply =
  | { type: "category"; id: number; category: number; params: unknown }
  | { type: "rendered"; id: number; images: number; bytes: number; checksums: Checksum[] }
  | { type: "measured"; id: number; sizes: number[] }
  | { type: "error"; id: number; name: string; message: string; exitCode: number };
