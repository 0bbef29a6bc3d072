import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { FdslError, UsageError } from "../src/errors.js";
import { evaluate, type EvaluationResult } from "../src/evaluate/evaluate.js";
import { buildProtocol, getPreset } from "../src/evaluate/presets.js";
import { findPython } from "../src/evaluate/python.js";
import { runTrainer } from "../src/evaluate/trainer.js";
import type { TrainerConfig } from "../src/evaluate/config.js";
import type { TrainerEvent } from "../src/evaluate/events.js";
import { resolveRecipe } from "../src/recipe/schema.js";
import { TINY, tempDir, tinyDataset } from "./evaluate-helpers.js";

const FASHION_MNIST = "/usr/share/datasets/fashion-mnist";

// Real trainer runs take seconds each on a loaded 2-core machine.
const SLOW = 180_000;

let dataset: string;
let python: string;

beforeAll(async () => {
  dataset = await tinyDataset();
  python = findPython().command;
}, SLOW);

function smokeConfig(overrides: Partial<TrainerConfig> = {}): TrainerConfig {
  const protocol = buildProtocol(getPreset("smoke"), { trainImages: 100, testImages: 100 });
  return {
    ...protocol,
    seed: 0, device: "cpu", threads: 1, precision: "auto", linear_probe: true, dataset_paths: {},
    pretrain: { ...protocol.pretrain, path: dataset },
    ...overrides,
  };
}

describe("runTrainer", () => {
  it("streams events in order and resolves with the scores", async () => {
    const seen: TrainerEvent[] = [];
    const { done, events } = await runTrainer(smokeConfig(), { python, onEvent: (event) => seen.push(event) });
    expect(seen).toEqual(events);
    expect(events[0].event).toBe("start");
    expect(events.at(-1)?.event).toBe("done");
    const epochs = events.filter((event) => event.event === "epoch");
    expect(epochs.length).toBe(1 + 2);
    expect(Object.keys(done.scores)).toEqual(["fashion-mnist"]);
    expect(done.mean).toBeGreaterThan(0);
    expect(done.mean).toBeLessThanOrEqual(200);
  }, SLOW);

  it("rejects an invalid config with a UsageError from the trainer", async () => {
    const config = smokeConfig({ model: "vgg11" });
    await expect(runTrainer(config, { python })).rejects.toThrow(UsageError);
    await expect(runTrainer(config, { python })).rejects.toThrow(/trainer: invalid config model/);
  }, SLOW);

  it("rejects a missing downstream folder naming the dataset", async () => {
    const config = smokeConfig({ pretrain: null, dataset_paths: { "fashion-mnist": "/nonexistent/fmnist" } });
    await expect(runTrainer(config, { python })).rejects.toThrow(/fashion-mnist not found at \/nonexistent\/fmnist/);
  }, SLOW);

  it("rejects an interpreter that cannot start", async () => {
    await expect(runTrainer(smokeConfig(), { python: "/nonexistent/python3" })).rejects.toThrow(FdslError);
  }, SLOW);

  it("stops the trainer when aborted", async () => {
    const controller = new AbortController();
    const run = runTrainer(smokeConfig(), {
      python,
      signal: controller.signal,
      onEvent: (event) => {
        if (event.event === "start") controller.abort();
      },
    });
    await expect(run).rejects.toThrow(/aborted/);
  }, SLOW);
});

