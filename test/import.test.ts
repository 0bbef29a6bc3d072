import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync, gzipSync } from "node:zlib";
import { PNG } from "pngjs";
import { beforeAll, describe, expect, it } from "vitest";
import { UsageError } from "../src/errors.js";
import { buildFolderAtomic, prepareOutputFolder } from "../src/importers/folder.js";
import { CLI, hashTree, runCli, tempDir } from "./helpers.js";

const SOURCE = "/usr/share/datasets/fashion-mnist";
const HAS_SOURCE = existsSync(join(SOURCE, "train-images-idx3-ubyte.gz"));
const TRAINER_DIR = fileURLToPath(new URL("../trainer", import.meta.url));

/** Class folders in label order, as ImageFolder loaders number them. */
const CLASSES = [
  "0-t-shirt-top",
  "1-trouser",
  "2-pullover",
  "3-dress",
  "4-coat",
  "5-sandal",
  "6-shirt",
  "7-sneaker",
  "8-bag",
  "9-ankle-boot",
];

/** An IDX array parsed by this test's own reader, independent of src/importers/idx.ts. */
interface Idx {
  shape: number[];
  data: Buffer;
}

function parseIdx(bytes: Buffer): Idx {
  const raw = bytes[0] === 0x1f ? gunzipSync(bytes) : bytes;
  const dimensions = raw[3];
  const shape = Array.from({ length: dimensions }, (_, i) => raw.readUInt32BE(4 + 4 * i));
  return { shape, data: raw.subarray(4 + 4 * dimensions) };
}

function encodeIdx(shape: number[], data: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * shape.length);
  header[2] = 0x08;
  header[3] = shape.length;
  shape.forEach((size, i) => header.writeUInt32BE(size, 4 + 4 * i));
  return Buffer.concat([header, data]);
}

/**
 * Writes a small Fashion-MNIST-shaped source: 4x4 images whose pixels
 * encode their index, labels `index % 10`, train files gzipped and test
 * files uncompressed.
 */
function writeTinySource(dir: string, trainCount = 25, testCount = 20): void {
  mkdirSync(dir, { recursive: true });
  for (const [prefix, count, gzip] of [["train", trainCount, true], ["t10k", testCount, false]] as const) {
    const images = new Uint8Array(count * 16).map((_, i) => Math.floor(i / 16) * 3 + (i % 16));
    const labels = new Uint8Array(count).map((_, i) => i % 10);
    const suffix = gzip ? ".gz" : "";
    const pack = (bytes: Buffer) => (gzip ? gzipSync(bytes) : bytes);
    writeFileSync(join(dir, `${prefix}-images-idx3-ubyte${suffix}`), pack(encodeIdx([count, 4, 4], images)));
    writeFileSync(join(dir, `${prefix}-labels-idx1-ubyte${suffix}`), pack(encodeIdx([count], labels)));
  }
}

function runImport(...args: string[]) {
  return runCli(["import", "fashion-mnist", ...args]);
}

/** Names in `dir` that a run writes while it works, which must be gone once it stops. */
function tempEntries(dir: string): string[] {
  return readdirSync(dir).filter((name) => name.startsWith(".fdsl-"));
}

/** Lists the images below `out` as `split/<class>/<file>` paths, which name the picked source images. */
function pickedFiles(out: string): string[] {
  return [...hashTree(out).keys()];
}

