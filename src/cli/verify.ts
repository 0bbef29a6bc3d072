import type { Command } from "commander";
import { defaultManifestPath, readManifest } from "../dataset/manifest.js";
import { isClean, verifyDataset, type VerifyReport } from "../dataset/verify.js";
import { FdslError, ValidationError } from "../errors.js";
import { createProgressLine } from "./progress.js";

interface VerifyFlags {
  manifest?: string;
  quiet?: boolean;
}

/** Problems listed per kind before the rest are only counted. */
const SHOWN = 10;

export function registerVerify(program: Command): void {
  program
    .command("verify")
    .description("check every image against the checksums in the manifest; exit 1 on any missing, extra or corrupt file")
    .argument("<dir>", "dataset folder (category folders or tar files)")
    .option("--manifest <file>", "manifest path (default: <dir>.manifest.json)")
    .option("-q, --quiet", "print no progress")
    .action(runVerify);
}

async function runVerify(dir: string, flags: VerifyFlags): Promise<void> {
  const path = flags.manifest ?? defaultManifestPath(dir);
  const manifest = readManifest(path);
  if (!manifest.complete) {
    throw new FdslError(`manifest ${path} is not complete: its run did not finish; rerun the same generate command`);
  }
  const line = flags.quiet ? undefined : createProgressLine("verifying", "images");
  const report = await verifyDataset(dir, manifest, line ? (done, total) => line.update(done, total) : undefined);
  line?.finish();
  if (!isClean(report)) {
    for (const text of describe(report)) console.error(text);
    throw new ValidationError(
      `verification failed: ${report.missing.length} missing, ${report.extra.length} extra, ` +
        `${report.corrupt.length} corrupt`,
    );
  }
  console.log(`verified: ${report.verified} images match ${path}`);
}

function describe(report: VerifyReport): string[] {
  const lines: string[] = [];
  for (const kind of ["missing", "extra", "corrupt"] as const) {
    const items = report[kind];
    for (const item of items.slice(0, SHOWN)) lines.push(`${kind}: ${item}`);
    if (items.length > SHOWN) lines.push(`${kind}: ... and ${items.length - SHOWN} more`);
  }
  return lines;
}
