/**
 * Merges the manifests of the shards of one run, made on separate
 * processes or machines, into the manifest of the whole dataset.
 */
import { isDeepStrictEqual } from "node:util";
import { UsageError } from "../errors.js";
import { WHOLE } from "../run/shard.js";
import type { CategoryEntry, Manifest } from "./manifest.js";

/**
 * Returns the manifest of the whole run. Throws a UsageError when the
 * inputs come from different runs, when a shard is missing, repeated or
 * unfinished, or when two shards disagree on a category or an image.
 */
export function mergeManifests(inputs: { path: string; manifest: Manifest }[]): Manifest {
  if (inputs.length === 0) throw new UsageError("no manifests to merge; pass the shard manifests");
  const [{ manifest: first, path: firstPath }] = inputs;
  const count = first.shard?.count ?? 1;
  const byIndex = new Map<number, string>();

  for (const { path, manifest } of inputs) {
    for (const field of ["fdsl", "recipe", "layout", "output", "groupSize"] as const) {
      if (!isDeepStrictEqual(manifest[field], first[field])) {
        throw new UsageError(`${path} has another ${field} than ${firstPath}; it belongs to another run`);
      }
    }
    if (manifest.shard?.count !== count) {
      throw new UsageError(`${path} is shard ${manifest.shard?.index} of ${manifest.shard?.count}, not of ${count}`);
    }
    if (!manifest.complete) {
      throw new UsageError(`${path} is not complete: its shard did not finish; rerun that shard first`);
    }
    const other = byIndex.get(manifest.shard.index);
    if (other !== undefined) {
      throw new UsageError(`${path} and ${other} are both shard ${manifest.shard.index}`);
    }
    byIndex.set(manifest.shard.index, path);
  }
  const absent = Array.from({ length: count }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (absent.length > 0) {
    throw new UsageError(`missing shard manifests: ${absent.join(", ")} of ${count}`);
  }

  return {
    ...first,
    shard: WHOLE,
    complete: true,
    categories: mergeCategories(inputs),
    checksums: mergeChecksums(inputs),
  };
}

function mergeCategories(inputs: { path: string; manifest: Manifest }[]): CategoryEntry[] {
  const merged = new Map<number, CategoryEntry>();
  for (const { path, manifest } of inputs) {
    for (const entry of manifest.categories) {
      const known = merged.get(entry.index);
      if (known !== undefined && !isDeepStrictEqual(known, entry)) {
        throw new UsageError(`${path} disagrees with another shard on category ${entry.name}`);
      }
      merged.set(entry.index, entry);
    }
  }
  return [...merged.values()].sort((a, b) => a.index - b.index);
}

function mergeChecksums(inputs: { path: string; manifest: Manifest }[]): Record<string, string[]> {
  const { recipe } = inputs[0].manifest;
  const merged: Record<string, string[]> = {};
  for (const { path, manifest } of inputs) {
    for (const [name, digests] of Object.entries(manifest.checksums)) {
      const target = (merged[name] ??= new Array(recipe.instances).fill(""));
      digests.forEach((digest, instance) => {
        if (digest === "") return;
        if (target[instance] !== "" && target[instance] !== digest) {
          throw new UsageError(`${path} disagrees with another shard on image ${instance} of category ${name}`);
        }
        target[instance] = digest;
      });
    }
  }
  const names = Object.keys(merged).sort();
  const sorted: Record<string, string[]> = {};
  for (const name of names) sorted[name] = merged[name];
  const images = names.reduce((n, name) => n + sorted[name].filter((d) => d !== "").length, 0);
  if (images !== recipe.classes * recipe.instances) {
    throw new UsageError(
      `the shards hold ${images} images; the recipe makes ${recipe.classes * recipe.instances}`,
    );
  }
  return sorted;
}
