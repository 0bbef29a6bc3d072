import type { Layout } from "../dataset/layout.js";
import type { Recipe } from "../recipe/schema.js";

/** What every worker is started with. */
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

/** Render, encode and write instance groups [groupStart, groupEnd) of a category. */
export interface RenderTask {
  type: "render";
  id: number;
  category: number;
  family: string;
  params: unknown;
  groupStart: number;
  groupEnd: number;
}

export type Task = SearchTask | RenderTask;

export type Reply =
  | { type: "category"; id: number; category: number; params: unknown }
  | { type: "rendered"; id: number; images: number; bytes: number }
  | { type: "error"; id: number; name: string; message: string; exitCode: number };