describe.skipIf(!HAS_SOURCE)(`fdsl import on ${SOURCE} (skipped when dataset-fashion-mnist is not installed)`, () => {
  let out: string;
  let train: { images: Idx; labels: Idx };
  let test: { images: Idx; labels: Idx };

  beforeAll(() => {
    out = join(tempDir("import"), "fm");
    const result = runImport("--out", out, "--train-per-class", "3", "--val-per-class", "2");
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/30 train and 20 val images in 10 classes/);
    const read = (name: string) => parseIdx(readFileSync(join(SOURCE, `${name}.gz`)));
    train = { images: read("train-images-idx3-ubyte"), labels: read("train-labels-idx1-ubyte") };
    test = { images: read("t10k-images-idx3-ubyte"), labels: read("t10k-labels-idx1-ubyte") };
  });

  it("writes balanced class folders per split", () => {
    expect(readdirSync(out)).toEqual(["train", "val"]);
    for (const [split, perClass] of [["train", 3], ["val", 2]] as const) {
      expect(readdirSync(join(out, split))).toEqual(CLASSES);
      for (const name of CLASSES) {
        const files = readdirSync(join(out, split, name));
        expect(files, `${split}/${name}`).toHaveLength(perClass);
        for (const file of files) expect(file).toMatch(/^\d{5}\.png$/);
      }
    }
    expect(tempEntries(dirname(out))).toEqual([]);
  });

  it("writes the source pixels as grayscale PNGs", () => {
    for (const [split, source] of [["train", train], ["val", test]] as const) {
      expect(source.images.shape.slice(1)).toEqual([28, 28]);
      for (const [label, name] of CLASSES.entries()) {
        for (const file of readdirSync(join(out, split, name))) {
          const index = Number(basename(file, ".png"));
          const where = `${split}/${name}/${file}`;
          expect(source.labels.data[index], where).toBe(label);

          const bytes = readFileSync(join(out, split, name, file));
          // IHDR: bit depth at byte 24, colour type at byte 25 (0 = greyscale).
          expect(bytes[24], where).toBe(8);
          expect(bytes[25], where).toBe(0);
          const png = PNG.sync.read(bytes);
          expect([png.width, png.height], where).toEqual([28, 28]);
          const expected = source.images.data.subarray(index * 784, (index + 1) * 784);
          const red = Buffer.from(Array.from({ length: 784 }, (_, p) => png.data[p * 4]));
          expect(red.equals(expected), where).toBe(true);
        }
      }
    }
  });

  it("repeats picks for the same seed", () => {
    const again = join(tempDir("import-again"), "fm");
    expect(runImport("--out", again, "--train-per-class", "3", "--val-per-class", "2", "--seed", "0").status).toBe(0);
    expect(hashTree(again)).toEqual(hashTree(out));
  });

  it("picks other images for another seed", () => {
    const other = join(tempDir("import-seed"), "fm");
    expect(runImport("--out", other, "--train-per-class", "3", "--val-per-class", "2", "--seed", "1").status).toBe(0);
    const picked = pickedFiles(other);
    expect(picked).toHaveLength(50);
    expect(picked).not.toEqual(pickedFiles(out));
    for (const split of ["train", "val"]) {
      for (const name of CLASSES) expect(readdirSync(join(other, split, name)), `${split}/${name}`).toHaveLength(split === "train" ? 3 : 2);
    }
  });

  it("keeps a smaller subset inside a larger one", () => {
    const larger = join(tempDir("import-larger"), "fm");
    expect(runImport("--out", larger, "--train-per-class", "5", "--val-per-class", "4").status).toBe(0);
    const all = new Set(pickedFiles(larger));
    for (const file of pickedFiles(out)) expect(all.has(file), file).toBe(true);
  });

  it("rejects more per class than the split has", () => {
    const parent = tempDir("import-many");
    const result = runImport("--out", join(parent, "fm"), "--val-per-class", "1001");
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("--val-per-class 1001");
    expect(result.stderr).toContain("the maximum is 1000");
    expect(readdirSync(parent)).toEqual([]);
  });

  it("rejects an existing folder without --force", () => {
    const result = runImport("--out", out, "--train-per-class", "1", "--val-per-class", "1");
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(out);
    expect(result.stderr).toContain("--force");
    expect(pickedFiles(out)).toHaveLength(50);
    expect(tempEntries(dirname(out))).toEqual([]);
  });

  it("leaves no output when killed mid-write", async () => {
    const parent = tempDir("import-kill");
    const target = join(parent, "fm");
    // Importing every image takes seconds, so the kill lands while PNGs are written.
    const child = spawn(process.execPath, [CLI, "import", "fashion-mnist", "--out", target], { stdio: "ignore" });
    const exited = new Promise((resolve) => child.once("exit", resolve));
    const temp = join(parent, `.fdsl-fm.${child.pid}.tmp`);
    const deadline = Date.now() + 30_000;
    while (!existsSync(join(temp, "train", CLASSES[0])) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    child.kill("SIGKILL");
    await exited;
    expect(existsSync(join(temp, "train", CLASSES[0]))).toBe(true);
    expect(existsSync(target)).toBe(false);

    const rerun = runImport("--out", target, "--train-per-class", "1", "--val-per-class", "1");
    expect(rerun.status).toBe(0);
    expect(readdirSync(parent)).toEqual(["fm"]);
  });

  it("loads in the trainer as ImageFolders", () => {
    const script = [
      "import json, sys",
      "from pathlib import Path",
      "sys.path.insert(0, sys.argv[1])",
      "from fdsl_trainer.data import load_downstream",
      "data = load_downstream('fashion-mnist', Path(sys.argv[2]), None)",
      "print(json.dumps({'train': list(data.train.images.shape), 'test': list(data.test.images.shape),",
      "  'classes': data.train.classes, 'train_labels': data.train.labels.bincount().tolist(),",
      "  'test_labels': data.test.labels.bincount().tolist()}))",
    ].join("\n");
    const result = spawnSync("/usr/bin/python3", ["-c", script, TRAINER_DIR, out], { encoding: "utf8" });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      train: [30, 1, 28, 28],
      test: [20, 1, 28, 28],
      classes: 10,
      train_labels: Array(10).fill(3),
      test_labels: Array(10).fill(2),
    });
  });
});

