import { describe, expect, it } from "vitest";
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

  it("buildProtocol keeps the preset without overrides", () => {
    const preset = getPreset("cpu-proxy");
    const protocol = buildProtocol(preset);
    expect(protocol.finetune).toEqual(preset.finetune);
    expect(protocol.pretrain).toEqual(preset.pretrain);
  });
});
