import { describe, expect, it } from "vitest";
import { FdslError, UsageError } from "../src/errors.js";
import { findPython } from "../src/evaluate/python.js";

describe("findPython", () => {
  it("finds an interpreter with torch by default", () => {
    const python = findPython({ env: {} });
    expect(python.torch).toMatch(/^\d+\.\d+/);
    expect(typeof python.cuda).toBe("boolean");
  });

  it("uses FDSL_PYTHON when set", () => {
    const python = findPython({ env: { FDSL_PYTHON: "/usr/bin/python3" } });
    expect(python.command).toBe("/usr/bin/python3");
  });

  it("rejects a missing --python with the install command", () => {
    expect(() => findPython({ python: "/nonexistent/python3", env: {} })).toThrow(UsageError);
    expect(() => findPython({ python: "/nonexistent/python3", env: {} })).toThrow(/not found.*apt-get install python3-torch/);
  });

  it("rejects an interpreter that fails the probe", () => {
    // `node` is an executable that cannot run the Python probe at all.
    expect(() => findPython({ python: process.execPath, env: {} })).toThrow(/--python .* cannot run the trainer/);
  });

  it("rejects a bad FDSL_PYTHON naming the variable", () => {
    expect(() => findPython({ env: { FDSL_PYTHON: "/nonexistent/python" } })).toThrow(/FDSL_PYTHON/);
  });

  it("rejects a bad --python with exit code 2", () => {
    let caught: unknown;
    try {
      findPython({ python: "/nonexistent/python3", env: {} });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(FdslError);
    expect((caught as FdslError).exitCode).toBe(2);
  });
});
