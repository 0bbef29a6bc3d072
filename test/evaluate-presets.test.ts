import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { MODELS } from "../src/evaluate/config.js";
import { resolveRecipe } from "../src/recipe/schema.js";
import { UsageError } from "../src/errors.js";
import { buildProtocol, getPreset, PRESETS } from "../src/evaluate/presets.js";

describe("presets", () => {
  it("include smoke, cpu-proxy and contest", () => {
    expect(Object.keys(PRESETS)).toEqual(["smoke", "cpu-proxy", "contest"]);
  });

  it("contest preset fine-tunes MobileNetV2 at 32 px on CIFAR-10 with the contest score", () => {
    const contest = getPreset("contest");
    expect(contest.model).toBe("mobilenet_v2");
    expect(contest.image_size).toBe(32);
    expect(contest.finetune.datasets).toEqual(["cifar10"]);
    expect(contest.finetune.score_from).toBe(0.5);
  });

  it("getPreset rejects an unknown name and lists the presets", () => {
    expect(() => getPreset("fast")).toThrow(UsageError);
    expect(() => getPreset("fast")).toThrow(/smoke, cpu-proxy, contest/);
    expect(() => getPreset("toString")).toThrow(UsageError);
  });

  it("buildProtocol applies overrides", () => {
    const protocol = buildProtocol(getPreset("cpu-proxy"), {
      downstream: ["mnist"], pretrainEpochs: 3, finetuneEpochs: 4, maxImages: 500, trainImages: 50, testImages: 60,
    });
    expect(protocol.finetune.datasets).toEqual(["mnist"]);
    expect(protocol.pretrain.epochs).toBe(3);
    expect(protocol.pretrain.max_images).toBe(500);
    expect(protocol.finetune.epochs).toBe(4);
    expect(protocol.finetune.train_images).toBe(50);
    expect(protocol.finetune.test_images).toBe(60);
  });

  it("buildProtocol overrides the network", () => {
    const protocol = buildProtocol(getPreset("cpu-proxy"), { model: "resnet18_cifar", width: 8, imageSize: 64 });
    expect(protocol.model).toBe("resnet18_cifar");
    expect(protocol.width).toBe(8);
    expect(protocol.image_size).toBe(64);
  });

  it.each([
    ["an unknown model", { model: "vgg11" }, /unknown model "vgg11"; expected one of resnet8/],
    ["a tiny image size", { imageSize: 4 }, /invalid image size 4; expected 8 to 1024/],
  ])("buildProtocol rejects %s", (_, overrides, message) => {
    expect(() => buildProtocol(getPreset("smoke"), overrides)).toThrow(UsageError);
    expect(() => buildProtocol(getPreset("smoke"), overrides)).toThrow(message);
  });

  it("lists the models the trainer builds", () => {
    const code = "import sys; sys.path.insert(0, 'trainer'); from fdsl_trainer.models import MODELS; print(','.join(MODELS))";
    const listed = execFileSync("/usr/bin/python3", ["-c", code], { encoding: "utf8" }).trim().split(",");
    expect([...MODELS].sort()).toEqual(listed.sort());
  });

  it("presets carry a valid recipe and seeds", () => {
    for (const preset of Object.values(PRESETS)) {
      expect(() => resolveRecipe(preset.recipe, preset.name)).not.toThrow();
      expect(preset.seeds.length).toBeGreaterThan(0);
    }
    expect(getPreset("cpu-proxy").seeds.length).toBe(8);
    expect(resolveRecipe(getPreset("cpu-proxy").recipe, "cpu-proxy").size).toBe(64);
  });

  it("buildProtocol keeps the preset without overrides", () => {
    const preset = getPreset("cpu-proxy");
    const protocol = buildProtocol(preset);
    expect(protocol.finetune).toEqual(preset.finetune);
    expect(protocol.pretrain).toEqual(preset.pretrain);
  });
});
