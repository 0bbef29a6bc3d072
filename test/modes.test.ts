import { describe, expect, it } from "vitest";
import { UsageError } from "../src/errors.js";
import { fractal, type FractalParams } from "../src/families/fractal.js";
import { fractalSvd, type FractalSvdParams } from "../src/families/fractal-svd.js";
import { CategorySampler, InstanceRenderer, type ModeSettings } from "../src/families/modes.js";
import { visualAtom, type VisualAtomParams } from "../src/families/visual-atom.js";
import { augment, augmentSchema } from "../src/raster/augment.js";
import { createCanvas } from "../src/raster/canvas.js";
import { Rng } from "../src/random/rng.js";
import { resolveRecipe } from "../src/recipe/schema.js";
import { specOf } from "./family-helpers.js";

function settings(overrides: Partial<ModeSettings> = {}, augmentInput: Record<string, unknown> = {}): ModeSettings {
  return { seed: 3, mode: "standard", perturbation: 0.1, augment: augmentSchema.parse(augmentInput), ...overrides };
}

function renderInstances(s: ModeSettings, groups: number[]): Uint8Array[] {
  const spec = specOf(visualAtom, { maxOrbits: 30 }, 32, 3);
  const params = new CategorySampler(s).sample(visualAtom, spec, 0, 0);
  const renderer = new InstanceRenderer(visualAtom, spec, s);
  return groups.map((group) => {
    const out = renderer.createCanvases(spec);
    renderer.render(params, 0, group, out);
    return out[0].data.slice();
  });
}

const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

describe("ofdb mode", () => {
  it("makes every instance the category's instance 0", () => {
    const [a, b, c] = renderInstances(settings({ mode: "ofdb" }), [0, 1, 7]);
    expect(same(a, b)).toBe(true);
    expect(same(a, c)).toBe(true);
    const [standard0, standard1] = renderInstances(settings(), [0, 1]);
    expect(same(standard0, a)).toBe(true);
    expect(same(standard1, a)).toBe(false);
  });

  it("varies instances by their baked augmentations alone", () => {
    const s = settings({ mode: "ofdb" }, { shiftScaleRotate: { p: 1 } });
    const [a, b] = renderInstances(s, [0, 1]);
    const [again] = renderInstances(s, [0]);
    expect(same(a, b)).toBe(false);
    expect(same(a, again)).toBe(true);
  });
});

describe("modes with FractalDB", () => {
  const spec = specOf(fractal, { searchSize: 64, searchPoints: 4000, minMaps: 2, maxMaps: 2 }, 32, 1, 3000);

  it("ofdb repeats instance 0 across the four flips", () => {
    const s = settings({ mode: "ofdb" });
    const params = new CategorySampler(s).sample(fractal, spec, 0, 0);
    const renderer = new InstanceRenderer(fractal, spec, s);
    const out = renderer.createCanvases(spec);
    renderer.render(params, 0, 3, out);
    const base = renderer.createCanvases(spec);
    new InstanceRenderer(fractal, spec, settings()).render(params, 0, 0, base);
    for (const canvas of out) expect(same(canvas.data, base[0].data)).toBe(true);
  });

  it("1p-frac keeps two maps close to the base system", () => {
    const s = settings({ mode: "1p-frac", perturbation: 0.1 });
    const sampler = new CategorySampler(s);
    const all = Array.from({ length: 6 }, (_, c) => sampler.sample(fractal, spec, c, 0) as FractalParams);
    for (const params of all) {
      expect(params.maps).toHaveLength(2);
      expect(params.variants[0]).toBe(0);
      params.maps.forEach((map, j) => {
        map.forEach((value, k) => {
          const ratio = value / all[0].maps[j][k];
          expect(ratio).toBeGreaterThanOrEqual(0.9 / 1.1 - 1e-12);
          expect(ratio).toBeLessThanOrEqual(1.1 / 0.9 + 1e-12);
        });
      });
    }
  });
});

