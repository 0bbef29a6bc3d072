import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PNG } from "pngjs";
import { beforeAll, describe, expect, it } from "vitest";
import { UsageError } from "../src/errors.js";
import { evaluate, type EvaluationResult } from "../src/evaluate/evaluate.js";
import { buildLeaderboard, leaderboardMarkdown, pairedDifference } from "../src/evaluate/leaderboard.js";
import { renderReport } from "../src/evaluate/report.js";
import { screenshot } from "../src/evaluate/screenshot.js";
import { TINY, tempDir, tinyDataset } from "./evaluate-helpers.js";

const CLI = join(import.meta.dirname, "..", "dist", "cli", "main.js");
const SLOW = 300_000;

let first: string;
let second: string;

beforeAll(async () => {
  const dataset = await tinyDataset("alpha");
  first = tempDir();
  second = tempDir();
  await evaluate({ ...TINY, dataset, scratch: true, out: first, device: "cpu" });
  await evaluate({ ...TINY, dataset, label: "beta", scratch: false, out: second, device: "cpu" });
}, SLOW);

/** Copies a result with changed run scores and seeds, to check the arithmetic on known numbers. */
function withScores(source: string, scores: Record<string, number>, seed = 0): string {
  const result = JSON.parse(readFileSync(join(source, "result.json"), "utf8")) as EvaluationResult;
  for (const arm of result.arms) {
    for (const run of arm.runs) {
      run.mean = scores[arm.label];
      run.seed = seed;
    }
  }
  const out = tempDir();
  writeFileSync(join(out, "result.json"), JSON.stringify(result));
  return out;
}

