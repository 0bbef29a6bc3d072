import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import { readTar } from "../src/dataset/tar-read.js";
import { TarWriter } from "../src/dataset/tar.js";
import { runCli, tempDir } from "./helpers.js";

describe("TarWriter", () => {
  const dir = tempDir("tar");
  const path = join(dir, "t.tar");
  const members: [string, Buffer][] = [
    ["a.txt", Buffer.from("hello")],
    ["empty.cls", Buffer.alloc(0)],
    ["block.bin", Buffer.alloc(512, 7)],
    ["big.bin", Buffer.alloc(70_000, 3)],
  ];
  const tar = new TarWriter(path);
  for (const [name, data] of members) tar.add(name, data);
  tar.finish();

  it("is read back by tar-stream", async () => {
    const read = await readTar(path);
    expect(read.map((m) => m.name)).toEqual(members.map(([name]) => name));
    read.forEach((m, i) => expect(m.data.equals(members[i][1])).toBe(true));
  });

  it("is listed by GNU tar with sizes and a zero mtime", () => {
    const result = spawnSync("tar", ["-tvf", path], { encoding: "utf8" });
    expect(result.status).toBe(0);
    const lines = result.stdout.trim().split("\n");
    expect(lines).toHaveLength(4);
    expect(lines[3]).toMatch(/^-rw-r--r-- 0\/0 +70000 1970-01-01 00:00 big\.bin$/);
  });

  it("is read by Python's tarfile", () => {
    const script = "import sys, tarfile\nfor m in tarfile.open(sys.argv[1]): print(m.name, m.size, m.isfile())";
    const result = spawnSync("python3", ["-c", script, path], { encoding: "utf8" });
    expect(result.status).toBe(0);
    expect(result.stdout.trim().split("\n")).toEqual(["a.txt 5 True", "empty.cls 0 True", "block.bin 512 True", "big.bin 70000 True"]);
  });

  it("pads to whole blocks and ends with two zero blocks", () => {
    const size = readFileSync(path).length;
    // Headers 4 x 512, data 512 + 0 + 512 + 70144, end 1024.
    expect(size).toBe(4 * 512 + 512 + 512 + 70_144 + 1024);
  });

  it("leaves nothing behind when aborted", () => {
    const aborted = new TarWriter(join(dir, "aborted.tar"));
    aborted.add("x", Buffer.from("x"));
    aborted.abort();
    expect(readdirSync(dir)).toEqual(["t.tar"]);
  });
});

describe("fdsl generate --format wds", () => {
  const root = tempDir("wds");
  const out = join(root, "data");
  const recipe = join(root, "recipe.json");
  writeFileSync(recipe, JSON.stringify({ classes: 3, instances: 10, size: 16, points: 1000, seed: 2, options: { searchSize: 64, searchPoints: 5000 } }));
  const result = runCli(["generate", "--recipe", recipe, "--out", out, "--format", "wds", "--images-per-tar", "12", "-q"]);

  it("writes numbered tar files and a manifest", () => {
    expect(result.status).toBe(0);
    expect(readdirSync(out)).toEqual(["data-000000.tar", "data-000001.tar", "data-000002.tar"]);
    const manifest = JSON.parse(readFileSync(`${out}.manifest.json`, "utf8"));
    expect(manifest.output).toEqual({ kind: "wds", prefix: "data", unitsPerTar: 3, tars: 3 });
    expect(manifest.complete).toBe(true);
  });

  it("stores each sample as png, cls and json with the manifest's class", async () => {
    const manifest = JSON.parse(readFileSync(`${out}.manifest.json`, "utf8"));
    const keys = new Set<string>();
    for (const tar of readdirSync(out)) {
      const members = await readTar(join(out, tar));
      for (let i = 0; i < members.length; i += 3) {
        const [png, cls, json] = members.slice(i, i + 3);
        const key = png.name.replace(/\.png$/, "");
        expect(cls.name).toBe(`${key}.cls`);
        expect(json.name).toBe(`${key}.json`);
        const category = Number(cls.data.toString());
        expect(key.startsWith(manifest.categories[category].name)).toBe(true);
        const meta = JSON.parse(json.data.toString());
        expect(meta.category).toBe(category);
        expect(meta.params).toEqual(manifest.categories[category].params);
        expect(PNG.sync.read(png.data).width).toBe(16);
        keys.add(key);
      }
    }
    expect(keys.size).toBe(30);
  });

  it("shuffles samples across tars", async () => {
    const first = await readTar(join(out, "data-000000.tar"));
    const categories = new Set(first.filter((m) => m.name.endsWith(".cls")).map((m) => m.data.toString()));
    expect(categories.size).toBeGreaterThan(1);
  });

  it("skips finished tars on a rerun", () => {
    const again = runCli(["generate", "--recipe", recipe, "--out", out, "--format", "wds", "--images-per-tar", "12", "-q"]);
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/wrote 0 of 30 images/);
  });
});
