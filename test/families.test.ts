/**
 * Properties every family must have: seeded determinism, valid
 * parameters, no blank or saturated image, a golden render, and a clear
 * error for each invalid option.
 */
import { describe, expect, it } from "vitest";
import { UsageError } from "../src/errors.js";
import type { Family } from "../src/families/family.js";
import { fractal3d } from "../src/families/fractal-3d.js";
import { fractalSvd } from "../src/families/fractal-svd.js";
import { noise } from "../src/families/noise.js";
import { radialContour } from "../src/families/radial-contour.js";
import { getFamily } from "../src/families/registry.js";
import { visualAtom } from "../src/families/visual-atom.js";
import { createCanvas } from "../src/raster/canvas.js";
import { resolveRecipe } from "../src/recipe/schema.js";
import { Stream, streamRng } from "../src/random/rng.js";
import { expectFiniteJson, expectGolden, histogram, renderOf, sampleOf, specOf } from "./family-helpers.js";

/** Small search settings so that hundreds of categories take seconds. */
const FAST: Record<string, Record<string, unknown>> = {
  "visual-atom": {},
  "radial-contour": {},
  "fractal-svd": {},
  "fractal-3d": { searchPoints: 2000, points: 2000 },
  noise: {},
};

const FAMILIES = [visualAtom, radialContour, fractalSvd, fractal3d, noise] as Family<unknown, unknown>[];

describe.each(FAMILIES)("$name", (family) => {
  const spec = (size = 32, channels: 1 | 3 = 1) => specOf(family, FAST[family.name], size, channels, 3000);

  it("is registered under its name", () => {
    expect(getFamily(family.name)).toBe(family);
  });

  it("draws the same category from the same stream", () => {
    expect(sampleOf(family, spec(), 1, 7)).toEqual(sampleOf(family, spec(), 1, 7));
    expect(sampleOf(family, spec(), 1, 7)).not.toEqual(sampleOf(family, spec(), 1, 8));
    expect(sampleOf(family, spec(), 1, 7)).not.toEqual(sampleOf(family, spec(), 2, 7));
  });

  it("renders the same bytes from the same stream", () => {
    const params = sampleOf(family, spec(), 3, 0);
    const [a] = renderOf(family, spec(), params, 0);
    const [again] = renderOf(family, spec(), params, 0);
    const [other] = renderOf(family, spec(), params, 1);
    expect(Buffer.from(again.data).equals(Buffer.from(a.data))).toBe(true);
    expect(Buffer.from(other.data).equals(Buffer.from(a.data))).toBe(false);
  });

  it("renders no blank, saturated or non-finite image over 200 categories", () => {
    for (let category = 0; category < 200; category++) {
      const s = spec(32, category % 2 === 0 ? 1 : 3);
      const params = sampleOf(family, s, 4, category);
      expectFiniteJson(params);
      const [canvas] = renderOf(family, s, params, category % 3);
      const stats = histogram(canvas);
      expect(stats.distinct, `category ${category} is one flat colour`).toBeGreaterThan(1);
      expect(stats.min, `category ${category} is saturated`).toBeLessThan(255);
    }
  });

  it("renders the same after other categories", () => {
    const s = spec();
    const canvases = () => Array.from({ length: family.groupSize }, () => createCanvas(32, 32, 1));
    const first = sampleOf(family, s, 5, 0);
    const second = sampleOf(family, s, 5, 1);
    const reused = family.createRenderer(s);
    const out = canvases();
    reused.renderGroup(first, 0, streamRng(5, Stream.Instance, 0, 0), out);
    reused.renderGroup(second, 0, streamRng(5, Stream.Instance, 1, 0), out);
    const fresh = canvases();
    family.createRenderer(s).renderGroup(second, 0, streamRng(5, Stream.Instance, 1, 0), fresh);
    expect(Buffer.from(out[0].data).equals(Buffer.from(fresh[0].data))).toBe(true);
  });

  it.each([1, 3] as const)("matches its 16 px golden render with %i channel(s)", (channels) => {
    const s = spec(16, channels);
    const [canvas] = renderOf(family, s, sampleOf(family, s, 12, 0), 0);
    expectGolden(`${family.name}-16-${channels === 1 ? "gray" : "rgb"}`, canvas);
  });

  it("rejects an unknown option", () => {
    expect(() => resolveRecipe({ family: family.name, options: { colour: 1 } }, "recipe")).toThrow(
      /unknown field options\.colour/,
    );
  });
});