describe("fdsl import on a small source", () => {
  it("imports every image by default", () => {
    const source = join(tempDir("tiny"), "source");
    writeTinySource(source);
    const out = join(tempDir("tiny-out"), "fm");
    const result = runImport("--source", source, "--out", out);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    // 25 train images with labels i % 10: classes 0-4 have 3, classes 5-9 have 2.
    const counts = CLASSES.map((name) => readdirSync(join(out, "train", name)).length);
    expect(counts).toEqual([3, 3, 3, 3, 3, 2, 2, 2, 2, 2]);
    expect(readdirSync(join(out, "val", "3-dress"))).toEqual(["00003.png", "00013.png"]);
    const png = PNG.sync.read(readFileSync(join(out, "val", "3-dress", "00013.png")));
    expect([png.width, png.height]).toEqual([4, 4]);
    expect(Array.from({ length: 16 }, (_, p) => png.data[p * 4])).toEqual(
      Array.from({ length: 16 }, (_, p) => 13 * 3 + p),
    );
  });

  it("replaces an existing folder with --force", () => {
    const source = join(tempDir("tiny"), "source");
    writeTinySource(source);
    const out = join(tempDir("tiny-force"), "fm");
    mkdirSync(out);
    writeFileSync(join(out, "old.txt"), "previous output");
    const result = runImport("--source", source, "--out", out, "--force", "--train-per-class", "1", "--val-per-class", "1");
    expect(result.status).toBe(0);
    expect(readdirSync(out)).toEqual(["train", "val"]);
    expect(tempEntries(dirname(out))).toEqual([]);
  });

  it("writes into an existing empty folder", () => {
    const source = join(tempDir("tiny"), "source");
    writeTinySource(source);
    const out = join(tempDir("tiny-empty"), "fm");
    mkdirSync(out);
    expect(runImport("--source", source, "--out", out, "--train-per-class", "1", "--val-per-class", "1").status).toBe(0);
    expect(readdirSync(out)).toEqual(["train", "val"]);
  });

  it("rejects a missing source folder", () => {
    const parent = tempDir("no-source");
    const missing = join(parent, "absent");
    const result = runImport("--source", missing, "--out", join(parent, "fm"));
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(missing);
    expect(result.stderr).toContain("apt-get install dataset-fashion-mnist");
    expect(readdirSync(parent)).toEqual([]);
  });

  it("rejects a source that is a file", () => {
    const parent = tempDir("file-source");
    const file = join(parent, "afile");
    writeFileSync(file, "not a folder");
    const result = runImport("--source", file, "--out", join(parent, "fm"));
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`invalid --source ${file}: it is not a folder`);
    expect(result.stderr).not.toContain("not found");
    expect(readdirSync(parent)).toEqual(["afile"]);
  });

  it("rejects a missing IDX file", () => {
    const source = join(tempDir("partial"), "source");
    writeTinySource(source);
    rmSync(join(source, "t10k-labels-idx1-ubyte"));
    const parent = tempDir("partial-out");
    const result = runImport("--source", source, "--out", join(parent, "fm"));
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(join(source, "t10k-labels-idx1-ubyte"));
    expect(result.stderr).toContain("apt-get install dataset-fashion-mnist");
    expect(readdirSync(parent)).toEqual([]);
  });

  const corruptions: [string, string, (bytes: Buffer) => Buffer, string][] = [
    ["truncated images", "train-images-idx3-ubyte.gz", (bytes) => gzipSync(gunzipSync(bytes).subarray(0, 300)), "truncated"],
    ["truncated gzip", "train-images-idx3-ubyte.gz", (bytes) => bytes.subarray(0, bytes.length - 20), "gzip data is corrupt"],
    ["empty file", "t10k-images-idx3-ubyte", () => Buffer.alloc(0), "bad magic number"],
    ["bad magic", "t10k-images-idx3-ubyte", (bytes) => Buffer.concat([Buffer.from([1, 2]), bytes.subarray(2)]), "bad magic number"],
    ["wrong type code", "t10k-labels-idx1-ubyte", (bytes) => Buffer.concat([bytes.subarray(0, 2), Buffer.from([0x0d]), bytes.subarray(3)]), "type code 0x0d"],
    ["label out of range", "t10k-labels-idx1-ubyte", (bytes) => Buffer.concat([bytes.subarray(0, 8), Buffer.from([12]), bytes.subarray(9)]), "label 12 at index 0"],
    ["count mismatch", "t10k-labels-idx1-ubyte", () => encodeIdx([3], new Uint8Array([0, 1, 2])), "20 images but 3 labels"],
    ["labels with two dimensions", "t10k-labels-idx1-ubyte", () => encodeIdx([20, 1], new Uint8Array(20)), "shape [20, 1], expected [count]"],
    ["images with no columns", "t10k-images-idx3-ubyte", () => encodeIdx([20, 4, 0], new Uint8Array(0)), "shape [20, 4, 0]"],
  ];

  it.each(corruptions)("rejects a corrupt IDX file: %s", (_, file, corrupt, reason) => {
    const source = join(tempDir("corrupt"), "source");
    writeTinySource(source);
    const path = join(source, file);
    writeFileSync(path, corrupt(readFileSync(path)));
    const parent = tempDir("corrupt-out");
    const result = runImport("--source", source, "--out", join(parent, "fm"));
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(path);
    expect(result.stderr).toContain(reason);
    expect(readdirSync(parent)).toEqual([]);
  });

  it.each([
    [["--train-per-class", "0"], "invalid --train-per-class 0"],
    [["--val-per-class", "-2"], "invalid --val-per-class -2"],
    [["--seed", "-1"], "invalid --seed -1"],
    [["--train-per-class", "three"], "--train-per-class expects an integer"],
  ])("rejects flags %j", (flags, message) => {
    const source = join(tempDir("tiny"), "source");
    writeTinySource(source);
    const parent = tempDir("flags-out");
    const result = runImport("--source", source, "--out", join(parent, "fm"), ...flags);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(message);
    expect(readdirSync(parent)).toEqual([]);
  });

  it("rejects an unknown dataset name", () => {
    const result = runCli(["import", "svhn", "--out", join(tempDir("unknown"), "svhn")]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('unknown dataset "svhn"');
    expect(result.stderr).toContain("known datasets: fashion-mnist");
  });

  it("rejects an output folder that contains the source", () => {
    const parent = tempDir("inside");
    const source = join(parent, "source");
    writeTinySource(source);
    const result = runImport("--source", source, "--out", parent, "--force");
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("contains the source folder");
    expect(readdirSync(source)).toHaveLength(4);
  });

  it("treats a source folder named like ..x as inside the output", () => {
    const parent = tempDir("dotdot");
    const source = join(parent, "..source");
    writeTinySource(source);
    const result = runImport("--source", source, "--out", parent, "--force");
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("contains the source folder");
    expect(readdirSync(source)).toHaveLength(4);
  });

  it("rejects a source linked into the output folder", () => {
    const out = join(tempDir("linked"), "fm");
    const source = join(out, "source");
    writeTinySource(source);
    const link = join(tempDir("link"), "source");
    symlinkSync(source, link);
    const result = runImport("--source", link, "--out", out, "--force");
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`contains the source folder ${link} (${source})`);
    expect(readdirSync(source)).toHaveLength(4);
  });

  it("rejects an output folder linked to the source's parent", () => {
    const parent = tempDir("linked-out");
    const source = join(parent, "source");
    writeTinySource(source);
    const out = join(tempDir("link-out"), "fm");
    symlinkSync(parent, out);
    const result = runImport("--source", source, "--out", out, "--force");
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("contains the source folder");
    expect(readdirSync(source)).toHaveLength(4);
  });
});

