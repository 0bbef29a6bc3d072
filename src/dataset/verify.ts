/**
 * Checks a dataset against the SHA-256 checksums in its manifest:
 * every image present, whole and unchanged, and nothing else in the
 * output folder. Works on ImageFolder output and on WebDataset tar files.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { shardRange } from "../run/shard.js";
import { digestAt } from "./checksums.js";
import { imageName } from "./layout.js";
import type { Manifest } from "./manifest.js";
import { forEachTarMember } from "./tar-read.js";

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
  return verifyFolders(dir, manifest, expected, onProgress);
}

/** Maps each image name the manifest lists to its checksum. */
function expectedImages(manifest: Manifest): Map<string, string> {
  const expected = new Map<string, string>();
  for (const entry of manifest.categories) {
    const digests = manifest.checksums[entry.name];
    for (let instance = 0; instance < manifest.recipe.instances; instance++) {
      const digest = digestAt(digests, instance);
      if (digest !== undefined) expected.set(imageName(manifest.layout, entry.index, instance), digest);
    }
  }
  return expected;
}

function sha256(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

async function verifyFolders(
  dir: string,
  manifest: Manifest,
  expected: Map<string, string>,
  onProgress?: (checked: number, total: number) => void,
): Promise<VerifyReport> {
  const { layout, recipe } = manifest;
  const report: VerifyReport = { verified: 0, missing: [], extra: [], corrupt: [] };
  // Shards of one run share the folder: a shard's manifest leaves the
  // other shards' images (valid names of this recipe) alone.
  const sharded = manifest.shard.count > 1;
  const imagePattern = new RegExp(`^(\\d{${layout.categoryDigits}})_(\\d{${layout.instanceDigits}})\\.${layout.extension}$`);
  const belongsToOtherShard = (name: string): boolean => {
    const match = imagePattern.exec(name);
    return sharded && match !== null && Number(match[1]) < recipe.classes && Number(match[2]) < recipe.instances;
  };
  const isCategory = (name: string) =>
    name.length === layout.categoryDigits && /^\d+$/.test(name) && Number(name) < recipe.classes;
  const folders = new Set([...expected.keys()].map((name) => name.slice(0, layout.categoryDigits)));
  const seen = new Set<string>();
  let checked = 0;
  for (const folder of readdirSync(dir).sort()) {
    const path = join(dir, folder);
    if (!statSync(path).isDirectory() || !(folders.has(folder) || (sharded && isCategory(folder)))) {
      report.extra.push(folder);
      continue;
    }
    for (const name of readdirSync(path).sort()) {
      const digest = expected.get(name);
      const relative = join(folder, name);
      if (digest === undefined || !name.startsWith(`${folder}_`)) {
        if (!belongsToOtherShard(name)) report.extra.push(relative);
        continue;
      }
      seen.add(name);
      const file = join(path, name);
      if (statSync(file).isFile() && sha256(readFileSync(file)) === digest) report.verified++;
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
  const tarName = (t: number) => `${prefix}-${String(t).padStart(6, "0")}.tar`;
  const [first, last] = shardRange(tars, manifest.shard);
  const allTars = new Set(Array.from({ length: tars }, (_, t) => tarName(t)));
  const owned = Array.from({ length: last - first }, (_, k) => tarName(first + k));

  // Tars of other shards of this run may share the folder.
  for (const name of readdirSync(dir).sort()) if (!allTars.has(name)) report.extra.push(name);
  const sidecars = expectedSidecars(manifest);
  const seen = new Set<string>();
  let checked = 0;
  let unreadable = false;
  for (const name of owned) {
    const path = join(dir, name);
    if (!existsSync(path)) {
      report.missing.push(name);
      continue;
    }
    try {
      await forEachTarMember(path, (member) => {
        checkMember(`${name}/${member.name}`, member.name, member.data, { expected, sidecars, seen, report });
        if (expected.has(member.name)) onProgress?.(++checked, expected.size);
      });
    } catch (error) {
      report.corrupt.push(`${name} (unreadable: ${(error as Error).message})`);
      unreadable = true;
    }
  }
  // Samples of a missing or unreadable tar are reported once, as the tar.
  if (report.missing.length === 0 && !unreadable) {
    for (const name of [...expected.keys(), ...sidecars.keys()]) if (!seen.has(name)) report.missing.push(name);
  }
  return report;
}

/** The `.cls` and `.json` members each image's sample must have, by member name. */
function expectedSidecars(manifest: Manifest): Map<string, string> {
  const sidecars = new Map<string, string>();
  for (const entry of manifest.categories) {
    const json = JSON.stringify({ category: entry.index, family: entry.family, params: entry.params });
    const digests = manifest.checksums[entry.name];
    for (let instance = 0; instance < manifest.recipe.instances; instance++) {
      if (digestAt(digests, instance) === undefined) continue;
      const key = imageName(manifest.layout, entry.index, instance).replace(/\.[^.]+$/, "");
      sidecars.set(`${key}.cls`, String(entry.index));
      sidecars.set(`${key}.json`, json);
    }
  }
  return sidecars;
}

interface MemberContext {
  expected: Map<string, string>;
  sidecars: Map<string, string>;
  seen: Set<string>;
  report: VerifyReport;
}

/** Checks one tar member: a listed image or sidecar, seen once, with the right bytes. */
function checkMember(where: string, name: string, data: Buffer, context: MemberContext): void {
  const { expected, sidecars, seen, report } = context;
  const digest = expected.get(name);
  const sidecar = sidecars.get(name);
  if ((digest === undefined && sidecar === undefined) || seen.has(name)) {
    report.extra.push(where);
    return;
  }
  seen.add(name);
  if (digest !== undefined) {
    if (sha256(data) === digest) report.verified++;
    else report.corrupt.push(where);
  } else if (data.toString() !== sidecar) {
    report.corrupt.push(where);
  }
}
