import { describe, expect, it } from "vitest";
import { readManifest } from "../src/dataset/manifest.js";
import { validateDataset } from "../src/dataset/validate.js";
import { UsageError } from "../src/errors.js";
import { mixCounts, planFamilies, type MixEntry } from "../src/recipe/mix.js";
import { resolveRecipe } from "../src/recipe/schema.js";
import { generate } from "../src/run/generate.js";
import { hashTree, tempDir } from "./helpers.js";

const entry = (family: string, share: number): MixEntry => ({ family, share, options: {} });

describe("mixCounts", () => {
  it("uses shares that sum to the class count as exact counts", () => {
    const mix = [entry("fractal", 400), entry("visual-atom", 300), entry("radial-contour", 300)];
    expect(mixCounts(mix, 1000)).toEqual([400, 300, 300]);
  });

  it("scales fractional shares", () => {
    const mix = [entry("fractal", 0.4), entry("visual-atom", 0.3), entry("radial-contour", 0.3)];
    expect(mixCounts(mix, 1000)).toEqual([400, 300, 300]);
    expect(mixCounts(mix, 10)).toEqual([4, 3, 3]);
  });

  it("gives remainders to the largest fractions, then to earlier entries", () => {
    const mix = [entry("fractal", 1), entry("noise", 1), entry("visual-atom", 1)];
    expect(mixCounts(mix, 10)).toEqual([4, 3, 3]);
    expect(mixCounts(mix, 11)).toEqual([4, 4, 3]);
    expect(mixCounts([entry("fractal", 2), entry("noise", 1)], 4)).toEqual([3, 1]);
  });
});

describe("planFamilies", () => {
  const recipe = resolveRecipe(
    { classes: 1000, mix: [{ family: "fractal", share: 400 }, { family: "visual-atom", share: 300 }, { family: "radial-contour", share: 300 }] },
    "recipe",
  );

  it("assigns each family exactly its share", () => {
    const plan = planFamilies(recipe);
    expect(plan).toHaveLength(1000);
    expect(plan.filter((f) => f === "fractal")).toHaveLength(400);
    expect(plan.filter((f) => f === "visual-atom")).toHaveLength(300);
    expect(plan.filter((f) => f === "radial-contour")).toHaveLength(300);
  });

  it("is a pure function of the recipe and its seed", () => {
    expect(planFamilies(recipe)).toEqual(planFamilies(recipe));
    expect(planFamilies({ ...recipe, seed: 1 })).not.toEqual(planFamilies(recipe));
  });

  it("interleaves the families", () => {
    const plan = planFamilies(recipe);
    expect(new Set(plan.slice(0, 50)).size).toBe(3);
  });

  it("gives every category the recipe's family without a mix", () => {
    const single = resolveRecipe({ classes: 5, family: "noise" }, "recipe");
    expect(planFamilies(single)).toEqual(["noise", "noise", "noise", "noise", "noise"]);
  });
});

describe("mixed recipe validation", () => {
  const rejected: [string, Record<string, unknown>, RegExp][] = [
    ["a top-level family", { family: "fractal", mix: [{ family: "noise", share: 1 }] }, /take.*family and options inside each mix entry/],
    ["top-level options", { options: {}, mix: [{ family: "noise", share: 1 }] }, /inside each mix entry/],
    ["a family listed twice", { mix: [{ family: "noise", share: 1 }, { family: "noise", share: 2 }] }, /mix\.1\.family: "noise" appears twice/],
    ["an unknown family", { mix: [{ family: "mandelbrot", share: 1 }] }, /unknown family "mandelbrot"/],
    ["a zero share", { mix: [{ family: "noise", share: 0 }] }, /mix\.0\.share: .*>0.*received 0/],
    ["a negative share", { mix: [{ family: "noise", share: -3 }] }, /mix\.0\.share: .*received -3/],
    ["a missing share", { mix: [{ family: "noise" }] }, /mix\.0\.share: .*received undefined/],
    ["an unknown entry field", { mix: [{ family: "noise", share: 1, weight: 2 }] }, /unknown field mix\.0\.weight/],
    ["an invalid entry option", { mix: [{ family: "noise", share: 1 }, { family: "visual-atom", share: 1, options: { minVertices: 2 } }] }, /mix\.1\.options\.minVertices: .*>=3.*received 2/],
    ["mix not a list", { mix: { family: "noise" } }, /mix: .*array.*received/],
  ];

  it.each(rejected)("rejects %s", (_, input, message) => {
    expect(() => resolveRecipe(input, "recipe")).toThrow(UsageError);
    expect(() => resolveRecipe(input, "recipe")).toThrow(message);
  });

  it("fills each entry's option defaults", () => {
    const recipe = resolveRecipe({ mix: [{ family: "visual-atom", share: 1, options: { maxOrbits: 20 } }] }, "recipe");
    expect(recipe.family).toBe("mix");
    expect(recipe.mix[0].options).toMatchObject({ maxOrbits: 20, minOrbits: 1, maxVertices: 1000 });
  });
});

describe("mixed dataset", () => {
  const input = {
    classes: 10,
    instances: 5,
    size: 32,
    points: 2000,
    mix: [
      { family: "fractal", share: 4, options: { searchSize: 64, searchPoints: 5000 } },
      { family: "visual-atom", share: 3, options: { maxOrbits: 20 } },
      { family: "radial-contour", share: 3 },
    ],
  };

  it("names each category's family, with exact shares, whatever the worker count", async () => {
    const recipe = resolveRecipe(input, "recipe");
    const one = tempDir("mix");
    const two = tempDir("mix");
    const first = await generate(recipe, { out: `${one}/data`, workers: 1 });
    await generate(recipe, { out: `${two}/data`, workers: 2 });

    const manifest = readManifest(first.manifest);
    const families = manifest.categories.map((c) => c.family);
    expect(families.filter((f) => f === "fractal")).toHaveLength(4);
    expect(families.filter((f) => f === "visual-atom")).toHaveLength(3);
    expect(families.filter((f) => f === "radial-contour")).toHaveLength(3);
    expect(families).toEqual(planFamilies(recipe));
    expect(manifest.groupSize).toEqual({ fractal: 4, "visual-atom": 1, "radial-contour": 1 });

    const report = await validateDataset(`${one}/data`, { classes: 10, instances: 5 });
    expect(report.images).toBe(50);
    expect(hashTree(`${two}/data`)).toEqual(hashTree(`${one}/data`));
  });
});