describe("1p-frac mode", () => {
  it("perturbs one base system by factors within 1 +- d", () => {
    const s = settings({ mode: "1p-frac", perturbation: 0.1 });
    const spec = specOf(fractalSvd, { minMaps: 2, maxMaps: 2 });
    const sampler = new CategorySampler(s);
    const categories = Array.from({ length: 20 }, (_, c) => sampler.sample(fractalSvd, spec, c, 0) as FractalSvdParams);
    const base = categories[0];
    for (const params of categories) {
      expect(params.maps).toHaveLength(2);
      params.maps.forEach((map, j) => {
        map.forEach((value, k) => {
          const ratio = value / base.maps[j][k];
          // Both are base x factor, so their ratio lies in [0.9 / 1.1, 1.1 / 0.9].
          expect(ratio).toBeGreaterThanOrEqual(0.9 / 1.1 - 1e-12);
          expect(ratio).toBeLessThanOrEqual(1.1 / 0.9 + 1e-12);
        });
      });
    }
    expect(categories[1]).not.toEqual(categories[2]);
  });

  it("keeps perturbed parameters inside the documented ranges", () => {
    const s = settings({ mode: "1p-frac", perturbation: 0.5 });
    const spec = specOf(visualAtom);
    const sampler = new CategorySampler(s);
    for (let c = 0; c < 100; c++) {
      const p = sampler.sample(visualAtom, spec, c, 0) as VisualAtomParams;
      expect(p.vertices).toBeGreaterThanOrEqual(200);
      expect(p.vertices).toBeLessThanOrEqual(1000);
      expect(Number.isInteger(p.orbits)).toBe(true);
      expect(p.ovalX).toBeGreaterThanOrEqual(1);
      expect(p.ovalX).toBeLessThanOrEqual(2);
    }
  });
});

describe("augment", () => {
  it("mirrors left-right with horizontalFlip 1", () => {
    const canvas = createCanvas(4, 2, 1);
    canvas.data.set([1, 2, 3, 4, 5, 6, 7, 8]);
    augment(canvas, augmentSchema.parse({ horizontalFlip: 1 }), new Rng(1, 2, 3, 4), new Uint8Array(8));
    expect([...canvas.data]).toEqual([4, 3, 2, 1, 8, 7, 6, 5]);
  });

  it("mirrors top-bottom with verticalFlip 1", () => {
    const canvas = createCanvas(2, 3, 1);
    canvas.data.set([1, 2, 3, 4, 5, 6]);
    augment(canvas, augmentSchema.parse({ verticalFlip: 1 }), new Rng(1, 2, 3, 4), new Uint8Array(6));
    expect([...canvas.data]).toEqual([5, 6, 3, 4, 1, 2]);
  });

  it("leaves the image alone when every probability is 0", () => {
    const canvas = createCanvas(8, 8, 3);
    canvas.data.forEach((_, i) => (canvas.data[i] = (i * 37) % 256));
    const before = canvas.data.slice();
    augment(canvas, augmentSchema.parse({}), new Rng(1, 2, 3, 4), new Uint8Array(192));
    expect(same(canvas.data, before)).toBe(true);
  });

  it("changes brightness and hue when asked", () => {
    const canvas = createCanvas(8, 8, 3);
    canvas.data.forEach((_, i) => (canvas.data[i] = i % 3 === 0 ? 200 : 60));
    const before = canvas.data.slice();
    const o = augmentSchema.parse({ brightnessContrast: { p: 1 }, hueSaturation: { p: 1 } });
    augment(canvas, o, new Rng(5, 6, 7, 8), new Uint8Array(192));
    expect(same(canvas.data, before)).toBe(false);
  });

  it("maps a centred disc onto itself under pure rotation", () => {
    const disc = createCanvas(32, 32, 1);
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 32; x++) if (Math.hypot(x + 0.5 - 16, y + 0.5 - 16) < 8) disc.data[y * 32 + x] = 255;
    }
    const before = disc.data.slice();
    const o = augmentSchema.parse({ shiftScaleRotate: { p: 1, shift: 0, scale: 0, rotate: 180 } });
    augment(disc, o, new Rng(1, 1, 1, 1), new Uint8Array(1024));
    let difference = 0;
    for (let i = 0; i < 1024; i++) difference += Math.abs(disc.data[i] - before[i]);
    // Only the aliased rim resamples; a disc moved off centre by 2 px would differ by about 30.
    expect(difference / 1024).toBeLessThan(6);
    expect(disc.data[16 * 32 + 16]).toBe(255);
  });

  it("moves the image with a shift", () => {
    const canvas = createCanvas(32, 32, 1);
    for (let y = 12; y < 20; y++) for (let x = 12; x < 20; x++) canvas.data[y * 32 + x] = 255;
    const before = canvas.data.slice();
    const o = augmentSchema.parse({ shiftScaleRotate: { p: 1, shift: 0.5, scale: 0, rotate: 0 } });
    augment(canvas, o, new Rng(2, 2, 2, 2), new Uint8Array(1024));
    expect(same(canvas.data, before)).toBe(false);
    // Bilinear sampling keeps the total ink of a shifted square inside the image.
    const ink = (d: Uint8Array) => d.reduce((sum, v) => sum + v, 0);
    expect(ink(canvas.data)).toBeLessThanOrEqual(ink(before) + 64 * 2);
  });

  it("shuffles pixels but keeps their multiset", () => {
    const canvas = createCanvas(16, 16, 3);
    // Each pixel's three channels differ, so a pixel torn apart would change the sorted triples.
    canvas.data.forEach((_, i) => (canvas.data[i] = (Math.floor(i / 3) * 7 + (i % 3) * 50) % 256));
    const before = canvas.data.slice();
    augment(canvas, augmentSchema.parse({ shufflePixels: 1 }), new Rng(9, 8, 7, 6), new Uint8Array(768));
    expect(same(canvas.data, before)).toBe(false);
    const pixels = (d: Uint8Array) =>
      Array.from({ length: d.length / 3 }, (_, p) => `${d[3 * p]},${d[3 * p + 1]},${d[3 * p + 2]}`).sort();
    expect(pixels(canvas.data)).toEqual(pixels(before));
    let moved = 0;
    for (let p = 0; p < 256; p++) if (canvas.data[3 * p] !== before[3 * p]) moved++;
    expect(moved).toBeGreaterThan(200);
  });

  it("keeps the earlier draws when a shuffle is added", () => {
    const make = () => {
      const canvas = createCanvas(8, 8, 1);
      canvas.data.forEach((_, i) => (canvas.data[i] = i * 4));
      return canvas;
    };
    const plain = make();
    const shuffled = make();
    augment(plain, augmentSchema.parse({ brightnessContrast: { p: 1 } }), new Rng(3, 1, 4, 1), new Uint8Array(64));
    augment(shuffled, augmentSchema.parse({ brightnessContrast: { p: 1 }, shufflePixels: 1 }), new Rng(3, 1, 4, 1), new Uint8Array(64));
    expect([...shuffled.data].sort((a, b) => a - b)).toEqual([...plain.data].sort((a, b) => a - b));
  });
});

