import { describe, expect, it } from "vitest";
import { parseTrainerLine } from "../src/evaluate/events.js";

describe("parseTrainerLine", () => {
  it("parses a fine-tuning epoch", () => {
    const event = parseTrainerLine(
      '{"event": "epoch", "phase": "finetune", "dataset": "fashion-mnist", "epoch": 2, "epochs": 10, ' +
        '"loss": 0.5, "train_acc": 80.0, "seconds": 1.5, "test_acc": 85.0, "test_error": 15.0}',
    );
    expect(event?.event).toBe("epoch");
    expect(event).toHaveProperty("test_error", 15);
  });

  it("parses score and done events", () => {
    const score = parseTrainerLine(
      '{"event": "score", "dataset": "cifar10", "cumulative_error": 23.15, "scored_epochs": [5, 10], "final_error": 3.1}',
    );
    expect(score?.event).toBe("score");
    const done = parseTrainerLine('{"event": "done", "scores": {"cifar10": 23.15}, "mean": 23.15, "seconds": 9}');
    expect(done?.event).toBe("done");
  });

  it("keeps fields of data events", () => {
    const event = parseTrainerLine('{"event": "data", "phase": "pretrain", "images": 32}');
    expect(event).toEqual({ event: "data", phase: "pretrain", images: 32 });
  });

  it.each([
    ["a warning", "UserWarning: something"],
    ["broken JSON", '{"event": "epoch"'],
    ["an unknown event", '{"event": "party"}'],
    ["an epoch without numbers", '{"event": "epoch", "phase": "finetune"}'],
    ["a wrong phase", '{"event": "epoch", "phase": "warmup", "epoch": 1, "epochs": 1, "loss": 1, "train_acc": 1, "seconds": 1}'],
  ])("returns null for %s", (_, line) => {
    expect(parseTrainerLine(line)).toBeNull();
  });
});