describe("buildLeaderboard", () => {
  it("ranks arms by score, lowest first, with the gain over scratch", () => {
    const board = buildLeaderboard([withScores(first, { alpha: 150, scratch: 170 }), withScores(second, { beta: 180 })]);
    expect(board.rows.map((row) => row.label)).toEqual(["alpha", "scratch", "beta"]);
    expect(board.rows.map((row) => row.rank)).toEqual([1, 2, 3]);
    expect(board.rows[0].gainOverScratch).toBe(20);
    expect(board.rows[2].gainOverScratch).toBe(-10);
    expect(board.rows[1].gainOverScratch).toBeNull();
  });

  it("counts a repeated seed once", () => {
    const board = buildLeaderboard([first, first]);
    expect(board.rows.length).toBe(2);
    for (const row of board.rows) expect(row.seeds).toEqual([0]);
  });

  it("pools the seeds of one arm across results", () => {
    const board = buildLeaderboard([
      withScores(first, { alpha: 150, scratch: 170 }, 0),
      withScores(first, { alpha: 160, scratch: 180 }, 1),
    ]);
    const alpha = board.rows.find((row) => row.label === "alpha");
    expect(alpha?.seeds).toEqual([0, 1]);
    expect(alpha?.score).toBe(155);
    expect(alpha?.std).toBeCloseTo(Math.SQRT2 * 5, 10);
    expect(alpha?.gainOverScratch).toBe(20);
  });

  it("pairs arms by seed with a t statistic", () => {
    // alpha - scratch per seed: -20, -10, -30 (mean -20, sd 10, t = 20 / (10 / sqrt 3)).
    const board = buildLeaderboard([
      withScores(first, { alpha: 150, scratch: 170 }, 0),
      withScores(first, { alpha: 160, scratch: 170 }, 1),
      withScores(first, { alpha: 140, scratch: 170 }, 2),
    ]);
    const alpha = board.rows.find((row) => row.label === "alpha")!;
    expect(alpha.gainOverScratch).toBe(20);
    expect(alpha.tOverScratch).toBeCloseTo(20 / (10 / Math.sqrt(3)), 10);
    expect(board.pairs.length).toBe(1);
    expect(board.pairs[0].first).toBe("alpha");
    expect(board.pairs[0].second).toBe("scratch");
    expect(board.pairs[0].seeds).toEqual([0, 1, 2]);
    expect(board.pairs[0].score.difference).toBe(20);
    expect(board.pairs[0].score.t).toBeCloseTo(3.4641, 4);
  });

  it("gives a negative t when scratch is better", () => {
    const board = buildLeaderboard([
      withScores(first, { alpha: 180, scratch: 170 }, 0),
      withScores(first, { alpha: 190, scratch: 170 }, 1),
    ]);
    const alpha = board.rows.find((row) => row.label === "alpha")!;
    expect(alpha.gainOverScratch).toBe(-15);
    expect(alpha.tOverScratch).toBeCloseTo(-3, 10);
  });

  it("leaves t empty with one seed", () => {
    const board = buildLeaderboard([withScores(first, { alpha: 150, scratch: 170 })]);
    expect(board.rows.find((row) => row.label === "alpha")!.tOverScratch).toBeNull();
    expect(board.pairs[0].score.t).toBeNull();
    expect(leaderboardMarkdown(board)).not.toContain("Paired by seed");
  });

  it("pairs the probe accuracies", () => {
    const board = buildLeaderboard([first]);
    const pair = board.pairs[0];
    expect(pair.knn).not.toBeNull();
    expect(pair.linear).not.toBeNull();
    const alpha = board.rows.find((row) => row.label === "alpha")!;
    const scratch = board.rows.find((row) => row.label === "scratch")!;
    const sign = pair.first === "alpha" ? 1 : -1;
    expect(pair.linear!.difference).toBeCloseTo(sign * (alpha.linear["fashion-mnist"] - scratch.linear["fashion-mnist"]), 10);
  });

  it("describes the recipe of each arm", () => {
    const board = buildLeaderboard([first]);
    const alpha = board.rows.find((row) => row.label === "alpha");
    expect(alpha?.recipe).toBe("fractal 4x8 32px gray");
    expect(board.rows.find((row) => row.label === "scratch")?.recipe).toBe("none (scratch)");
  });

  it("marks a recipe with shuffled pixels", () => {
    const result = JSON.parse(readFileSync(join(first, "result.json"), "utf8")) as EvaluationResult;
    result.arms[0].recipe!.augment.shufflePixels = 1;
    const path = join(tempDir(), "result.json");
    writeFileSync(path, JSON.stringify(result));
    const alpha = buildLeaderboard([path]).rows.find((row) => row.label === "alpha");
    expect(alpha?.recipe).toBe("fractal 4x8 32px gray, pixels shuffled");
  });

  it("rejects results of different protocols unless allowed", () => {
    const other = JSON.parse(readFileSync(join(second, "result.json"), "utf8")) as EvaluationResult;
    other.protocol.finetune.epochs = 7;
    const path = join(tempDir(), "result.json");
    writeFileSync(path, JSON.stringify(other));
    expect(() => buildLeaderboard([first, path])).toThrow(UsageError);
    expect(() => buildLeaderboard([first, path])).toThrow(/another protocol/);
    expect(() => buildLeaderboard([first, path])).toThrow(/differs in finetune\.epochs\)/);
    expect(buildLeaderboard([first, path], { allowMixed: true }).rows.length).toBe(3);
  });

  it("rejects a missing result and an invalid one", () => {
    expect(() => buildLeaderboard(["/nonexistent/result.json"])).toThrow(/not found/);
    const bad = join(tempDir(), "result.json");
    writeFileSync(bad, "{}");
    expect(() => buildLeaderboard([bad])).toThrow(UsageError);
    expect(() => buildLeaderboard([bad])).toThrow(/invalid result .*: preset: expected string/);
    expect(() => buildLeaderboard([])).toThrow(/no results given/);
  });

  it.each([
    ["a run without a mean", (r: EvaluationResult) => ((r.arms[0].runs[0] as { mean: unknown }).mean = null), /arms\.0\.runs\.0\.mean/],
    ["an arm without runs", (r: EvaluationResult) => (r.arms[0].runs = []), /arms\.0\.runs: .*>=1/],
    ["an arm without a label", (r: EvaluationResult) => delete (r.arms[0] as { label?: string }).label, /arms\.0\.label/],
  ])("rejects a result with %s", (_, damage, message) => {
    const result = JSON.parse(readFileSync(join(first, "result.json"), "utf8")) as EvaluationResult;
    damage(result);
    const path = join(tempDir(), "result.json");
    writeFileSync(path, JSON.stringify(result));
    expect(() => buildLeaderboard([path])).toThrow(UsageError);
    expect(() => buildLeaderboard([path])).toThrow(message);
  });

  it("tells apart arms that share a label", () => {
    // Two datasets both labelled alpha: per seed, one gains 20 over scratch and the other 1, 2, 3.
    const moved = (source: string, dataset: string, alpha: number[]) => {
      const outs = alpha.map((score, seed) => withScores(source, { alpha: score, scratch: 170 }, seed));
      for (const out of outs) {
        const result = JSON.parse(readFileSync(join(out, "result.json"), "utf8")) as EvaluationResult;
        result.arms[0].dataset = dataset;
        writeFileSync(join(out, "result.json"), JSON.stringify(result));
      }
      return outs;
    };
    const board = buildLeaderboard([...moved(first, "/data/a", [150, 150, 150]), ...moved(first, "/data/b", [169, 168, 167])]);
    const labels = board.rows.map((row) => row.label).sort();
    expect(labels).toEqual(["alpha (/data/a)", "alpha (/data/b)", "scratch"]);
    const b = board.rows.find((row) => row.label === "alpha (/data/b)")!;
    expect(b.gainOverScratch).toBe(2);
    // Differences 1, 2, 3: mean 2, sd 1, t = 2 / (1 / sqrt 3).
    expect(b.tOverScratch).toBeCloseTo(2 * Math.sqrt(3), 10);
    expect(board.rows.find((row) => row.label === "alpha (/data/a)")!.tOverScratch).toBe(Infinity);
  });

  it("formats a Markdown table with one line per arm", () => {
    const markdown = leaderboardMarkdown(buildLeaderboard([first, second]));
    const lines = markdown.trim().split("\n");
    expect(lines.length).toBe(2 + 3);
    expect(lines[0]).toContain("gain vs scratch");
  });
});