describe("evaluate", () => {
  let out: string;
  let result: EvaluationResult;

  beforeAll(async () => {
    out = tempDir();
    result = await evaluate({ ...TINY, dataset, scratch: true, seeds: [0, 1], out, device: "cpu" });
  }, 4 * SLOW);

  it("runs the dataset arm and the scratch arm per seed", () => {
    expect(result.arms.map((arm) => arm.label)).toEqual(["fractal", "scratch"]);
    for (const arm of result.arms) expect(arm.runs.map((run) => run.seed)).toEqual([0, 1]);
    expect(result.arms[1].dataset).toBeNull();
  });

  it("averages run scores over seeds", () => {
    for (const arm of result.arms) {
      const mean = (arm.runs[0].mean + arm.runs[1].mean) / 2;
      expect(arm.score).toBeCloseTo(mean, 10);
      expect(arm.std).toBeCloseTo(Math.abs(arm.runs[0].mean - arm.runs[1].mean) / Math.SQRT2, 10);
    }
  });

  it("scores each run as the sum of its scored epochs", () => {
    for (const arm of result.arms) {
      for (const run of arm.runs) {
        const curve = run.curves["fashion-mnist"];
        expect(curve.length).toBe(2);
        // Two epochs at score_from 0.5: epochs 1 and 2 count.
        expect(run.scores["fashion-mnist"]).toBeCloseTo(curve[0] + curve[1], 6);
      }
    }
  });

  it("records the recipe from the dataset manifest", () => {
    expect(result.arms[0].recipe?.classes).toBe(4);
    expect(result.arms[0].recipe?.instances).toBe(8);
  });

  it("writes result.json and the contest's scores.json per run", () => {
    const written = JSON.parse(readFileSync(join(out, "result.json"), "utf8")) as EvaluationResult;
    expect(written.arms.length).toBe(2);
    expect(written.preset).toBe("smoke");
    const scores = JSON.parse(readFileSync(join(out, "fractal-s1", "scores.json"), "utf8"));
    expect(scores["fashion-mnist"]).toBeCloseTo(result.arms[0].runs[1].scores["fashion-mnist"], 6);
    expect(existsSync(join(out, "scratch-s0", "scores.json"))).toBe(true);
    expect(existsSync(join(out, "fractal-s0", "pretrained.pt"))).toBe(true);
  });

  it("gives the same scores when rerun with the same seed", async () => {
    const again = await evaluate({ ...TINY, dataset, scratch: false, seeds: [1], out: tempDir(), device: "cpu" });
    expect(again.arms[0].runs[0].scores).toEqual(result.arms[0].runs[1].scores);
  }, SLOW);
});