describe("mode and augment options", () => {
  const rejected: [string, Record<string, unknown>, RegExp][] = [
    ["mode unknown", { mode: "ofdb2" }, /mode: .*"standard".*"ofdb".*"1p-frac".*received "ofdb2"/],
    ["perturbation 0", { perturbation: 0 }, /perturbation: .*>0.*received 0/],
    ["perturbation 1", { perturbation: 1 }, /perturbation: .*<1.*received 1/],
    ["horizontalFlip 2", { augment: { horizontalFlip: 2 } }, /augment\.horizontalFlip: .*<=1.*received 2/],
    ["verticalFlip -1", { augment: { verticalFlip: -1 } }, /augment\.verticalFlip: .*>=0.*received -1/],
    ["shift 2", { augment: { shiftScaleRotate: { shift: 2 } } }, /augment\.shiftScaleRotate\.shift: .*<=1.*received 2/],
    ["scale 0.95", { augment: { shiftScaleRotate: { scale: 0.95 } } }, /augment\.shiftScaleRotate\.scale: .*<=0\.9.*received 0\.95/],
    ["rotate 200", { augment: { shiftScaleRotate: { rotate: 200 } } }, /augment\.shiftScaleRotate\.rotate: .*<=180.*received 200/],
    ["warp p 1.5", { augment: { shiftScaleRotate: { p: 1.5 } } }, /augment\.shiftScaleRotate\.p: .*<=1.*received 1\.5/],
    ["brightness 2", { augment: { brightnessContrast: { brightness: 2 } } }, /augment\.brightnessContrast\.brightness: .*<=1.*received 2/],
    ["contrast -0.1", { augment: { brightnessContrast: { contrast: -0.1 } } }, /augment\.brightnessContrast\.contrast: .*>=0.*received -0\.1/],
    ["hue 181", { augment: { hueSaturation: { hue: 181 } } }, /augment\.hueSaturation\.hue: .*<=180.*received 181/],
    ["saturation 1.5", { augment: { hueSaturation: { saturation: 1.5 } } }, /augment\.hueSaturation\.saturation: .*<=1.*received 1\.5/],
    ["unknown augmentation", { augment: { blur: 1 } }, /unknown field augment\.blur/],
  ];

  it.each(rejected)("rejects %s", (_, input, message) => {
    expect(() => resolveRecipe(input, "recipe")).toThrow(UsageError);
    expect(() => resolveRecipe(input, "recipe")).toThrow(message);
  });

  it("fills the augmentation defaults", () => {
    const recipe = resolveRecipe({ augment: { shiftScaleRotate: { p: 0.5 } } }, "recipe");
    expect(recipe.augment.shiftScaleRotate).toEqual({ p: 0.5, shift: 0.0625, scale: 0.1, rotate: 45 });
    expect(recipe.augment.horizontalFlip).toBe(0);
    expect(recipe.mode).toBe("standard");
  });
});
