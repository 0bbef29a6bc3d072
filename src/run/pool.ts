import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { FdslError, UsageError } from "../errors.js";
import type { CategoriesMessage, Reply, Task, WorkerInit } from "./tasks.js";

/** Tasks queued at each worker, so it seldom waits for the main thread between tasks. */
const IN_FLIGHT_PER_WORKER = 2;

/**
 * The compiled worker script. Under a TypeScript test runner this module
 * is loaded from src/, where no .js worker exists, so the build in dist/
 * serves instead (the test script builds first).
 */
function workerScript(): URL {
  const beside = new URL("./worker.js", import.meta.url);
  if (existsSync(fileURLToPath(beside))) return beside;
  return new URL("../../dist/run/worker.js", import.meta.url);
}

/** A fixed set of worker threads that run tasks and return replies. */
export class WorkerPool {
  private readonly workers: Worker[];

  constructor(count: number, init: WorkerInit) {
    this.workers = Array.from({ length: count }, () =>
      new Worker(workerScript(), { workerData: init }),
    );
  }

  /**
   * Runs every task, calling `onReply` for each successful reply in the
   * order they arrive. Rejects on the first task error or worker crash;
   * the pool is then closed.
   */
  run(tasks: Task[], onReply: (reply: Reply) => void): Promise<void> {
    let next = 0;
    let pending = tasks.length;
    return new Promise<void>((resolve, reject) => {
      if (pending === 0) return resolve();
      // The first failure wins: closing the pool makes the other
      // workers exit with code 1, which is no news.
      let failed = false;
      const fail = (error: Error): void => {
        if (failed) return;
        failed = true;
        this.close().finally(() => reject(error));
      };
      const feed = (worker: Worker): void => {
        if (next < tasks.length) worker.postMessage(tasks[next++]);
      };
      for (const worker of this.workers) {
        worker.removeAllListeners();
        worker.on("message", (reply: Reply) => {
          if (reply.type === "error") return fail(replyError(reply));
          onReply(reply);
          pending--;
          if (pending === 0) resolve();
          else feed(worker);
        });
        worker.on("error", (error) => fail(new FdslError(`worker failed: ${error.message}`)));
        worker.on("exit", (code) => {
          if (pending > 0 && code !== 0) fail(new FdslError(`worker exited with code ${code}`));
        });
        for (let i = 0; i < IN_FLIGHT_PER_WORKER; i++) feed(worker);
      }
    });
  }

  /** Sends a message to every worker, ahead of any task sent later. */
  broadcast(message: CategoriesMessage): void {
    for (const worker of this.workers) worker.postMessage(message);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}

function replyError(reply: Extract<Reply, { type: "error" }>): FdslError {
  const error = reply.exitCode === 2 ? new UsageError(reply.message) : new FdslError(reply.message);
  return error;
}
