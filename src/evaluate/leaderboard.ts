import { existsSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { FdslError, UsageError } from "../errors.js";
import type { ArmResult, EvaluationResult, Protocol } from "./evaluate.js";

/** One arm on the leaderboard. */
export interface LeaderboardRow {
  /** 1 is the lowest (best) score. */
  rank: number;
  label: string;
  /** The result.json files the arm's runs came from, comma-separated. */
  source: string;
  dataset: string | null;
  /** Family, classes x instances and size, or "none" for scratch. */
  recipe: string;
  /** Mean cumulative error over seeds and downstream datasets; lower is better. */
  score: number;
  /** Sample standard deviation over seeds; null with one seed. */
  std: number | null;
  seeds: number[];
  /** Mean cumulative error per downstream dataset. */
  perDataset: Record<string, number>;
  /** Mean k-NN accuracy (%) of the frozen features per downstream dataset. */
  knn: Record<string, number>;
  /** Scratch score minus this score: positive when pre-training helped; null without a scratch arm. */
  gainOverScratch: number | null;
  /** Mean test error (%) per fine-tuning epoch, per downstream dataset. */
  curves: Record<string, number[]>;
}

export interface Leaderboard {
  preset: string;
  protocol: Protocol;
  environment: Record<string, unknown>;
  downstream: string[];
  rows: LeaderboardRow[];
}

export interface CompareOptions {
  /** Rank results made under different protocols; their scores are then not comparable. */
  allowMixed?: boolean;
}

/**
 * Reads evaluation results (result.json files or folders containing one)
 * and ranks every arm by score, lowest first. Arms with the same label and
 * dataset are pooled into one row, so evaluations of other seeds add to
 * it. A seed that appears twice counts once. Throws a UsageError when the
 * results used different protocols, unless `allowMixed` is set.
 */
export function buildLeaderboard(paths: string[], options: CompareOptions = {}): Leaderboard {
  if (paths.length === 0) throw new UsageError("no results given; pass result.json files or evaluate output folders");
  const results = paths.map((path) => ({ path, result: readResult(path) }));
  const first = results[0];
  for (const other of results.slice(1)) {
    if (!options.allowMixed && !isDeepStrictEqual(comparable(other.result.protocol), comparable(first.result.protocol))) {
      throw new UsageError(
        `${other.path} used another protocol than ${first.path} (preset ${other.result.preset} vs ` +
          `${first.result.preset}); compare results of one protocol, or pass --allow-mixed`,
      );
    }
  }

  const rows = poolArms(results).map(({ arm, sources }) => toRow(arm, sources.join(", ")));
  const scratch = rows.find((row) => row.dataset === null);
  for (const row of rows) {
    row.gainOverScratch = scratch && row !== scratch ? scratch.score - row.score : null;
  }
  rows.sort((a, b) => a.score - b.score);
  rows.forEach((row, index) => (row.rank = index + 1));

  return {
    preset: first.result.preset,
    protocol: first.result.protocol,
    environment: first.result.environment,
    downstream: first.result.protocol.finetune.datasets,
    rows,
  };
}

/** Groups arms by label and dataset and merges their runs, keeping the first run of each seed. */
function poolArms(results: Array<{ path: string; result: EvaluationResult }>): Array<{ arm: ArmResult; sources: string[] }> {
  const pooled = new Map<string, { arm: ArmResult; sources: string[] }>();
  for (const { path, result } of results) {
    for (const arm of result.arms) {
      const key = JSON.stringify([arm.label, arm.dataset]);
      const entry = pooled.get(key);
      if (entry === undefined) {
        pooled.set(key, { arm: { ...arm, runs: [...arm.runs] }, sources: [path] });
        continue;
      }
      const seen = new Set(entry.arm.runs.map((run) => run.seed));
      const added = arm.runs.filter((run) => !seen.has(run.seed));
      if (added.length === 0) continue;
      entry.arm.runs.push(...added);
      entry.sources.push(path);
    }
  }
  for (const { arm } of pooled.values()) {
    arm.runs.sort((a, b) => a.seed - b.seed);
    const means = arm.runs.map((run) => run.mean);
    arm.score = mean(means);
    arm.std = means.length > 1
      ? Math.sqrt(means.reduce((sum, value) => sum + (value - arm.score) ** 2, 0) / (means.length - 1))
      : null;
  }
  return [...pooled.values()];
}

/** Returns the protocol without machine-specific fields (device, threads, data paths). */
function comparable(protocol: Protocol): unknown {
  const { device: _device, threads: _threads, data_root: _root, dataset_paths: _paths, ...rest } = protocol;
  return rest;
}

function resultPath(path: string): string {
  const full = resolve(path);
  return existsSync(full) && statSync(full).isDirectory() ? join(full, "result.json") : full;
}

function readResult(path: string): EvaluationResult {
  const file = resultPath(path);
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      throw new UsageError(`result ${file} not found; pass a result.json written by fdsl evaluate`);
    }
    throw new FdslError(`invalid result ${file}: ${(error as Error).message}; rerun fdsl evaluate`);
  }
  const result = value as Partial<EvaluationResult>;
  if (!Array.isArray(result.arms) || typeof result.protocol !== "object" || result.protocol === null) {
    throw new FdslError(`invalid result ${file}: no arms or protocol; pass a result.json written by fdsl evaluate`);
  }
  return result as EvaluationResult;
}

