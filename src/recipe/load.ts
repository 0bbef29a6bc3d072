import { readFileSync } from "node:fs";
import { UsageError } from "../errors.js";

/** Reads a JSON file, with a UsageError naming the file on any failure. */
export function readJsonFile(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT"
      ? "file not found"
      : (error as Error).message;
    throw new UsageError(`cannot read ${what} ${path}: ${reason}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`invalid ${what} ${path}: not valid JSON (${(error as Error).message})`);
  }
}

/** Reads a recipe file; it must hold one JSON object. */
export function readRecipeFile(path: string): Record<string, unknown> {
  const value = readJsonFile(path, "recipe");
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new UsageError(`invalid recipe ${path}: expected a JSON object such as {"classes": 100}`);
  }
  return value as Record<string, unknown>;
}
