import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Gives the test run one temporary folder and deletes it afterwards. */
export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), "fdsl-tests-"));
  process.env.FDSL_TEST_TMP = root;
  return () => rmSync(root, { recursive: true, force: true });
}
