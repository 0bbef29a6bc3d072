import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PNG } from "pngjs";
import sharp from "sharp";
import { validateDataset } from "../src/dataset/validate.js";
import { describe, expect, it } from "vitest";
import { CLI, hashTree, runCli, tempDir } from "./helpers.js";

/** A recipe small enough for tests: 3 categories x 10 images at 32 px. */
const TINY = {
  classes: 3,
  instances: 10,
  size: 32,
  points: 2000,
  seed: 1,
  options: { searchSize: 128, searchPoints: 10_000 },
};

function recipeFile(recipe: object = TINY): string {
  const path = join(tempDir("recipe"), "recipe.json");
  writeFileSync(path, JSON.stringify(recipe));
  return path;
}

function generate(out: string, ...extra: string[]) {
  return runCli(["generate", "--recipe", recipeFile(), "--out", out, "--quiet", ...extra]);
}

describe("fdsl generate", () => {
  it("writes the ImageFolder layout and a manifest beside it", () => {
    const out = join(tempDir("gen"), "data");
    const result = generate(out, "--workers", "2");
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(readdirSync(out)).toEqual(["00000", "00001", "00002"]);
    expect(readdirSync(join(out, "00001"))).toEqual(
      Array.from({ length: 10 }, (_, i) => `00001_000${i}.png`),
    );
    const png = PNG.sync.read(readFileSync(join(out, "00002", "00002_0009.png")));
    expect([png.width, png.height]).toEqual([32, 32]);

    const manifest = JSON.parse(readFileSync(`${out}.manifest.json`, "utf8"));
    expect(manifest.recipe).toMatchObject({ classes: 3, instances: 10, size: 32, seed: 1 });
    expect(manifest.categories).toHaveLength(3);
    expect(manifest.categories[2]).toMatchObject({ index: 2, name: "00002", family: "fractal" });
    expect(manifest.categories[2].params.maps.length).toBeGreaterThanOrEqual(2);
    expect(manifest.groupSize).toEqual({ fractal: 4 });
  });

  it("writes greyscale and RGB JPEG", async () => {
    for (const [color, channels] of [["gray", 1], ["rgb", 3]] as const) {
      const out = join(tempDir(`jpg-${color}`), "data");
      expect(generate(out, "--format", "jpg", "--color", color).status).toBe(0);
      const file = join(out, "00000", "00000_0000.jpg");
      const meta = await sharp(readFileSync(file)).metadata();
      expect(meta.format).toBe("jpeg");
      expect(meta.channels).toBe(channels);
      const report = await validateDataset(out, { classes: 3, instances: 10 });
      expect(report.problem).toBeNull();
    }
  });

  it("writes the same bytes with 1 and 2 workers", () => {
    const one = join(tempDir("w1"), "data");
    const two = join(tempDir("w2"), "data");
    expect(generate(one, "--workers", "1").status).toBe(0);
    expect(generate(two, "--workers", "2").status).toBe(0);
    expect(hashTree(two)).toEqual(hashTree(one));
    expect(readFileSync(`${two}.manifest.json`, "utf8")).toBe(readFileSync(`${one}.manifest.json`, "utf8"));
  });

  it("writes other bytes for another seed", () => {
    const a = join(tempDir("s1"), "data");
    const b = join(tempDir("s2"), "data");
    expect(generate(a).status).toBe(0);
    expect(generate(b, "--seed", "2").status).toBe(0);
    const hashesA = [...hashTree(a).values()];
    const hashesB = new Set(hashTree(b).values());
    expect(hashesA.filter((h) => hashesB.has(h))).toEqual([]);
  });

  it("makes only the missing images on a rerun", () => {
    const out = join(tempDir("rerun"), "data");
    expect(generate(out).status).toBe(0);
    const before = hashTree(out);
    rmSync(join(out, "00001", "00001_0005.png"));
    const result = generate(out);
    expect(result.status).toBe(0);
    // Group 1 (instances 4..7) is rendered again: 4 images.
    expect(result.stdout).toMatch(/wrote 4 of 30 images/);
    expect(hashTree(out)).toEqual(before);
  });

  it("says a rerun resumes", () => {
    const out = join(tempDir("resume-line"), "data");
    expect(generate(out).status).toBe(0);
    rmSync(join(out, "00001", "00001_0005.png"));
    const result = runCli(["generate", "--recipe", recipeFile(), "--out", out]);
    expect(result.status).toBe(0);
    // 30 images less the 4 of the render group that lost one.
    expect(result.stderr).toContain("resuming: 26 images written by an earlier run are kept");
  });

  it("resumes a killed run to the same bytes", async () => {
    const recipe = { ...TINY, classes: 4, instances: 400 };
    const full = join(tempDir("full"), "data");
    expect(runCli(["generate", "--recipe", recipeFile(recipe), "--out", full, "-q"]).status).toBe(0);

    const out = join(tempDir("killed"), "data");
    const path = recipeFile(recipe);
    const child = spawn(process.execPath, [CLI, "generate", "--recipe", path, "--out", out, "-q", "-w", "2"]);
    // Kill once some images, but not all, are on disk.
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        const count = existsSync(out)
          ? readdirSync(out).reduce((n, c) => n + readdirSync(join(out, c)).length, 0)
          : 0;
        if (count > 100) {
          clearInterval(timer);
          child.kill("SIGKILL");
          resolve();
        }
      }, 5);
      child.on("exit", () => {
        clearInterval(timer);
        reject(new Error("the run finished before it could be killed"));
      });
    });
    await new Promise((resolve) => child.on("exit", resolve));

    const partial = hashTree(out);
    expect(partial.size).toBeLessThan(1600);
    // Every image the killed run left under its final name is whole.
    for (const name of partial.keys()) {
      if (name.endsWith(".png")) expect(() => PNG.sync.read(readFileSync(join(out, name)))).not.toThrow();
    }
    const result = runCli(["generate", "--recipe", path, "--out", out, "-q"]);
    expect(result.status).toBe(0);
    expect(hashTree(out)).toEqual(hashTree(full));
  });

  it("deletes temporary files left by a killed run", () => {
    const out = join(tempDir("temp"), "data");
    expect(generate(out).status).toBe(0);
    const stray = join(out, "00000", ".fdsl-00000_0003.png.tmp");
    writeFileSync(stray, "half an image");
    expect(generate(out).status).toBe(0);
    expect(existsSync(stray)).toBe(false);
  });

  it("puts the manifest of --out . beside the folder", () => {
    const root = tempDir("dot");
    mkdirSync(join(root, "data"));
    const result = runCli(["generate", "--recipe", recipeFile(), "--out", ".", "-q"], join(root, "data"));
    expect(result.status).toBe(0);
    expect(readdirSync(root).sort()).toEqual(["data", "data.manifest.json"]);
    expect(runCli(["validate", join(root, "data"), "-q"]).status).toBe(0);
  });

  it("writes tar files of about 1 GB without --images-per-tar", () => {
    const out = join(tempDir("wds-default"), "data");
    const result = generate(out, "--format", "wds");
    expect(result.status).toBe(0);
    // 30 images of a few hundred bytes fit in one tar.
    expect(readdirSync(out)).toEqual(["data-000000.tar"]);
  });

  it("takes a contest params folder", () => {
    const root = tempDir("params");
    mkdirSync(join(root, "params"));
    writeFileSync(
      join(root, "params", "params.json"),
      JSON.stringify({ numof_classes: 2, numof_instances: 6, image_size: 24, numof_thread: 2, extra: 1 }),
    );
    const out = join(root, "out");
    const result = runCli([
      "generate", "--params", join(root, "params"), "--recipe", recipeFile(), "--out", out, "-q",
    ]);
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(/warning: .*unknown key "extra" ignored/);
    expect(readdirSync(out)).toEqual(["00000", "00001"]);
    expect(readdirSync(join(out, "00000"))).toHaveLength(6);
    const png = PNG.sync.read(readFileSync(join(out, "00001", "00001_0005.png")));
    expect(png.width).toBe(24);
  });
});

