import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { imageName, createLayout, categoryName } from "../src/dataset/layout.js";
import { resolveRecipe } from "../src/recipe/schema.js";
import { generate } from "../src/run/generate.js";
import { renderPreview } from "../src/run/preview.js";
import { runCli, tempDir } from "./helpers.js";

/** Thumbnails the way the sheet does, for comparison. */
async function thumbnail(png: Buffer, cell: number): Promise<Buffer> {
  return sharp(png).resize(cell, cell, { kernel: "cubic" }).toColourspace("srgb").removeAlpha().raw().toBuffer();
}

describe("renderPreview", () => {
  const recipe = resolveRecipe(
    {
      classes: 4,
      instances: 6,
      size: 48,
      points: 2000,
      color: "rgb",
      mix: [{ family: "visual-atom", share: 1, options: { maxOrbits: 20 } }, { family: "noise", share: 1 }],
    },
    "recipe",
  );

  it("lays out one labelled row per category", async () => {
    const out = join(tempDir("preview"), "sheet.png");
    const summary = await renderPreview(recipe, { out, categories: 3, instances: 4, cell: 40 });
    const { width, height, channels } = await sharp(out).metadata();
    expect([width, height, channels]).toEqual([150 + 4 * 42 - 2, 3 * 42 - 2, 3]);
    expect(summary).toMatchObject({ categories: 3, instances: 4 });

    // The label column holds text: more than the background grey.
    const labels = await sharp(out).extract({ left: 0, top: 0, width: 150, height: 40 }).raw().toBuffer();
    const bright = labels.filter((v) => v > 150).length;
    expect(bright).toBeGreaterThan(30);
  });

  it("shows the images that generate writes", async () => {
    const dir = tempDir("preview");
    const out = join(dir, "sheet.png");
    await renderPreview(recipe, { out, categories: 4, instances: 6, cell: 48 });
    await generate(recipe, { out: join(dir, "data"), workers: 1 });

    const layout = createLayout(4, 6, "png");
    for (const [category, instance] of [[0, 0], [1, 5], [3, 2]]) {
      const file = join(dir, "data", categoryName(layout, category), imageName(layout, category, instance));
      const expected = await thumbnail(readFileSync(file), 48);
      const tile = await sharp(out)
        .extract({ left: 150 + instance * 50, top: category * 50, width: 48, height: 48 })
        .raw()
        .toBuffer();
      expect(tile.equals(expected), `category ${category} instance ${instance}`).toBe(true);
    }
  });

  it("rejects a row count of 0", async () => {
    await expect(renderPreview(recipe, { out: join(tempDir("preview"), "x.png"), categories: 0 })).rejects.toThrow(
      /invalid preview categories 0; expected an integer in 1\.\.1000/,
    );
  });

  it("rejects a thumbnail smaller than 8 px", async () => {
    await expect(renderPreview(recipe, { out: join(tempDir("preview"), "x.png"), cell: 4 })).rejects.toThrow(
      /invalid preview cell 4; expected an integer in 8\.\.1024/,
    );
  });
});

describe("fdsl preview", () => {
  it("writes a sheet from a recipe file", () => {
    const dir = tempDir("preview-cli");
    const recipePath = join(dir, "recipe.json");
    writeFileSync(recipePath, JSON.stringify({ family: "radial-contour", size: 32 }));
    const result = runCli(["preview", recipePath, "--out", join(dir, "sheet.png"), "--categories", "2", "--instances", "3"]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/wrote .*sheet\.png: 2 categories x 3 instances/);
  });

  it("exits 2 on an invalid recipe", () => {
    const dir = tempDir("preview-cli");
    const result = runCli(["preview", "--family", "mandelbrot", "--out", join(dir, "sheet.png")]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/unknown family "mandelbrot"/);
  });
});
