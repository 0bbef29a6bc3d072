import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UsageError } from "../src/errors.js";
import { readContestParams } from "../src/recipe/contest.js";
import { DEFAULT_RECIPE, resolveRecipe } from "../src/recipe/schema.js";
import { tempDir } from "./helpers.js";

describe("resolveRecipe", () => {
  it("fills every default", () => {
    expect(DEFAULT_RECIPE).toMatchObject({
      family: "fractal",
      classes: 1000,
      instances: 1000,
      size: 256,
      points: 100_000,
      seed: 0,
      format: "png",
      color: "gray",
    });
    expect(DEFAULT_RECIPE.options).toMatchObject({ minMaps: 2, maxMaps: 7, fillingRate: 0.2, patch: true });
  });

  it("keeps given fields and family options", () => {
    const recipe = resolveRecipe({ classes: 10, options: { fillingRate: 0.25 } }, "recipe");
    expect(recipe.classes).toBe(10);
    expect(recipe.options.fillingRate).toBe(0.25);
    expect(recipe.options.maxMaps).toBe(7);
  });

  // Each rejected value: the message names the field and the value received.
  const rejected: [string, Record<string, unknown>, RegExp][] = [
    ["classes 0", { classes: 0 }, /classes: .*>=1.*received 0 \(number\)/],
    ["classes 2.5", { classes: 2.5 }, /classes: .*int.*received 2\.5/],
    ["classes as text", { classes: "ten" }, /classes: .*number.*received "ten" \(string\)/],
    ["instances -1", { instances: -1 }, /instances: .*received -1/],
    ["size 4", { size: 4 }, /size: .*>=8.*received 4/],
    ["size 5000", { size: 5000 }, /size: .*<=4096.*received 5000/],
    ["points 1", { points: 1 }, /points: .*received 1/],
    ["seed -1", { seed: -1 }, /seed: .*received -1/],
    ["format gif", { format: "gif" }, /format: .*"png".*"jpg".*received "gif"/],
    ["color cmyk", { color: "cmyk" }, /color: .*"gray".*"rgb".*received "cmyk"/],
    ["quality 0", { quality: 0 }, /quality: .*received 0/],
    ["unknown key", { clases: 10 }, /clases/],
    ["unknown family", { family: "mandelbrot" }, /unknown family "mandelbrot"; expected one of: fractal/],
    ["options not an object", { options: 3 }, /options: .*received 3/],
    ["unknown family option", { options: { fill: 0.2 } }, /options.*fill/],
    ["fillingRate 2", { options: { fillingRate: 2 } }, /options\.fillingRate: .*received 2/],
    ["minMaps 0", { options: { minMaps: 0 } }, /options\.minMaps: .*received 0/],
    ["minMaps above maxMaps", { options: { minMaps: 6, maxMaps: 3 } }, /options\.minMaps: minMaps must not exceed maxMaps/],
    ["patch as text", { options: { patch: "yes" } }, /options\.patch: .*boolean.*received "yes"/],
  ];

  it.each(rejected)("rejects %s", (_, input, message) => {
    expect(() => resolveRecipe(input, "recipe")).toThrow(UsageError);
    expect(() => resolveRecipe(input, "recipe")).toThrow(message);
  });
});

describe("readContestParams", () => {
  function paramsDir(files: Record<string, string>): string {
    const dir = join(tempDir("params"), "params");
    mkdirSync(dir);
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return dir;
  }

  it("maps the contest keys to recipe fields", () => {
    const dir = paramsDir({
      "params.json": JSON.stringify({ numof_classes: 12, numof_instances: 34, image_size: 64, numof_thread: 3 }),
    });
    const params = readContestParams(dir);
    expect(params.recipe).toEqual({ classes: 12, instances: 34, size: 64 });
    expect(params.workers).toBe(3);
    expect(params.warnings).toEqual([]);
  });

  it("takes defaults from an empty folder", () => {
    const params = readContestParams(paramsDir({}));
    expect(params.recipe).toEqual({});
    expect(params.file).toBeNull();
  });

  it("accepts a square [width, height] image size", () => {
    const dir = paramsDir({ "p.json": JSON.stringify({ image_size: [32, 32] }) });
    expect(readContestParams(dir).recipe.size).toBe(32);
  });

  it("passes fdsl recipe fields through", () => {
    const dir = paramsDir({ "p.json": JSON.stringify({ numof_classes: 5, fdsl: { seed: 9, points: 500 } }) });
    expect(readContestParams(dir).recipe).toEqual({ seed: 9, points: 500, classes: 5 });
  });

  it("reports unknown keys", () => {
    const dir = paramsDir({ "p.json": JSON.stringify({ numof_classes: 5, batch: 64 }) });
    const { warnings } = readContestParams(dir);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/unknown key "batch" ignored/);
  });

  const rejected: [string, Record<string, string> | null, RegExp][] = [
    ["a missing folder", null, /cannot read params folder/],
    ["two JSON files", { "a.json": "{}", "b.json": "{}" }, /holds 2 JSON files \(a\.json, b\.json\); expected one/],
    ["invalid JSON", { "p.json": "{numof_classes: 3" }, /not valid JSON/],
    ["a JSON array", { "p.json": "[1, 2]" }, /expected a JSON object/],
    ["classes as text", { "p.json": '{"numof_classes": "10"}' }, /numof_classes: .*number.*received "10"/],
    ["zero threads", { "p.json": '{"numof_thread": 0}' }, /numof_thread: .*received 0/],
    ["a non-square size", { "p.json": '{"image_size": [32, 64]}' }, /\[32, 64\] is not square/],
  ];

  it.each(rejected)("rejects %s", (_, files, message) => {
    const dir = files === null ? join(tempDir("params"), "absent") : paramsDir(files);
    expect(() => readContestParams(dir)).toThrow(UsageError);
    expect(() => readContestParams(dir)).toThrow(message);
  });
});