describe("fdsl generate rejects", () => {
  const cases: [string, string[], RegExp][] = [
    ["a non-integer flag", ["--classes", "many"], /--classes expects an integer; received "many"/],
    ["an out-of-range flag", ["--size", "2"], /size: .*>=8.*received 2/],
    ["an unknown flag", ["--colour", "rgb"], /unknown option '--colour'/],
    ["an unknown family", ["--family", "julia"], /unknown family "julia"/],
    ["zero workers", ["--workers", "0"], /invalid --workers 0/],
    ["a missing recipe file", ["--recipe", "/nonexistent/recipe.json"], /cannot read recipe .*file not found/],
    ["zero images per tar", ["--format", "wds", "--images-per-tar", "0"], /invalid images per tar 0/],
    ["a tar prefix with a path", ["--format", "wds", "--tar-prefix", "../evil"], /invalid --tar-prefix "\.\.\/evil"/],
    ["a hidden tar prefix", ["--format", "wds", "--tar-prefix", ".x"], /invalid --tar-prefix "\.x"/],
    ["tar flags without tar output", ["--images-per-tar", "8"], /--images-per-tar and --tar-prefix apply only to --format wds/],
    ["an unknown format", ["--format", "gif"], /invalid --format "gif"; expected png, jpg or wds/],
    ["a seed beyond 2^53", ["--seed", "99999999999999999999"], /--seed expects an integer up to 9007199254740991/],
    ["a manifest in a missing folder", ["--manifest", "/nonexistent/dir/m.json"], /manifest folder \/nonexistent\/dir does not exist/],
    ["too many images for one manifest", ["--classes", "5000", "--instances", "1000"], /split it with --shard-count 2 or more/],
  ];

  it.each(cases)("%s with exit code 2 and writes nothing", (_, args, message) => {
    const root = tempDir("bad");
    const out = join(root, "data");
    const result = runCli(["generate", "--out", out, "-q", ...args]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(readdirSync(root)).toEqual([]);
  });

  it("an output path that is a file", () => {
    const root = tempDir("file");
    const out = join(root, "data");
    writeFileSync(out, "not a folder");
    const result = generate(out);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/exists and is not a folder/);
    expect(readdirSync(root)).toEqual(["data"]);
  });

  it("a manifest inside the output folder", () => {
    const root = tempDir("inside");
    const out = join(root, "data");
    const result = generate(out, "--manifest", join(out, "m.json"));
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/would be inside the output folder/);
    expect(readdirSync(root)).toEqual([]);
  });

  it("an output path under a file", () => {
    const root = tempDir("under");
    writeFileSync(join(root, "afile"), "x");
    const result = generate(join(root, "afile", "sub"));
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/lies under a file, not a folder/);
  });

  it("a shard of another recipe into a started folder", () => {
    const out = join(tempDir("shard-other"), "data");
    expect(generate(out).status).toBe(0);
    const before = hashTree(out);
    const result = generate(out, "--seed", "5", "--shard-index", "0", "--shard-count", "2");
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/describes another recipe or output format/);
    expect(hashTree(out)).toEqual(before);
  });

  it("an output folder with foreign entries", () => {
    const root = tempDir("foreign");
    const out = join(root, "data");
    mkdirSync(join(out, "photos"), { recursive: true });
    const result = generate(out);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/contains "photos", which this recipe would not write/);
    expect(readdirSync(out)).toEqual(["photos"]);
    expect(existsSync(`${out}.manifest.json`)).toBe(false);
  });

  it("resuming with another recipe", () => {
    const out = join(tempDir("other"), "data");
    expect(generate(out).status).toBe(0);
    const before = hashTree(out);
    const result = generate(out, "--seed", "5");
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/started with another recipe .*differs in: seed/);
    expect(hashTree(out)).toEqual(before);
  });
});

