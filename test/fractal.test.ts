import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import { PngEncoder } from "../src/encode/png.js";
import { InvalidCategoryError } from "../src/errors.js";
import {
  fractal,
  fractalOptions,
  weightVariant,
  WEIGHT_VARIANTS,
  type FractalOptions,
  type FractalParams,
} from "../src/families/fractal.js";
import type { ImageSpec } from "../src/families/family.js";
import { ChaosGame, determinantProbabilities, type AffineMap } from "../src/families/ifs.js";
import { createCanvas, fillingRate, type Channels } from "../src/raster/canvas.js";
import { Rng, Stream, streamRng } from "../src/random/rng.js";

/** Search settings scaled down so a category takes milliseconds. */
function spec(options: Partial<FractalOptions> = {}, size = 32, channels: Channels = 1): ImageSpec<FractalOptions> {
  const parsed = fractalOptions.parse({ searchSize: 128, searchPoints: 10_000, ...options });
  return { size, channels, points: 4000, options: parsed };
}

function sample(seed: number, category: number, s = spec()): FractalParams {
  return fractal.sampleCategory(s, streamRng(seed, Stream.Category, category));
}

function renderGroup(params: FractalParams, group: number, s = spec()) {
  const out = Array.from({ length: fractal.groupSize }, () => createCanvas(s.size, s.size, s.channels));
  fractal.createRenderer(s).renderGroup(params, group, streamRng(0, Stream.Instance, 0, group), out);
  return out;
}

describe("ChaosGame", () => {
  it("returns null for a system that diverges", () => {
    const expanding: AffineMap[] = [[1.5, 0, 0, 1.5, 0.1, 0.1], [1.2, 0.3, -0.3, 1.2, 0, 0]];
    const game = new ChaosGame(10_000);
    const system = { maps: expanding, probabilities: determinantProbabilities(expanding) };
    expect(game.run(system, 10_000, new Rng(1, 2, 3, 4))).toBeNull();
  });

  it("returns null for a system whose points all coincide", () => {
    const toPoint: AffineMap[] = [[0.5, 0, 0, 0.5, 0, 0]];
    const game = new ChaosGame(1000);
    expect(game.run({ maps: toPoint, probabilities: [1] }, 1000, new Rng(1, 2, 3, 4))).toBeNull();
  });

  it("keeps Sierpinski's triangle inside its known bounds", () => {
    const maps: AffineMap[] = [
      [0.5, 0, 0, 0.5, 0, 0],
      [0.5, 0, 0, 0.5, 0.5, 0],
      [0.5, 0, 0, 0.5, 0.25, 0.5],
    ];
    const game = new ChaosGame(50_000);
    const bounds = game.run({ maps, probabilities: [1 / 3, 1 / 3, 1 / 3] }, 50_000, new Rng(1, 2, 3, 4))!;
    expect(bounds.minX).toBe(0);
    expect(bounds.minY).toBe(0);
    expect(bounds.maxX).toBeLessThanOrEqual(1);
    expect(bounds.maxX).toBeGreaterThan(0.99);
    expect(bounds.maxY).toBeLessThanOrEqual(1);
    expect(bounds.maxY).toBeGreaterThan(0.99);
  });

  it("picks maps in proportion to their probabilities", () => {
    // Map 0 sends x to 0, map 1 to 1: the share of ones is map 1's share.
    const maps: AffineMap[] = [[0, 0, 0, 0, 0, 0.5], [0, 0, 0, 0, 1, 0.5]];
    const game = new ChaosGame(100_000);
    game.run({ maps, probabilities: [0.8, 0.2] }, 100_000, new Rng(5, 6, 7, 8));
    let ones = 0;
    for (let i = 1; i < 100_000; i++) ones += game.points[2 * i];
    expect(ones / 99_999).toBeGreaterThan(0.195);
    expect(ones / 99_999).toBeLessThan(0.205);
  });
});

describe("fractal category search", () => {
  it("draws 2..7 maps with coefficients in [-1, 1] and p ~ |det|", () => {
    for (let category = 0; category < 12; category++) {
      const params = sample(1, category);
      expect(params.maps.length).toBeGreaterThanOrEqual(2);
      expect(params.maps.length).toBeLessThanOrEqual(7);
      for (const map of params.maps) {
        for (const c of map) expect(Math.abs(c)).toBeLessThanOrEqual(1);
      }
      const dets = params.maps.map(([a, b, c, d]) => Math.abs(a * d - b * c));
      const total = dets.reduce((x, y) => x + y, 0);
      params.probabilities.forEach((p, j) => expect(p).toBeCloseTo(dets[j] / total, 12));
    }
  });

  it("accepts only systems at or above the filling rate", () => {
    const strict = spec({ fillingRate: 0.3 });
    for (let category = 0; category < 6; category++) {
      const params = sample(2, category, strict);
      expect(params.fillingRate).toBeGreaterThanOrEqual(0.3);
      expect(params.attempts).toBeGreaterThanOrEqual(1);
    }
  });

  it("throws when no system reaches the filling rate", () => {
    const impossible = spec({ fillingRate: 1, maxAttempts: 3 });
    expect(() => sample(3, 0, impossible)).toThrow(InvalidCategoryError);
    expect(() => sample(3, 0, impossible)).toThrow(/filling rate 1 in 3 attempts/);
  });

  it("is a pure function of seed and category", () => {
    expect(sample(4, 5)).toEqual(sample(4, 5));
    expect(sample(4, 5)).not.toEqual(sample(4, 6));
    expect(sample(4, 5)).not.toEqual(sample(5, 5));
  });

  it("lists usable weight variants starting with the identity", () => {
    for (let category = 0; category < 8; category++) {
      const { variants } = sample(6, category);
      expect(variants[0]).toBe(0);
      expect(new Set(variants).size).toBe(variants.length);
      for (const v of variants) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThan(WEIGHT_VARIANTS);
      }
    }
  });

  it("rejects minMaps above maxMaps", () => {
    expect(() => fractalOptions.parse({ minMaps: 5, maxMaps: 3 })).toThrow(/minMaps/);
  });
});