describe("buildFolderAtomic", () => {
  it("leaves no output when the build throws", () => {
    const parent = tempDir("atomic");
    const out = prepareOutputFolder(join(parent, "fm"), false, "/nonexistent");
    expect(() =>
      buildFolderAtomic(out, (folder) => {
        writeFileSync(join(folder, "half.png"), "partial");
        throw new Error("disk failed");
      }),
    ).toThrow("disk failed");
    expect(readdirSync(parent)).toEqual([]);
  });

  it("keeps the previous output when the build throws", () => {
    const parent = tempDir("atomic-keep");
    const out = join(parent, "fm");
    mkdirSync(out);
    writeFileSync(join(out, "old.txt"), "previous output");
    prepareOutputFolder(out, true, "/nonexistent");
    expect(() =>
      buildFolderAtomic(out, () => {
        throw new Error("disk failed");
      }),
    ).toThrow("disk failed");
    expect(readdirSync(parent)).toEqual(["fm"]);
    expect(readFileSync(join(out, "old.txt"), "utf8")).toBe("previous output");
  });

  it("removes folders of a killed run", () => {
    const parent = tempDir("atomic-stale");
    const deadPid = spawnSync(process.execPath, ["-e", ""]).pid!;
    const out = join(parent, "fm");
    mkdirSync(join(parent, `.fdsl-fm.${deadPid}.tmp`, "train"), { recursive: true });
    // A run killed between its two renames had moved the previous output aside.
    mkdirSync(join(parent, `.fdsl-fm.${deadPid}.old.tmp`));
    writeFileSync(join(parent, `.fdsl-fm.${deadPid}.old.tmp`, "old.txt"), "previous output");
    expect(() => prepareOutputFolder(out, false, "/nonexistent")).toThrow(UsageError);
    expect(readdirSync(parent)).toEqual(["fm"]);
    expect(readFileSync(join(out, "old.txt"), "utf8")).toBe("previous output");
  });

  it("keeps folders of a running process", () => {
    const parent = tempDir("atomic-live");
    const live = join(parent, `.fdsl-fm.${process.ppid}.tmp`);
    mkdirSync(live);
    prepareOutputFolder(join(parent, "fm"), false, "/nonexistent");
    expect(existsSync(live)).toBe(true);
  });
});
