import { z } from "zod";

/** One training epoch: pre-training, or fine-tuning on one downstream dataset. */
export const epochEventSchema = z.object({
  event: z.literal("epoch"),
  phase: z.enum(["pretrain", "finetune"]),
  epoch: z.number().int(),
  epochs: z.number().int(),
  loss: z.number(),
  /** Training accuracy in percent, on augmented images. */
  train_acc: z.number(),
  seconds: z.number(),
  dataset: z.string().optional(),
  /** Test top-1 accuracy in percent (fine-tuning only). */
  test_acc: z.number().optional(),
  /** Test top-1 error in percent: 100 - test_acc (fine-tuning only). */
  test_error: z.number().optional(),
});

/** The contest score of one downstream dataset. */
export const scoreEventSchema = z.object({
  event: z.literal("score"),
  dataset: z.string(),
  cumulative_error: z.number(),
  /** First and last scored epoch, 1-based and inclusive. */
  scored_epochs: z.tuple([z.number().int(), z.number().int()]),
  final_error: z.number(),
});

/** Probe accuracies (%) of the frozen features on a downstream dataset, before fine-tuning. */
export const probeEventSchema = z.object({
  event: z.literal("probe"),
  dataset: z.string(),
  /** Neighbours of the k-NN probe; absent when it was skipped. */
  knn: z.number().int().optional(),
  knn_acc: z.number().optional(),
  /** Logistic regression on the standardised features; absent when it was skipped. */
  linear_acc: z.number().optional(),
  seconds: z.number(),
});

export const startEventSchema = z.object({
  event: z.literal("start"),
  device: z.string(),
  environment: z.record(z.string(), z.unknown()),
});

export const doneEventSchema = z.object({
  event: z.literal("done"),
  scores: z.record(z.string(), z.number()),
  mean: z.number(),
  seconds: z.number(),
});

export const errorEventSchema = z.object({
  event: z.literal("error"),
  message: z.string(),
  exit_code: z.number().int(),
});

/** Events the trainer writes that the caller may not need (data summaries, checkpoints). */
export const otherEventSchema = z.looseObject({
  event: z.enum(["data", "checkpoint"]),
});

export const trainerEventSchema = z.union([
  epochEventSchema,
  scoreEventSchema,
  probeEventSchema,
  startEventSchema,
  doneEventSchema,
  errorEventSchema,
  otherEventSchema,
]);

/** One JSON line of the trainer's stdout. */
export type TrainerEvent = z.infer<typeof trainerEventSchema>;
export type EpochEvent = z.infer<typeof epochEventSchema>;
export type ScoreEvent = z.infer<typeof scoreEventSchema>;
export type ProbeEvent = z.infer<typeof probeEventSchema>;
export type DoneEvent = z.infer<typeof doneEventSchema>;

/**
 * Parses one stdout line of the trainer. Returns null for a line that is
 * not a known event, for example a library warning printed to stdout.
 */
export function parseTrainerLine(line: string): TrainerEvent | null {
  const text = line.trim();
  if (!text.startsWith("{")) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const result = trainerEventSchema.safeParse(value);
  return result.success ? result.data : null;
}