describe("evaluate input checks", () => {
  it("generates the dataset from a recipe first", async () => {
    const root = tempDir();
    const recipe = resolveRecipe({ classes: 3, instances: 4, size: 32, points: 500, seed: 9 }, "test recipe");
    const result = await evaluate({
      ...TINY, dataset: join(root, "made"), recipe, scratch: false, out: join(root, "out"), device: "cpu",
    });
    expect(existsSync(join(root, "made", "00002"))).toBe(true);
    expect(result.arms[0].recipe?.seed).toBe(9);
  }, SLOW);

  it("reuses pre-trained weights from a checkpoints folder", async () => {
    const checkpoints = tempDir();
    const loaded: TrainerEvent[] = [];
    const first = await evaluate({ ...TINY, dataset, scratch: false, checkpoints, out: tempDir(), device: "cpu" });
    const second = await evaluate({
      ...TINY, dataset, scratch: false, checkpoints, out: tempDir(), device: "cpu",
      onEvent: (event) => {
        if (event.event === "checkpoint" && "loaded" in event) loaded.push(event);
      },
    });
    expect(existsSync(join(checkpoints, "fractal-s0.pt"))).toBe(true);
    expect(loaded.length).toBe(1);
    expect(second.arms[0].runs[0].scores).toEqual(first.arms[0].runs[0].scores);
  }, SLOW);

  it("starts no new run after one fails", async () => {
    const broken = join(tempDir(), "broken");
    mkdirSync(join(broken, "a"), { recursive: true });
    mkdirSync(join(broken, "b"), { recursive: true });
    writeFileSync(join(broken, "a", "note.txt"), "not an image");
    const out = tempDir();
    await expect(evaluate({ ...TINY, dataset: broken, seeds: [0, 1, 2, 3], jobs: 2, out, device: "cpu" }))
      .rejects.toThrow(/contains no images/);
    expect(existsSync(join(out, "scratch-s3", "scores.json"))).toBe(false);
    expect(existsSync(join(out, "result.json"))).toBe(false);
  }, SLOW);

  it("rejects an --out that is a file", async () => {
    const file = join(tempDir(), "result-file");
    writeFileSync(file, "");
    await expect(evaluate({ ...TINY, dataset, out: file, device: "cpu" })).rejects.toThrow(/is a file; pass a folder/);
  });

  it("rejects a second evaluation into a locked folder", async () => {
    const out = tempDir();
    // The parent process is alive, so its lock is live.
    writeFileSync(join(out, ".fdsl-evaluate.lock"), `${process.ppid}\n`);
    await expect(evaluate({ ...TINY, dataset, scratch: false, out, device: "cpu" })).rejects.toThrow(/another fdsl run/);
  });

  it("resolves a relative downstream path against the working folder", async () => {
    const copy = join(tempDir(), "fm");
    mkdirSync(copy);
    for (const name of readdirSync(FASHION_MNIST)) symlinkSync(join(FASHION_MNIST, name), join(copy, name));
    const paths: string[] = [];
    await evaluate({
      ...TINY, scratchOnly: true, out: tempDir(), device: "cpu", datasetPaths: { "fashion-mnist": relative(process.cwd(), copy) },
      onEvent: (event) => {
        if (event.event === "data" && "path" in event) paths.push(String(event.path));
      },
    });
    expect(paths).toEqual([copy]);
  }, SLOW);

  it("runs the contest preset's network on a tiny schedule", async () => {
    // MobileNetV2 and the contest's schedule, shrunk to seconds and moved to Fashion-MNIST.
    const result = await evaluate({
      preset: "contest", dataset, scratch: false, seeds: [0], out: tempDir(), device: "cpu", threads: 1,
      downstream: ["fashion-mnist"], maxImages: 32, pretrainEpochs: 1, finetuneEpochs: 2, trainImages: 100, testImages: 100,
    });
    expect(result.protocol.model).toBe("mobilenet_v2");
    expect(result.arms[0].runs[0].curves["fashion-mnist"].length).toBe(2);
    expect(Number.isFinite(result.arms[0].score)).toBe(true);
  }, SLOW);

  it.each([
    ["an empty seed list", { seeds: [] }, /no seeds/],
    ["a negative seed", { seeds: [-1] }, /invalid seed -1/],
    ["repeated seeds", { seeds: [1, 1] }, /repeated seed in 1,1/],
    ["an unknown preset", { preset: "huge" }, /unknown preset "huge"/],
    ["a missing dataset", { dataset: "/nonexistent/data" }, /dataset folder \/nonexistent\/data not found/],
    ["scratch-only with scratch off", { scratchOnly: true, scratch: false }, /nothing to evaluate/],
    ["scratch-only with a dataset", { scratchOnly: true, dataset: "/tmp" }, /takes no dataset or recipe/],
    ["the scratch arm's label", { label: "scratch" }, /is the scratch arm's name/],
    ["an empty label", { label: "" }, /invalid --label ""/],
    ["a seed above 2^32 - 1", { seeds: [2 ** 32] }, /invalid seed 4294967296; expected an integer from 0 to 4294967295/],
    ["an unknown downstream dataset", { downstream: ["nosuch"] }, /unknown downstream dataset "nosuch"/],
    ["a repeated downstream dataset", { downstream: ["mnist", "mnist"] }, /repeated downstream dataset/],
    ["a width of 5000", { width: 5000 }, /invalid width 5000/],
    ["fp16 on the CPU", { precision: "fp16" as const, device: "cpu" as const }, /fp16 needs a CUDA device/],
    ["an interpreter that fails", { python: "/bin/false" }, /--python \/bin\/false cannot run the trainer/],
    ["a control without a dataset", { scratchOnly: true, control: true }, /no dataset to make a control from/],
    ["a control of a folder without a manifest", { dataset: "/tmp", control: true }, /--control needs the recipe of \/tmp/],
  ])("rejects %s", async (_, options, message) => {
    await expect(evaluate({ ...TINY, out: tempDir(), ...options })).rejects.toThrow(message);
  });
});
