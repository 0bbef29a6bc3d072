import { spawnSync } from "node:child_process";
import { FdslError, UsageError } from "../errors.js";

/** The install command for the trainer's dependencies on Debian. */
export const TORCH_INSTALL_HINT =
  "apt-get install python3-torch python3-torchvision (Debian), or pip install torch torchvision";

/** A Python interpreter that can import torch and torchvision. */
export interface PythonInfo {
  /** The command or path used to start it. */
  command: string;
  /** torch.__version__ as reported by the interpreter. */
  torch: string;
  /** Whether torch.cuda.is_available() returned true. */
  cuda: boolean;
}

export interface FindPythonOptions {
  /** Interpreter given by the user (--python); tried alone, and failing it is an error. */
  python?: string;
  /** Environment to read FDSL_PYTHON from; default process.env. */
  env?: NodeJS.ProcessEnv;
}

/** Candidates without a user choice: Debian's interpreter first, because its python3-torch installs there. */
const DEFAULT_CANDIDATES = ["/usr/bin/python3", "python3", "python"];

const PROBE = "import json, torch, torchvision; print(json.dumps({'torch': torch.__version__, 'cuda': torch.cuda.is_available()}))";

/**
 * Finds the interpreter to run the trainer with: `options.python`, else
 * $FDSL_PYTHON, else the first of /usr/bin/python3, python3 and python
 * that imports torch and torchvision. Throws a UsageError when a chosen
 * interpreter lacks them and an FdslError when no candidate has them.
 * Both messages name the interpreters tried and the install command.
 */
export function findPython(options: FindPythonOptions = {}): PythonInfo {
  const env = options.env ?? process.env;
  const chosen = options.python ?? (env.FDSL_PYTHON || undefined);
  if (chosen !== undefined) {
    const result = probePython(chosen);
    if ("error" in result) {
      const origin = options.python !== undefined ? "--python" : "FDSL_PYTHON";
      throw new UsageError(
        `${origin} ${chosen} cannot run the trainer: ${result.error}; ${TORCH_INSTALL_HINT}, ` +
          `or point ${origin} at an interpreter that has torch`,
      );
    }
    return result;
  }
  const failures: string[] = [];
  for (const candidate of DEFAULT_CANDIDATES) {
    const result = probePython(candidate);
    if (!("error" in result)) return result;
    failures.push(`${candidate}: ${result.error}`);
  }
  throw new FdslError(
    `no Python interpreter with torch and torchvision found (tried ${failures.join("; ")}); ` +
      `${TORCH_INSTALL_HINT}, then rerun, or pass --python PATH`,
  );
}

/** Runs the import probe under one interpreter. */
function probePython(command: string): PythonInfo | { error: string } {
  // Importing torch takes 1-3 s on a cold cache; 60 s covers a loaded machine.
  const result = spawnSync(command, ["-c", PROBE], { encoding: "utf8", timeout: 60_000 });
  if (result.error) {
    const code = (result.error as NodeJS.ErrnoException).code;
    return { error: code === "ENOENT" ? "not found" : result.error.message };
  }
  if (result.status !== 0) {
    const lines = result.stderr.trim().split("\n");
    return { error: lines[lines.length - 1] || `exit code ${result.status}` };
  }
  try {
    const info = JSON.parse(result.stdout.trim().split("\n").pop() ?? "") as { torch: string; cuda: boolean };
    return { command, torch: info.torch, cuda: info.cuda };
  } catch {
    return { error: `unexpected output ${JSON.stringify(result.stdout.slice(0, 80))}` };
  }
}
