import { existsSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { z } from "zod";
import { UsageError } from "../errors.js";
import { parseOrThrow } from "../recipe/schema.js";
import type { ArmResult, ArmRun, EvaluationResult, Protocol } from "./evaluate.js";

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
  /** Mean linear-probe accuracy (%) of the frozen features per downstream dataset. */
  linear: Record<string, number>;
  /** Scratch score minus this score: positive when pre-training helped; null without a scratch arm. */
  gainOverScratch: number | null;
  /** Paired t statistic of the gain over scratch, over the seeds both arms ran; null when fewer than 2. */
  tOverScratch: number | null;
  /** Mean test error (%) per fine-tuning epoch, per downstream dataset. */
  curves: Record<string, number[]>;
}

/** A paired difference over the seeds two arms share: mean of (first - second) per seed, and its t statistic. */
export interface PairedDifference {
  difference: number;
  /** Mean difference over its standard error; null with fewer than 2 seeds, infinite when every difference is equal. */
  t: number | null;
}

/**
 * Two arms compared seed by seed. Runs of one seed share the fine-tuning
 * subset, data order and head initialisation, so pairing removes that
 * part of the seed-to-seed spread.
 */
export interface PairedComparison {
  /** The better-ranked arm. */
  first: string;
  second: string;
  /** Seeds both arms ran. */
  seeds: number[];
  /** Score of second minus score of first: positive when first is better. */
  score: PairedDifference;
  /** k-NN accuracy of first minus second, mean over downstream datasets; null without probes. */
  knn: PairedDifference | null;
  /** Linear-probe accuracy of first minus second, mean over downstream datasets; null without probes. */
  linear: PairedDifference | null;
}

export interface Leaderboard {
  preset: string;
  protocol: Protocol;
  environment: Record<string, unknown>;
  downstream: string[];
  rows: LeaderboardRow[];
  /** Every two arms, better-ranked first, in rank order. */
  pairs: PairedComparison[];
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
    const differences = differingFields(comparable(first.result.protocol), comparable(other.result.protocol));
    if (!options.allowMixed && differences.length > 0) {
      throw new UsageError(
        `${other.path} used another protocol than ${first.path} (preset ${other.result.preset} vs ` +
          `${first.result.preset}; differs in ${differences.slice(0, 5).join(", ")}); ` +
          `compare results of one protocol, or pass --allow-mixed`,
      );
    }
  }

  const pooled = poolArms(results);
  const rows = pooled.map(({ arm, sources }) => toRow(arm, sources.join(", ")));
  disambiguateLabels(rows);
  const runsOf = new Map(rows.map((row, index) => [row, pooled[index].arm.runs]));
  rows.sort((a, b) => a.score - b.score);
  rows.forEach((row, index) => (row.rank = index + 1));

  const pairs: PairedComparison[] = [];
  for (let i = 0; i < rows.length; i++) {
    for (let j = i + 1; j < rows.length; j++) {
      pairs.push(comparePaired(rows[i], runsOf.get(rows[i])!, rows[j], runsOf.get(rows[j])!));
    }
  }
  const scratch = rows.find((row) => row.dataset === null);
  for (const row of rows) {
    if (scratch === undefined || row === scratch) continue;
    row.gainOverScratch = scratch.score - row.score;
    row.tOverScratch = pairedScoreGain(runsOf.get(row)!, runsOf.get(scratch)!).t;
  }

  return {
    preset: first.result.preset,
    protocol: first.result.protocol,
    environment: first.result.environment,
    downstream: first.result.protocol.finetune.datasets,
    rows,
    pairs,
  };
}

/**
 * Returns the gain of `runs` over `baseline` paired by seed: the mean of
 * baseline score minus run score over the seeds both ran, and its t.
 */
export function pairedScoreGain(runs: ArmRun[], baseline: ArmRun[]): PairedDifference {
  const bySeed = new Map(baseline.map((run) => [run.seed, run.mean]));
  const shared = runs.filter((run) => bySeed.has(run.seed));
  return pairedDifference(shared.map((run) => bySeed.get(run.seed)! - run.mean));
}

