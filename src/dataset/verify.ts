/**
 * Checks a dataset against the SHA-256 checksums in its manifest:
 * every image present, whole and unchanged, and nothing else in the
 * output folder. Works on ImageFolder output and on WebDataset tar files.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { shardRange } from "../run/shard.js";
import { imageName, type Layout } from "./layout.js";
import type { Manifest } from "./manifest.js";
import { readTar } from "./tar-read.js";

export interface VerifyReport {
  /** Images whose checksum matched. */
  verified: number;
  /** Expected images (or tar files) not found, as paths relative to the dataset. */
  missing: string[];
  /** Files (or tar members) the manifest does not list. */
  extra: string[];
  /** Images whose bytes differ from their checksum. */
  corrupt: string[];
}

export function isClean(report: VerifyReport): boolean {
  return report.missing.length === 0 && report.extra.length === 0 && report.corrupt.length === 0;
}

/** Verifies the dataset in `dir` against `manifest`. */
export async function verifyDataset(
  dir: string,
  manifest: Manifest,
  onProgress?: (checked: number, total: number) => void,
): Promise<VerifyReport> {
  const expected = expectedImages(manifest);
  if (manifest.output.kind === "wds") return verifyTars(dir, manifest, expected, onProgress);
  return verifyFolders(dir, manifest.layout, expected, onProgress);
}

/** Maps each image name the manifest lists to its checksum. */
function expectedImages(manifest: Manifest): Map<string, string> {
  const expected = new Map<string, string>();
  for (const entry of manifest.categories) {
    const digests = manifest.checksums[entry.name] ?? [];
    digests.forEach((digest, instance) => {
      if (digest !== "") expected.set(imageName(manifest.layout, entry.index, instance), digest);
    });
  }
  return expected;
}

function sha256(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

async function verifyFolders(
  dir: string,
  layout: Layout,
  expected: Map<string, string>,
  onProgress?: (checked: number, total: number) => void,
): Promise<VerifyReport> {
  const report: VerifyReport = { verified: 0, missing: [], extra: [], corrupt: [] };
  const seen = new Set<string>();
  let checked = 0;
  for (const folder of readdirSync(dir).sort()) {
    const path = join(dir, folder);
    if (!statSync(path).isDirectory()) {
      report.extra.push(folder);
      continue;
    }
    for (const name of readdirSync(path).sort()) {
      const digest = expected.get(name);
      const relative = join(folder, name);
      if (digest === undefined || !name.startsWith(`${folder}_`)) {
        report.extra.push(relative);
        continue;
      }
      seen.add(name);
      if (sha256(readFileSync(join(path, name))) === digest) report.verified++;
      else report.corrupt.push(relative);
      onProgress?.(++checked, expected.size);
    }
  }
  for (const name of expected.keys()) {
    if (!seen.has(name)) report.missing.push(join(name.slice(0, layout.categoryDigits), name));
  }
  return report;
}

async function verifyTars(
  dir: string,
  manifest: Manifest,
  expected: Map<string, string>,
  onProgress?: (checked: number, total: number) => void,
): Promise<VerifyReport> {
  const report: VerifyReport = { verified: 0, missing: [], extra: [], corrupt: [] };
  if (manifest.output.kind !== "wds") return report;
  const { prefix, tars } = manifest.output;
  const [first, last] = shardRange(tars, manifest.shard);
  const tarNames = new Set<string>();
  for (let t = first; t < last; t++) tarNames.add(`${prefix}-${String(t).padStart(6, "0")}.tar`);

  for (const name of readdirSync(dir).sort()) if (!tarNames.has(name)) report.extra.push(name);
  const seen = new Set<string>();
  let checked = 0;
  for (const tarName of tarNames) {
    const path = join(dir, tarName);
    if (!existsSync(path)) {
      report.missing.push(tarName);
      continue;
    }
    for (const { name, data } of await readTar(path)) {
      const member = `${tarName}/${name}`;
      if (name.endsWith(".cls") || name.endsWith(".json")) {
        checkSidecar(name, data, expected, report, member);
        continue;
      }
      const digest = expected.get(name);
      if (digest === undefined) {
        report.extra.push(member);
        continue;
      }
      seen.add(name);
      if (sha256(data) === digest) report.verified++;
      else report.corrupt.push(member);
      onProgress?.(++checked, expected.size);
    }
  }
  // Images of a missing tar are reported once, as the tar.
  if (report.missing.length === 0) {
    for (const name of expected.keys()) if (!seen.has(name)) report.missing.push(name);
  }
  return report;
}

/** A `.cls` member must name the category of its key; both must belong to a listed image. */
function checkSidecar(
  name: string,
  data: Buffer,
  expected: Map<string, string>,
  report: VerifyReport,
  member: string,
): void {
  const key = name.replace(/\.(cls|json)$/, "");
  const image = [...[".png", ".jpg"]].map((ext) => key + ext).find((n) => expected.has(n));
  if (image === undefined) {
    report.extra.push(member);
    return;
  }
  if (name.endsWith(".cls") && Number(data.toString()) !== Number(key.split("_")[0])) {
    report.corrupt.push(member);
  }
}
