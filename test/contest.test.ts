import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Generator } from "../src/contest.js";
import { validateDataset } from "../src/dataset/validate.js";
import { tempDir } from "./helpers.js";

describe("Generator", () => {
  it("runs the contest driver's two calls on the class", async () => {
    const root = tempDir("contest");
    mkdirSync(join(root, "params"));
    writeFileSync(
      join(root, "params", "params.json"),
      JSON.stringify({
        numof_classes: 2,
        numof_instances: 8,
        image_size: 16,
        numof_thread: 2,
        fdsl: { points: 1000, options: { searchSize: 64, searchPoints: 5000 } },
      }),
    );
    expect(Generator.getParams(join(root, "params"))).toBe(true);
    const summary = await Generator.generate(join(root, "out"));
    expect(summary.images).toBe(16);
    expect(summary.written).toBe(16);
    expect(readdirSync(root).sort()).toEqual(["out", "out.manifest.json", "params"]);
    const report = await validateDataset(join(root, "out"), { classes: 2, instances: 8 });
    expect(report.problem).toBeNull();
    expect(report.width).toBe(16);
  });

  it("keeps separate instances apart", () => {
    const a = new Generator();
    const b = new Generator();
    const root = tempDir("contest2");
    mkdirSync(join(root, "p"));
    writeFileSync(join(root, "p", "p.json"), JSON.stringify({ numof_classes: 7 }));
    a.getParams(join(root, "p"));
    expect(a.recipe.classes).toBe(7);
    expect(b.recipe.classes).toBe(1000);
  });
});
