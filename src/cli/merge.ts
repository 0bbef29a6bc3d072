import type { Command } from "commander";
import { readManifest, writeManifest } from "../dataset/manifest.js";
import { mergeManifests } from "../dataset/merge.js";

export function registerMerge(program: Command): void {
  program
    .command("merge-manifests")
    .description("merge the shard manifests of one run into the manifest of the whole dataset")
    .requiredOption("-o, --out <file>", "merged manifest path, e.g. data/fractaldb.manifest.json")
    .argument("<manifests...>", "the shard manifests, one per shard")
    .action((paths: string[], flags: { out: string }) => {
      const merged = mergeManifests(paths.map((path) => ({ path, manifest: readManifest(path) })));
      writeManifest(flags.out, merged);
      const images = Object.values(merged.checksums).reduce((n, d) => n + d.length, 0);
      console.log(`merged ${paths.length} shard manifests (${images} images) into ${flags.out}`);
    });
}