describe("concurrent runs", () => {
  it("reject a second run into the same output", async () => {
    const root = tempDir("lock");
    const out = join(root, "data");
    const path = join(root, "recipe.json");
    writeFileSync(path, JSON.stringify({ ...TINY, classes: 4, instances: 400 }));
    const first = spawn(process.execPath, [CLI, "generate", "--recipe", path, "--out", out, "-q"]);
    // Wait until the first run holds its lock.
    while (!existsSync(`${out}.manifest.json.lock`)) await new Promise((r) => setTimeout(r, 5));
    const second = runCli(["generate", "--recipe", path, "--out", out, "-q"]);
    expect(second.status).toBe(2);
    expect(second.stderr).toMatch(/another fdsl run \(process \d+\) is writing this output/);
    const code = await new Promise((resolve) => first.on("exit", resolve));
    expect(code).toBe(0);
    expect(existsSync(`${out}.manifest.json.lock`)).toBe(false);
  });

  it("take over the lock of a killed run", () => {
    const root = tempDir("stale");
    const out = join(root, "data");
    // A process id far above Linux's default pid_max of 4194304.
    writeFileSync(`${out}.manifest.json.lock`, "99999999\n");
    expect(generate(out).status).toBe(0);
    expect(existsSync(`${out}.manifest.json.lock`)).toBe(false);
  });
});
