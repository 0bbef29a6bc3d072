import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { FdslError, UsageError } from "../errors.js";
import { parseTrainerLine, type DoneEvent, type TrainerEvent } from "./events.js";
import type { TrainerConfig } from "./config.js";

/** The folder holding the fdsl_trainer package, two levels above dist/evaluate/. */
export const TRAINER_DIR = fileURLToPath(new URL("../../trainer", import.meta.url));

export interface RunTrainerOptions {
  /** Interpreter with torch (see findPython). */
  python: string;
  /** Called with every event, in order. */
  onEvent?: (event: TrainerEvent) => void;
  /** Aborting kills the trainer and rejects with an FdslError. */
  signal?: AbortSignal;
}

export interface TrainerResult {
  /** The final event: cumulative error per downstream dataset and their mean. */
  done: DoneEvent;
  /** Every event the trainer wrote, in order. */
  events: TrainerEvent[];
}

/** Lines of trainer stderr kept for an error message. */
const STDERR_TAIL_LINES = 20;

/**
 * Runs `python -m fdsl_trainer run -` with `config` on stdin and collects
 * its JSON-line events. Rejects with a UsageError when the trainer exits
 * with code 2 (an invalid config or a missing input), and with an
 * FdslError for any other failure. The message is the trainer's own when
 * it wrote one, else the tail of its stderr.
 */
export function runTrainer(config: TrainerConfig, options: RunTrainerOptions): Promise<TrainerResult> {
  const child = spawn(options.python, ["-m", "fdsl_trainer", "run", "-"], {
    cwd: TRAINER_DIR,
    // Unbuffered output makes every event arrive as soon as it is written.
    env: { ...process.env, PYTHONUNBUFFERED: "1", PYTHONPATH: TRAINER_DIR },
    stdio: ["pipe", "pipe", "pipe"],
    signal: options.signal,
  });
  child.stdin.end(JSON.stringify(config));

  const events: TrainerEvent[] = [];
  const stderrTail: string[] = [];
  createInterface({ input: child.stdout }).on("line", (line) => {
    const event = parseTrainerLine(line);
    if (event === null) return;
    events.push(event);
    options.onEvent?.(event);
  });
  createInterface({ input: child.stderr }).on("line", (line) => {
    stderrTail.push(line);
    if (stderrTail.length > STDERR_TAIL_LINES) stderrTail.shift();
  });

  return new Promise((resolve, reject) => {
    child.on("error", (error) => {
      if (error.name === "AbortError") reject(new FdslError("evaluation aborted; the trainer was stopped"));
      else reject(new FdslError(`cannot start the trainer with ${options.python}: ${error.message}`));
    });
    child.on("close", (code, signal) => {
      const done = events.find((event) => event.event === "done");
      if (code === 0 && done) {
        resolve({ done: done as DoneEvent, events });
        return;
      }
      reject(trainerFailure(code, signal, events, stderrTail));
    });
  });
}

function trainerFailure(
  code: number | null,
  signal: NodeJS.Signals | null,
  events: TrainerEvent[],
  stderrTail: string[],
): FdslError {
  const reported = events.find((event) => event.event === "error");
  if (reported && "message" in reported) {
    const message = `trainer: ${reported.message}`;
    return code === 2 ? new UsageError(message) : new FdslError(message);
  }
  const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
  const tail = stderrTail.join("\n").trim();
  return new FdslError(`trainer ${how}${tail ? `; its last output:\n${tail}` : " and wrote nothing to stderr"}`);
}
