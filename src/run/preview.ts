/**
 * Contact sheets: the first categories of a recipe, several instances
 * each, drawn in-process with the same streams as `generate`, so the
 * sheet shows exactly the images a full run would write.
 */
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import sharp from "sharp";
import { UsageError } from "../errors.js";
import type { Family, ImageSpec } from "../families/family.js";
import { CategorySampler, InstanceRenderer } from "../families/modes.js";
import { getFamily } from "../families/registry.js";
import type { Canvas, Channels } from "../raster/canvas.js";
import { familyIndex, familyOptions, planFamilies } from "../recipe/mix.js";
import type { Recipe } from "../recipe/schema.js";

export interface PreviewOptions {
  /** Output PNG path. */
  out: string;
  /** Categories shown, one row each, from category 0; default 8. */
  categories?: number;
  /** Instances shown per row, from instance 0; default 6. */
  instances?: number;
  /** Side of each thumbnail in pixels; default min(recipe size, 128). */
  cell?: number;
}

export interface PreviewSummary {
  out: string;
  categories: number;
  instances: number;
  width: number;
  height: number;
  seconds: number;
}

const LABEL_WIDTH = 150;
const GAP = 2;
const MAX_ROWS = 1000;
const MAX_COLUMNS = 100;

/** Renders the contact sheet of `recipe` and writes it as a PNG. */
export async function renderPreview(recipe: Recipe, options: PreviewOptions): Promise<PreviewSummary> {
  const started = performance.now();
  const rows = Math.min(options.categories ?? 8, recipe.classes);
  const columns = Math.min(options.instances ?? 6, recipe.instances);
  const cell = options.cell ?? Math.min(recipe.size, 128);
  checkRange("categories", rows, 1, MAX_ROWS);
  checkRange("instances", columns, 1, MAX_COLUMNS);
  checkRange("cell", cell, 8, 1024);

  const channels: Channels = recipe.color === "rgb" ? 3 : 1;
  const plan = planFamilies(recipe);
  const sampler = new CategorySampler(recipe);
  const states = new Map<string, { family: Family; spec: ImageSpec<unknown>; renderer: InstanceRenderer; canvases: Canvas[] }>();
  const tiles: sharp.OverlayOptions[] = [];

  for (let category = 0; category < rows; category++) {
    const name = plan[category];
    let state = states.get(name);
    if (state === undefined) {
      const family = getFamily(name);
      const spec = { size: recipe.size, channels, points: recipe.points, options: familyOptions(recipe, name) };
      const renderer = new InstanceRenderer(family, spec, recipe);
      state = { family, spec, renderer, canvases: renderer.createCanvases(spec) };
      states.set(name, state);
    }
    const params = sampler.sample(state.family, state.spec, category, familyIndex(recipe, name));
    const top = category * (cell + GAP);
    tiles.push({ input: labelSvg(category, name, cell), left: 0, top });

    let rendered = -1;
    for (let instance = 0; instance < columns; instance++) {
      const group = Math.floor(instance / state.family.groupSize);
      if (group !== rendered) {
        state.renderer.render(params, category, group, state.canvases);
        rendered = group;
      }
      const canvas = state.canvases[instance % state.family.groupSize];
      const thumbnail = await sharp(Buffer.from(canvas.data), {
        raw: { width: canvas.width, height: canvas.height, channels: canvas.channels },
      })
        .resize(cell, cell, { kernel: "cubic" })
        .toColourspace("srgb")
        .png()
        .toBuffer();
      tiles.push({ input: thumbnail, left: LABEL_WIDTH + instance * (cell + GAP), top });
    }
  }

  const width = LABEL_WIDTH + columns * (cell + GAP) - GAP;
  const height = rows * (cell + GAP) - GAP;
  const out = resolve(options.out);
  mkdirSync(dirname(out), { recursive: true });
  // Composited SVG labels add an alpha channel; the sheet is opaque RGB.
  const sheet = await sharp({ create: { width, height, channels: 3, background: { r: 40, g: 40, b: 40 } } })
    .composite(tiles)
    .raw()
    .toBuffer({ resolveWithObject: true });
  await sharp(sheet.data, { raw: sheet.info }).removeAlpha().png({ compressionLevel: 9 }).toFile(out);
  return { out, categories: rows, instances: columns, width, height, seconds: (performance.now() - started) / 1000 };
}

function checkRange(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`invalid preview ${name} ${value}; expected an integer in ${min}..${max}`);
  }
}

/** A row label: category index and family name, white on the sheet's grey. */
function labelSvg(category: number, family: string, height: number): Buffer {
  const index = String(category).padStart(5, "0");
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${LABEL_WIDTH}" height="${height}">` +
      `<text x="8" y="${Math.min(height / 2, 24)}" font-family="DejaVu Sans, sans-serif" font-size="14" fill="#ffffff">` +
      `category ${index}</text>` +
      `<text x="8" y="${Math.min(height / 2, 24) + 18}" font-family="DejaVu Sans, sans-serif" font-size="13" fill="#bbbbbb">` +
      `${escapeXml(family)}</text></svg>`,
  );
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" })[c]!);
}
