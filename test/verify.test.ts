import { execFileSync, spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PNG } from "pngjs";
import { afterAll, describe, expect, it } from "vitest";
import { readTar, type TarMember } from "../src/dataset/tar-read.js";
import { TarWriter } from "../src/dataset/tar.js";
import { CLI, hashTree, runCli, tempDir } from "./helpers.js";

const RECIPE = { classes: 3, instances: 8, size: 16, points: 1000, seed: 4, options: { searchSize: 64, searchPoints: 5000 } };

function make(extra: string[] = []): string {
  const root = tempDir("verify");
  writeFileSync(join(root, "recipe.json"), JSON.stringify(RECIPE));
  const out = join(root, "data");
  expect(runCli(["generate", "--recipe", join(root, "recipe.json"), "--out", out, "-q", ...extra]).status).toBe(0);
  return out;
}

function verify(out: string) {
  return runCli(["verify", out, "-q"]);
}

describe("fdsl verify on ImageFolder output", () => {
  it("passes an untouched dataset", () => {
    const result = verify(make());
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/verified: 24 images match/);
  });

  it("reports a deleted image", () => {
    const out = make();
    rmSync(join(out, "00001", "00001_0002.png"));
    const result = verify(out);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/missing: 00001\/00001_0002\.png/);
    expect(result.stderr).toMatch(/1 missing, 0 extra, 0 corrupt/);
  });

  it("reports an added file and folder", () => {
    const out = make();
    writeFileSync(join(out, "00000", "00000_0099.png"), "x");
    mkdirSync(join(out, "stray"));
    const result = verify(out);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/extra: 00000\/00000_0099\.png/);
    expect(result.stderr).toMatch(/extra: stray/);
  });

  it("reports a corrupted image", () => {
    const out = make();
    appendFileSync(join(out, "00002", "00002_0007.png"), "garbage");
    const result = verify(out);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/corrupt: 00002\/00002_0007\.png/);
  });

  it("rejects a manifest of an unfinished run", () => {
    const out = make();
    const path = `${out}.manifest.json`;
    writeFileSync(path, readFileSync(path, "utf8").replace('"complete": true', '"complete": false'));
    const result = verify(out);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/is not complete/);
  });
});

describe("fdsl verify on WebDataset output", () => {
  const wds = ["--format", "wds", "--images-per-tar", "8"];

  it("passes untouched tars", () => {
    expect(verify(make(wds)).status).toBe(0);
  });

  it("reports a deleted tar", () => {
    const out = make(wds);
    rmSync(join(out, "data-000001.tar"));
    const result = verify(out);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/missing: data-000001\.tar/);
  });

  it("reports an added file", () => {
    const out = make(wds);
    writeFileSync(join(out, "notes.txt"), "x");
    expect(verify(out).stderr).toMatch(/extra: notes\.txt/);
  });

  /** Rewrites a tar with `change` applied to its member list. */
  async function rewriteTar(path: string, change: (members: TarMember[]) => TarMember[]): Promise<void> {
    const members = change(await readTar(path));
    rmSync(path);
    const tar = new TarWriter(path);
    for (const { name, data } of members) tar.add(name, data);
    tar.finish();
  }

  it("reports a removed .cls member", async () => {
    const out = make(wds);
    await rewriteTar(join(out, "data-000000.tar"), (m) => m.filter((x) => !x.name.endsWith(".cls")));
    const result = verify(out);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/missing: \d+_\d+\.cls/);
  });

  it("reports a changed .json member", async () => {
    const out = make(wds);
    await rewriteTar(join(out, "data-000001.tar"), (m) =>
      m.map((x) => (x.name.endsWith(".json") ? { ...x, data: Buffer.from("{}") } : x)),
    );
    expect(verify(out).stderr).toMatch(/corrupt: data-000001\.tar\/\d+_\d+\.json/);
  });

  it("reports an image stored twice", async () => {
    const out = make(wds);
    await rewriteTar(join(out, "data-000000.tar"), (m) => [...m, m[0]]);
    expect(verify(out).stderr).toMatch(/extra: data-000000\.tar\/\d+_\d+\.png/);
  });

  it("reports a truncated tar without crashing", () => {
    const out = make(wds);
    const path = join(out, "data-000000.tar");
    writeFileSync(path, readFileSync(path).subarray(0, 700));
    const result = verify(out);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/corrupt: data-000000\.tar \(unreadable: /);
  });

  it("reports a corrupted sample inside a tar", () => {
    const out = make(wds);
    const path = join(out, "data-000000.tar");
    const bytes = readFileSync(path);
    // The first member's data starts after its 512-byte header; a byte
    // inside the PNG's IDAT changes the image but not the tar structure.
    bytes[512 + 60] ^= 0xff;
    writeFileSync(path, bytes);
    const result = verify(out);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/corrupt: data-000000\.tar\/\d+_\d+\.png/);
  });
});

describe("fdsl verify with a shard manifest", () => {
  it.each([[[] as string[]], [["--format", "wds", "--images-per-tar", "8"]]])("ignores other shards in a shared folder (%j)", (extra) => {
    const root = tempDir("shared");
    writeFileSync(join(root, "recipe.json"), JSON.stringify(RECIPE));
    const out = join(root, "data");
    for (const index of ["0", "1", "2"]) {
      const args = ["generate", "--recipe", join(root, "recipe.json"), "--out", out, "-q", "--shard-index", index, "--shard-count", "3", ...extra];
      expect(runCli(args).status).toBe(0);
    }
    const result = runCli(["verify", out, "--manifest", `${out}.shard-0001-of-0003.manifest.json`, "-q"]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
  });
});

// A full disk needs a small file system of its own: a tmpfs, which only
// root can mount. CI runs as root.
const isRoot = process.getuid?.() === 0;

describe.skipIf(!isRoot)("a full disk", () => {
  const mount = tempDir("tmpfs");
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=256k", "tmpfs", mount]);
  afterAll(() => {
    execFileSync("umount", [mount]);
  });
  const recipe = join(tempDir("recipe"), "recipe.json");
  writeFileSync(recipe, JSON.stringify({ ...RECIPE, classes: 4, instances: 100, size: 64, points: 4000 }));

  it("is refused before writing when the estimate does not fit", () => {
    const out = join(mount, "refused");
    const result = runCli(["generate", "--recipe", recipe, "--out", out, "-q"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/not enough disk space: the output needs about .* MB but .* has .* free/);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.manifest.json`)).toBe(false);
  });

  it("stops cleanly mid-run and resumes once space is freed", () => {
    const out = join(mount, "full");
    const result = spawnSync(process.execPath, [CLI, "generate", "--recipe", recipe, "--out", out, "-q", "--no-space-check", "-w", "1"], { encoding: "utf8" });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/ENOSPC.*free some space and rerun the same command/);
    // Whatever was written under a final name decodes; no temporary file is left.
    for (const [name] of hashTree(out)) {
      expect(name.endsWith(".png")).toBe(true);
      expect(() => PNG.sync.read(readFileSync(join(out, name)))).not.toThrow();
    }
    execFileSync("mount", ["-o", "remount,size=16m", mount]);
    const resumed = runCli(["generate", "--recipe", recipe, "--out", out, "-q"]);
    expect(resumed.status).toBe(0);
    expect(runCli(["verify", out, "-q"]).status).toBe(0);
    expect(hashTree(out).size).toBe(400);
  });
});