/** Compares two arms over their shared seeds; the score difference is second minus first. */
function comparePaired(first: LeaderboardRow, firstRuns: ArmRun[], second: LeaderboardRow, secondRuns: ArmRun[]): PairedComparison {
  const bySeed = new Map(secondRuns.map((run) => [run.seed, run]));
  const shared = firstRuns.filter((run) => bySeed.has(run.seed));
  const partner = (run: ArmRun) => bySeed.get(run.seed)!;
  const probe = (pick: (run: ArmRun) => Record<string, number>): PairedDifference | null => {
    const differences: number[] = [];
    for (const run of shared) {
      const a = Object.values(pick(run));
      const b = Object.values(pick(partner(run)));
      if (a.length === 0 || a.length !== b.length) return null;
      differences.push(mean(a) - mean(b));
    }
    return differences.length === 0 ? null : pairedDifference(differences);
  };
  return {
    first: first.label,
    second: second.label,
    seeds: shared.map((run) => run.seed),
    score: pairedScoreGain(firstRuns, secondRuns),
    knn: probe((run) => run.knn),
    linear: probe((run) => run.linear ?? {}),
  };
}

/** Returns the mean of `differences` and the paired t statistic, mean / (sd / sqrt(n)). */
export function pairedDifference(differences: number[]): PairedDifference {
  const n = differences.length;
  if (n === 0) return { difference: NaN, t: null };
  const average = mean(differences);
  if (n < 2) return { difference: average, t: null };
  const variance = differences.reduce((sum, value) => sum + (value - average) ** 2, 0) / (n - 1);
  const error = Math.sqrt(variance / n);
  if (error > 0) return { difference: average, t: average / error };
  // Every difference is equal: no spread, so any nonzero mean is infinitely significant.
  return { difference: average, t: average === 0 ? 0 : Math.sign(average) * Infinity };
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
    const { score, std } = scoreOverSeeds(arm.runs);
    arm.score = score;
    arm.std = std;
  }
  return [...pooled.values()];
}

/**
 * Gives rows that share a label (two datasets both called "fractal", say)
 * their dataset folder in brackets, so the tables tell them apart.
 */
function disambiguateLabels(rows: LeaderboardRow[]): void {
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(row.label, (counts.get(row.label) ?? 0) + 1);
  for (const row of rows) {
    if ((counts.get(row.label) ?? 0) > 1) row.label = `${row.label} (${row.dataset ?? row.source})`;
  }
}

/** Returns the dotted paths of the fields where `a` and `b` differ. */
function differingFields(a: unknown, b: unknown, path = ""): string[] {
  const isObject = (value: unknown): value is Record<string, unknown> =>
    typeof value === "object" && value !== null && !Array.isArray(value);
  if (!isObject(a) || !isObject(b)) return isDeepStrictEqual(a, b) ? [] : [path || "(top level)"];
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.flatMap((key) => differingFields(a[key], b[key], path ? `${path}.${key}` : key));
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

/** The fields of result.json that compare reads; other fields pass through. */
const resultSchema = z.looseObject({
  preset: z.string(),
  protocol: z.looseObject({ finetune: z.looseObject({ datasets: z.array(z.string()) }) }),
  environment: z.record(z.string(), z.unknown()).default({}),
  arms: z.array(
    z.looseObject({
      label: z.string().min(1),
      dataset: z.string().nullable(),
      runs: z.array(
        z.looseObject({
          seed: z.number().int(),
          mean: z.number(),
          scores: z.record(z.string(), z.number()),
          curves: z.record(z.string(), z.array(z.number().nullable())),
          knn: z.record(z.string(), z.number()).default({}),
          linear: z.record(z.string(), z.number()).default({}),
        }),
      ).min(1),
    }),
  ).min(1),
});

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
    throw new UsageError(`invalid result ${file}: ${(error as Error).message}; pass a result.json written by fdsl evaluate`);
  }
  return parseOrThrow(resultSchema, value, `result ${file}`, []) as unknown as EvaluationResult;
}