describe("renderReport", () => {
  it("escapes labels and draws one curve per arm", () => {
    const board = buildLeaderboard([first, second]);
    board.rows[0].label = "<b>&x";
    const html = renderReport(board, "t");
    expect(html).toContain("&#60;b&#62;&#38;x");
    expect(html).not.toContain("<b>&x");
    expect(html.match(/<polyline/g)?.length).toBe(3);
  });
});

describe("screenshot", () => {
  it("renders the report to a PNG of the window size", () => {
    const dir = tempDir();
    const html = join(dir, "report.html");
    writeFileSync(html, renderReport(buildLeaderboard([first, second])));
    const png = join(dir, "report.png");
    screenshot(html, png, { width: 800, height: 600 });
    const image = PNG.sync.read(readFileSync(png));
    expect(image.width).toBe(800);
    expect(image.height).toBe(600);
    // A rendered page is not one flat colour.
    const pixels = new Set<number>();
    for (let i = 0; i < image.data.length; i += 4 * 97) pixels.add(image.data.readUInt32BE(i));
    expect(pixels.size).toBeGreaterThan(3);
  }, 120_000);

  it("names the install command when no browser is found", () => {
    const dir = tempDir();
    const html = join(dir, "r.html");
    writeFileSync(html, "<p>x</p>");
    expect(() => screenshot(html, join(dir, "r.png"), { browser: "/nonexistent/chromium" })).toThrow(
      /apt-get install chromium/,
    );
  });
});