function toRow(arm: ArmResult, source: string): LeaderboardRow {
  const perDataset: Record<string, number> = {};
  const knn: Record<string, number> = {};
  const curves: Record<string, number[]> = {};
  for (const dataset of Object.keys(arm.runs[0]?.scores ?? {})) {
    perDataset[dataset] = mean(arm.runs.map((run) => run.scores[dataset]));
    const probes = arm.runs.map((run) => run.knn[dataset]).filter((value) => value !== undefined);
    if (probes.length > 0) knn[dataset] = mean(probes);
    const length = Math.min(...arm.runs.map((run) => run.curves[dataset]?.length ?? 0));
    curves[dataset] = Array.from({ length }, (_, epoch) => mean(arm.runs.map((run) => run.curves[dataset][epoch])));
  }
  return {
    rank: 0,
    label: arm.label,
    source,
    dataset: arm.dataset,
    recipe: describeRecipe(arm),
    score: arm.score,
    std: arm.std,
    seeds: arm.runs.map((run) => run.seed),
    perDataset,
    knn,
    gainOverScratch: null,
    curves,
  };
}

function describeRecipe(arm: ArmResult): string {
  if (arm.dataset === null) return "none (scratch)";
  const recipe = arm.recipe;
  if (recipe === null) return "unknown (no manifest)";
  return `${recipe.family} ${recipe.classes}x${recipe.instances} ${recipe.size}px ${recipe.color}`;
}

function mean(values: number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** Formats the leaderboard as a Markdown table. */
export function leaderboardMarkdown(board: Leaderboard): string {
  const header = ["rank", "arm", "recipe", "score", "± std", "gain vs scratch", ...board.downstream.map((d) => `kNN ${d}`)];
  const lines = [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`];
  for (const row of board.rows) {
    const cells = [
      String(row.rank),
      row.label,
      row.recipe,
      row.score.toFixed(2),
      row.std === null ? "-" : row.std.toFixed(2),
      row.gainOverScratch === null ? "-" : signed(row.gainOverScratch),
      ...board.downstream.map((d) => (row.knn[d] === undefined ? "-" : `${row.knn[d].toFixed(1)}%`)),
    ];
    lines.push(`| ${cells.join(" | ")} |`);
  }
  return `${lines.join("\n")}\n`;
}

/** Formats a number with an explicit sign and 2 decimals. */
export function signed(value: number): string {
  return `${value >= 0 ? "+" : ""}${value.toFixed(2)}`;
}