function toRow(arm: ArmResult, source: string): LeaderboardRow {
  const perDataset: Record<string, number> = {};
  const knn: Record<string, number> = {};
  const linear: Record<string, number> = {};
  const curves: Record<string, number[]> = {};
  for (const dataset of Object.keys(arm.runs[0]?.scores ?? {})) {
    perDataset[dataset] = mean(arm.runs.map((run) => run.scores[dataset]));
    const probes = arm.runs.map((run) => run.knn[dataset]).filter((value) => value !== undefined);
    if (probes.length > 0) knn[dataset] = mean(probes);
    // Results written before the linear probe existed have no `linear` field.
    const linearProbes = arm.runs.map((run) => run.linear?.[dataset]).filter((value) => value !== undefined);
    if (linearProbes.length > 0) linear[dataset] = mean(linearProbes);
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
    linear,
    gainOverScratch: null,
    tOverScratch: null,
    curves,
  };
}

function describeRecipe(arm: ArmResult): string {
  if (arm.dataset === null) return "none (scratch)";
  const recipe = arm.recipe;
  if (recipe === null) return "unknown (no manifest)";
  const base = `${recipe.family} ${recipe.classes}x${recipe.instances} ${recipe.size}px ${recipe.color}`;
  // Results written before shufflePixels existed have no such field.
  const shuffle = recipe.augment?.shufflePixels ?? 0;
  if (shuffle <= 0) return base;
  return shuffle >= 1 ? `${base}, pixels shuffled` : `${base}, pixels shuffled (p ${shuffle})`;
}

function mean(values: number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** Returns the mean of the runs' scores and their sample standard deviation, null with one run. */
export function scoreOverSeeds(runs: ArmRun[]): { score: number; std: number | null } {
  const means = runs.map((run) => run.mean);
  const score = mean(means);
  if (means.length < 2) return { score, std: null };
  return { score, std: Math.sqrt(means.reduce((sum, value) => sum + (value - score) ** 2, 0) / (means.length - 1)) };
}

/** Formats the leaderboard as a Markdown table, then the paired comparisons when any arm ran 2+ shared seeds. */
export function leaderboardMarkdown(board: Leaderboard): string {
  const header = [
    "rank", "arm", "recipe", "score", "± std", "seeds", "gain vs scratch", "t vs scratch",
    ...board.downstream.flatMap((d) => [`kNN ${d}`, `linear ${d}`]),
  ];
  const lines = [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`];
  for (const row of board.rows) {
    const cells = [
      String(row.rank),
      row.label,
      row.recipe,
      row.score.toFixed(2),
      row.std === null ? "-" : row.std.toFixed(2),
      String(row.seeds.length),
      row.gainOverScratch === null ? "-" : signed(row.gainOverScratch),
      formatT(row.tOverScratch),
      ...board.downstream.flatMap((d) => [percent(row.knn[d]), percent(row.linear[d])]),
    ];
    lines.push(`| ${cells.join(" | ")} |`);
  }
  const pairs = board.pairs.filter((pair) => pair.seeds.length >= 2);
  if (pairs.length > 0) {
    lines.push("", "Paired by seed (positive: the first arm is better):", "");
    const head = ["first", "second", "seeds", "score gain", "t", "kNN gain", "t", "linear gain", "t"];
    lines.push(`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`);
    for (const pair of pairs) {
      const cells = [
        pair.first, pair.second, String(pair.seeds.length),
        signed(pair.score.difference), formatT(pair.score.t),
        pair.knn === null ? "-" : signed(pair.knn.difference), formatT(pair.knn?.t ?? null),
        pair.linear === null ? "-" : signed(pair.linear.difference), formatT(pair.linear?.t ?? null),
      ];
      lines.push(`| ${cells.join(" | ")} |`);
    }
  }
  return `${lines.join("\n")}\n`;
}

function percent(value: number | undefined): string {
  return value === undefined ? "-" : `${value.toFixed(1)}%`;
}

/** Formats a t statistic with one decimal, "-" when there is none. */
export function formatT(t: number | null): string {
  if (t === null) return "-";
  if (!Number.isFinite(t)) return t > 0 ? "+inf" : "-inf";
  return `${t >= 0 ? "+" : ""}${t.toFixed(1)}`;
}

/** Formats a number with an explicit sign and 2 decimals. */
export function signed(value: number): string {
  return `${value >= 0 ? "+" : ""}${value.toFixed(2)}`;
}