describe("weightVariant", () => {
  it("scales one coefficient of every map by one factor", () => {
    const system = { maps: [[1, 1, 1, 1, 1, 1], [2, 2, 2, 2, 2, 2]] as AffineMap[], probabilities: [0.5, 0.5] };
    expect(weightVariant(system, 0)).toBe(system);
    // Variant 1 + 4c + f: coefficient c (a..f), factor 0.2/0.6/1.4/1.8.
    expect(weightVariant(system, 1).maps).toEqual([[0.2, 1, 1, 1, 1, 1], [0.4, 2, 2, 2, 2, 2]]);
    expect(weightVariant(system, 8).maps[0]).toEqual([1, 1.8, 1, 1, 1, 1]);
    expect(weightVariant(system, 24).maps[1]).toEqual([2, 2, 2, 2, 2, 3.6]);
  });
});

describe("fractal renderer", () => {
  it("renders no blank or non-finite image over many categories", () => {
    for (let category = 0; category < 20; category++) {
      const params = sample(7, category);
      for (const group of [0, 1, 7, 24]) {
        for (const canvas of renderGroup(params, group)) {
          expect(fillingRate(canvas)).toBeGreaterThan(0.05);
        }
      }
    }
  });

  it("writes the four flips of one render", () => {
    const [none, horizontal, vertical, both] = renderGroup(sample(8, 0), 3);
    const at = (c: typeof none, x: number, y: number) => c.data[y * c.width + x];
    for (let y = 0; y < none.height; y++) {
      for (let x = 0; x < none.width; x++) {
        const v = at(none, x, y);
        expect(at(horizontal, none.width - 1 - x, y)).toBe(v);
        expect(at(vertical, x, none.height - 1 - y)).toBe(v);
        expect(at(both, none.width - 1 - x, none.height - 1 - y)).toBe(v);
      }
    }
  });

  it("uses only the grey level of the options", () => {
    const [canvas] = renderGroup(sample(9, 0), 0, spec({ intensity: 200 }));
    expect(new Set(canvas.data)).toEqual(new Set([0, 200]));
  });

  it("keeps the border padding free", () => {
    const s = spec({ padding: 0.125 }, 32);
    const [canvas] = renderGroup(sample(10, 0), 0, s);
    // 4 px padding minus the patch's 1 px reach leaves 3 px free.
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 32; x++) {
        if (x < 3 || y < 3 || x > 28 || y > 28) expect(canvas.data[y * 32 + x]).toBe(0);
      }
    }
  });

  it("colours RGB output with the hue cycle", () => {
    const [canvas] = renderGroup(sample(11, 0), 0, spec({}, 32, 3));
    const colours = new Set<string>();
    for (let p = 0; p < 32 * 32; p++) {
      const rgb = canvas.data.subarray(3 * p, 3 * p + 3);
      if (rgb[0] + rgb[1] + rgb[2] > 0) colours.add(rgb.join(","));
    }
    expect(colours.size).toBeGreaterThan(10);
  });
});

describe("fractal golden renders", () => {
  // FDSL_UPDATE_GOLDEN=1 rewrites the files after an intended change.
  const update = process.env.FDSL_UPDATE_GOLDEN === "1";
  const cases: [string, Channels, boolean][] = [
    ["fractal-16-gray-patch", 1, true],
    ["fractal-16-gray-points", 1, false],
    ["fractal-16-rgb-patch", 3, true],
  ];

  it.each(cases)("%s matches its golden PNG", (name, channels, patch) => {
    const s = spec({ patch }, 16, channels);
    const [canvas] = renderGroup(sample(12, 0), 0, s);
    const path = new URL(`golden/${name}.png`, import.meta.url);
    if (update) writeFileSync(path, new PngEncoder().encode(canvas));
    expect(existsSync(path), `missing ${name}.png; run with FDSL_UPDATE_GOLDEN=1`).toBe(true);
    const golden = PNG.sync.read(readFileSync(path));
    const expected = Buffer.alloc(16 * 16 * channels);
    for (let p = 0; p < 256; p++) {
      for (let c = 0; c < channels; c++) expected[p * channels + c] = golden.data[p * 4 + c];
    }
    expect(Buffer.compare(Buffer.from(canvas.data), expected)).toBe(0);
  });
});