/** Each rejected option: the message names the field, the expected range and the value received. */
const REJECTED: [string, Record<string, unknown>, RegExp][] = [
  ["visual-atom", { minVertices: 2 }, /options\.minVertices: .*>=3.*received 2/],
  ["visual-atom", { maxVertices: 20_000 }, /options\.maxVertices: .*<=10000.*received 20000/],
  ["visual-atom", { minVertices: 600, maxVertices: 500 }, /options\.minVertices: minVertices \(600\) must not exceed maxVertices \(500\)/],
  ["visual-atom", { minOrbits: 0 }, /options\.minOrbits: .*>=1.*received 0/],
  ["visual-atom", { maxOrbits: 1001 }, /options\.maxOrbits: .*<=1000.*received 1001/],
  ["visual-atom", { minOrbits: 9, maxOrbits: 3 }, /options\.minOrbits: minOrbits \(9\) must not exceed maxOrbits \(3\)/],
  ["visual-atom", { maxFrequency: 0 }, /options\.maxFrequency: .*>=1.*received 0/],
  ["visual-atom", { minPerlin: -1 }, /options\.minPerlin: .*>=0.*received -1/],
  ["visual-atom", { maxPerlin: 101 }, /options\.maxPerlin: .*<=100.*received 101/],
  ["visual-atom", { minPerlin: 3, maxPerlin: 2 }, /options\.minPerlin: minPerlin \(3\) must not exceed maxPerlin \(2\)/],
  ["visual-atom", { maxLineWidth: -0.1 }, /options\.maxLineWidth: .*>=0.*received -0\.1/],
  ["visual-atom", { maxStartRadius: 513 }, /options\.maxStartRadius: .*<=512.*received 513/],
  ["visual-atom", { maxOval: 0.5 }, /options\.maxOval: .*>=1.*received 0\.5/],
  ["visual-atom", { strokeWidth: 0 }, /options\.strokeWidth: .*>=0\.1.*received 0/],
  ["radial-contour", { meanVertices: 0 }, /options\.meanVertices: .*>=1.*received 0/],
  ["radial-contour", { minVertices: 2 }, /options\.minVertices: .*>=3.*received 2/],
  ["radial-contour", { maxVertices: 2.5 }, /options\.maxVertices: .*int.*received 2\.5/],
  ["radial-contour", { minVertices: 50, maxVertices: 10 }, /options\.minVertices: minVertices \(50\) must not exceed maxVertices \(10\)/],
  ["radial-contour", { minPolygons: 0 }, /options\.minPolygons: .*>=1.*received 0/],
  ["radial-contour", { maxPolygons: 5000 }, /options\.maxPolygons: .*<=1000.*received 5000/],
  ["radial-contour", { minPolygons: 9, maxPolygons: 3 }, /options\.minPolygons: minPolygons \(9\) must not exceed maxPolygons \(3\)/],
  ["radial-contour", { minPerlin: -2 }, /options\.minPerlin: .*>=0.*received -2/],
  ["radial-contour", { minPerlin: 5, maxPerlin: 4 }, /options\.minPerlin: minPerlin \(5\) must not exceed maxPerlin \(4\)/],
  ["radial-contour", { maxLineWidth: 11 }, /options\.maxLineWidth: .*<=10.*received 11/],
  ["radial-contour", { maxStartRadius: -1 }, /options\.maxStartRadius: .*>=0.*received -1/],
  ["radial-contour", { maxOval: 20 }, /options\.maxOval: .*<=10.*received 20/],
  ["radial-contour", { centreOffset: 300 }, /options\.centreOffset: .*<=256.*received 300/],
  ["radial-contour", { strokeWidth: 17 }, /options\.strokeWidth: .*<=16.*received 17/],
  ["fractal-svd", { minMaps: 1 }, /options\.minMaps: .*>=2.*received 1/],
  ["fractal-svd", { maxMaps: 17 }, /options\.maxMaps: .*<=16.*received 17/],
  ["fractal-svd", { minMaps: 4, maxMaps: 3 }, /options\.minMaps: minMaps \(4\) must not exceed maxMaps \(3\)/],
  ["fractal-svd", { background: "white" }, /options\.background: .*"plasma".*"black".*received "white"/],
  ["fractal-svd", { roughness: 1.5 }, /options\.roughness: .*<=1.*received 1\.5/],
  ["fractal-svd", { minFractals: 0 }, /options\.minFractals: .*>=1.*received 0/],
  ["fractal-svd", { maxFractals: 6 }, /options\.maxFractals: .*<=5.*received 6/],
  ["fractal-svd", { minFractals: 3, maxFractals: 2 }, /options\.minFractals: minFractals \(3\) must not exceed maxFractals \(2\)/],
  ["fractal-svd", { minScale: 0.01 }, /options\.minScale: .*>=0\.05.*received 0\.01/],
  ["fractal-svd", { maxScale: 2 }, /options\.maxScale: .*<=1.*received 2/],
  ["fractal-svd", { minScale: 0.5, maxScale: 0.4 }, /options\.minScale: minScale \(0\.5\) must not exceed maxScale \(0\.4\)/],
  ["fractal-svd", { maxAttempts: 0 }, /options\.maxAttempts: .*>=1.*received 0/],
  ["fractal-3d", { minMaps: 0 }, /options\.minMaps: .*>=1.*received 0/],
  ["fractal-3d", { maxMaps: 65 }, /options\.maxMaps: .*<=64.*received 65/],
  ["fractal-3d", { minMaps: 5, maxMaps: 4 }, /options\.minMaps: minMaps \(5\) must not exceed maxMaps \(4\)/],
  ["fractal-3d", { minVariance: 2 }, /options\.minVariance: .*<=1.*received 2/],
  ["fractal-3d", { points: 10 }, /options\.points: .*>=100.*received 10/],
  ["fractal-3d", { searchPoints: 99 }, /options\.searchPoints: .*>=100.*received 99/],
  ["fractal-3d", { maxAttempts: 0 }, /options\.maxAttempts: .*>=1.*received 0/],
  ["fractal-3d", { minKeep: 0 }, /options\.minKeep: .*>0.*received 0/],
  ["fractal-3d", { maxKeep: 1.2 }, /options\.maxKeep: .*<=1.*received 1\.2/],
  ["fractal-3d", { minKeep: 0.9, maxKeep: 0.8 }, /options\.minKeep: minKeep \(0\.9\) must not exceed maxKeep \(0\.8\)/],
  ["fractal-3d", { minScale: 0 }, /options\.minScale: .*>=0\.1.*received 0/],
  ["fractal-3d", { maxScale: 3 }, /options\.maxScale: .*<=2.*received 3/],
  ["fractal-3d", { minScale: 1, maxScale: 0.5 }, /options\.minScale: minScale \(1\) must not exceed maxScale \(0\.5\)/],
  ["fractal-3d", { shift: 0.6 }, /options\.shift: .*<=0\.5.*received 0\.6/],
  ["fractal-3d", { pointRadius: -1 }, /options\.pointRadius: .*>=0.*received -1/],
  ["fractal-3d", { depthShading: "yes" }, /options\.depthShading: .*boolean.*received "yes"/],
  ["noise", { kinds: [] }, /options\.kinds: .*>=1.*received \[\]/],
  ["noise", { kinds: ["perlin"] }, /options\.kinds\.0: .*"dead-leaves".*"spectral".*received "perlin"/],
  ["noise", { minAlpha: -0.5 }, /options\.minAlpha: .*>=0.*received -0\.5/],
  ["noise", { maxAlpha: 6 }, /options\.maxAlpha: .*<=5.*received 6/],
  ["noise", { minAlpha: 3, maxAlpha: 1 }, /options\.minAlpha: minAlpha \(3\) must not exceed maxAlpha \(1\)/],
  ["noise", { minRadius: 0.001 }, /options\.minRadius: .*>=0\.002.*received 0\.001/],
  ["noise", { maxRadius: 1.5 }, /options\.maxRadius: .*<=1.*received 1\.5/],
  ["noise", { minRadius: 0.4, maxRadius: 0.3 }, /options\.minRadius: minRadius \(0\.4\) must not exceed maxRadius \(0\.3\)/],
  ["noise", { maxLeaves: 0 }, /options\.maxLeaves: .*>=1.*received 0/],
];

describe("family options", () => {
  it.each(REJECTED)("%s rejects %j", (family, options, message) => {
    expect(() => resolveRecipe({ family, options }, "recipe")).toThrow(UsageError);
    expect(() => resolveRecipe({ family, options }, "recipe")).toThrow(message);
  });

  it.each(FAMILIES.map((f) => f.name))("%s accepts its defaults", (family) => {
    expect(() => resolveRecipe({ family }, "recipe")).not.toThrow();
  });
});