describe("fdsl compare and fdsl evaluate commands", () => {
  it("compare prints the leaderboard and writes the report files", () => {
    const dir = tempDir();
    const output = execFileSync("node", [CLI, "compare", first, second, "--json", join(dir, "b.json"), "--html", join(dir, "b.html")], {
      encoding: "utf8",
    });
    expect(output).toContain("| 1 |");
    const board = JSON.parse(readFileSync(join(dir, "b.json"), "utf8"));
    expect(board.rows.length).toBe(3);
    expect(readFileSync(join(dir, "b.html"), "utf8")).toContain("<svg");
  });

  it.each([
    ["compare without results", ["compare"]],
    ["compare with a missing result", ["compare", "/nonexistent"]],
    ["compare --screenshot without --html", ["compare", "/nonexistent", "--screenshot", "x.png"]],
    ["evaluate without --out", ["evaluate"]],
    ["evaluate with bad seeds", ["evaluate", "-o", "/tmp/x", "--seeds", "a,b"]],
    ["evaluate with a bad device", ["evaluate", "-o", "/tmp/x", "--device", "tpu"]],
    ["evaluate with a bad dataset path", ["evaluate", "-o", "/tmp/x", "--dataset-path", "mnist"]],
    ["evaluate with an unknown preset", ["evaluate", "-o", "/tmp/x", "--preset", "huge"]],
    ["evaluate with zero epochs", ["evaluate", "-o", "/tmp/x", "--finetune-epochs", "0"]],
  ])("%s exits with code 2", (_, args) => {
    const result = spawnSync("node", [CLI, ...args], { encoding: "utf8" });
    expect(result.status).toBe(2);
    expect(result.stderr.length).toBeGreaterThan(0);
  });

  it("evaluate runs the scratch arm alone and prints its score", () => {
    const out = tempDir();
    const result = spawnSync("node", [CLI, "evaluate", "--preset", "smoke", "--scratch-only", "--threads", "1",
      "--train-images", "100", "--test-images", "100", "--device", "cpu", "-o", out], { encoding: "utf8" });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/scratch: score \d+\.\d\d over 1 seed/);
    expect(result.stderr).toContain("[scratch seed 0] fine-tuning fashion-mnist epoch 2/2");
    expect(existsSync(join(out, "dataset"))).toBe(false);
  }, 120_000);

  it("evaluate without a dataset generates the preset's recipe", () => {
    const out = tempDir();
    const result = spawnSync("node", [CLI, "evaluate", "--preset", "smoke", "--seeds", "0,1", "--control",
      "--train-images", "100", "--test-images", "100", "--device", "cpu", "-o", out], { encoding: "utf8" });
    expect(result.status).toBe(0);
    // The smoke preset's recipe: 4 fractal categories of 50 images.
    expect(readdirSync(join(out, "dataset")).length).toBe(4);
    expect(readdirSync(join(out, "dataset", "00003")).length).toBe(50);
    expect(result.stdout).toMatch(/fractal: score \d+\.\d\d ± \d+\.\d\d over 2 seed/);
    expect(result.stdout).toMatch(/fractal: gain over scratch [+-]\d+\.\d\d, paired t [+-](\d+\.\d|inf) /);
    expect(result.stdout).toMatch(/fractal: gain over fractal-shuffled [+-]\d+\.\d\d, paired t /);
    expect(result.stderr).toContain("[scratch seed 1] fine-tuning fashion-mnist epoch 2/2");
    expect(result.stderr).toContain("[fractal-shuffled seed 1] fine-tuning fashion-mnist epoch 2/2");
  }, 420_000);

  it("evaluate --control shuffles the pixels of the same recipe", () => {
    // Written by the previous test's run would couple the tests, so make a tiny pair here.
    const out = tempDir();
    const result = spawnSync("node", [CLI, "evaluate", "--preset", "smoke", "--control", "--no-scratch",
      "--pretrain-epochs", "1", "--finetune-epochs", "1", "--train-images", "20", "--test-images", "20",
      "--device", "cpu", "-o", out], { encoding: "utf8" });
    expect(result.status).toBe(0);
    const original = PNG.sync.read(readFileSync(join(out, "dataset", "00001", "00001_0007.png")));
    const shuffled = PNG.sync.read(readFileSync(join(out, "control", "00001", "00001_0007.png")));
    const sorted = (data: Buffer) => [...data].sort((a, b) => a - b);
    expect(Buffer.compare(original.data, shuffled.data)).not.toBe(0);
    expect(sorted(shuffled.data)).toEqual(sorted(original.data));
    const manifest = JSON.parse(readFileSync(join(out, "control.manifest.json"), "utf8"));
    expect(manifest.recipe.augment.shufflePixels).toBe(1);
  }, 180_000);
});

describe("pairedDifference", () => {
  it("computes the mean and t of known differences", () => {
    const { difference, t } = pairedDifference([1, 2, 3, 4]);
    expect(difference).toBe(2.5);
    // sd = sqrt(5/3); t = 2.5 / (sd / 2).
    expect(t).toBeCloseTo(2.5 / (Math.sqrt(5 / 3) / 2), 10);
  });

  it("returns an infinite t for equal nonzero differences", () => {
    expect(pairedDifference([2, 2, 2]).t).toBe(Infinity);
    expect(pairedDifference([0, 0]).t).toBe(0);
  });
});
