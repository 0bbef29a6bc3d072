#!/usr/bin/env node
import { Command, CommanderError } from "commander";
import { FdslError } from "../errors.js";
import { VERSION } from "../version.js";
import { registerCompare } from "./compare.js";
import { registerEvaluate } from "./evaluate.js";
import { registerGenerate } from "./generate.js";
import { registerImport } from "./import.js";
import { registerMerge } from "./merge.js";
import { registerPreview } from "./preview.js";
import { registerValidate } from "./validate.js";
import { registerVerify } from "./verify.js";

/** Exit code of a usage error: a bad flag, recipe, params file or path. */
const EXIT_USAGE = 2;

const program = new Command()
  .name("fdsl")
  .description("formula-driven image datasets for pre-training vision models")
  .version(VERSION)
  .exitOverride()
  .configureOutput({ outputError: (text, write) => write(text) });

registerGenerate(program);
registerValidate(program);
registerVerify(program);
registerMerge(program);
registerPreview(program);
registerImport(program);
registerEvaluate(program);
registerCompare(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = exitCodeOf(error);
}

function exitCodeOf(error: unknown): number {
  if (error instanceof CommanderError) {
    // Help and version "errors" are normal exits.
    return error.exitCode === 0 ? 0 : EXIT_USAGE;
  }
  if (error instanceof FdslError) {
    console.error(`fdsl: ${error.message}`);
    return error.exitCode;
  }
  // A failed system call (a path that cannot be read or written, a full
  // disk) is a failure to report in one line, not a crash.
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === "string" && /^E[A-Z]+$/.test(code)) {
    const hint = code === "ENOSPC" ? "; free some space and rerun the same command" : "";
    console.error(`fdsl: ${(error as Error).message}${hint}`);
    return 1;
  }
  console.error(error);
  return 1;
}
