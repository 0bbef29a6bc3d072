import { describe, expect, it } from "vitest";
import { fractal3d, randomRotation, runChaosGame3d, type Fractal3dParams } from "../src/families/fractal-3d.js";
import { drawSingularValues, fractalSvd, type FractalSvdParams } from "../src/families/fractal-svd.js";
import { leafRadius, noise, type NoiseParams } from "../src/families/noise.js";
import { radialContour, type RadialContourParams } from "../src/families/radial-contour.js";
import { visualAtom, type VisualAtomParams } from "../src/families/visual-atom.js";
import { Rng } from "../src/random/rng.js";
import { sampleOf, specOf } from "./family-helpers.js";

function categories<P>(family: { sampleCategory: unknown }, count: number, options = {}): P[] {
  const f = family as Parameters<typeof specOf>[0];
  const spec = specOf(f, options);
  return Array.from({ length: count }, (_, c) => sampleOf(f, spec, 21, c) as P);
}

/** Singular values of a 2x2 matrix [a b; c d], largest first. */
function singularValues2([a, b, c, d]: number[]): [number, number] {
  const s = a * a + b * b + c * c + d * d;
  const det = Math.abs(a * d - b * c);
  const root = Math.sqrt(Math.max(0, s * s - 4 * det * det));
  return [Math.sqrt((s + root) / 2), Math.sqrt(Math.max(0, (s - root) / 2))];
}

describe("visual-atom parameters", () => {
  const all = categories<VisualAtomParams>(visualAtom, 400);

  it("stay within the published ranges", () => {
    for (const p of all) {
      expect(p.vertices).toBeGreaterThanOrEqual(200);
      expect(p.vertices).toBeLessThanOrEqual(1000);
      expect(p.orbits).toBeGreaterThanOrEqual(1);
      expect(p.orbits).toBeLessThanOrEqual(200);
      expect(p.frequencies[0]).not.toBe(p.frequencies[1]);
      for (const n of p.frequencies) {
        expect(Number.isInteger(n)).toBe(true);
        expect(n).toBeGreaterThanOrEqual(0);
        expect(n).toBeLessThanOrEqual(20);
      }
      expect(p.perlin).toBeGreaterThanOrEqual(0);
      expect(p.perlin).toBeLessThan(4);
      expect(p.lineWidth).toBeGreaterThanOrEqual(0);
      expect(p.lineWidth).toBeLessThan(0.1);
      expect(Number.isInteger(p.startRadius)).toBe(true);
      expect(p.startRadius).toBeLessThanOrEqual(50);
      expect(p.ovalX).toBeGreaterThanOrEqual(1);
      expect(p.ovalY).toBeLessThan(2);
    }
  });

  it("cover the ranges' ends", () => {
    expect(Math.min(...all.map((p) => p.orbits))).toBeLessThan(10);
    expect(Math.max(...all.map((p) => p.orbits))).toBeGreaterThan(190);
    expect(Math.max(...all.map((p) => p.vertices))).toBeGreaterThan(950);
  });
});

describe("radial-contour parameters", () => {
  const all = categories<RadialContourParams>(radialContour, 2000);

  it("stay within the published ranges", () => {
    for (const p of all) {
      expect(p.vertices).toBeGreaterThanOrEqual(3);
      expect(p.vertices).toBeLessThanOrEqual(200);
      expect(p.polygons).toBeGreaterThanOrEqual(1);
      expect(p.polygons).toBeLessThanOrEqual(200);
      expect(p.perlin).toBeLessThan(4);
      expect(p.lineWidth).toBeLessThan(0.1);
    }
  });

  it("draw vertex counts from the clipped exponential with mean 100", () => {
    // Mean of floor(Exp(100)) conditioned on 3..200, from its mass function.
    let mass = 0;
    let moment = 0;
    let square = 0;
    for (let k = 3; k <= 200; k++) {
      const p = Math.exp(-k / 100) - Math.exp(-(k + 1) / 100);
      mass += p;
      moment += k * p;
      square += k * k * p;
    }
    const mean = moment / mass;
    const sd = Math.sqrt(square / mass - mean * mean);
    const sample = all.reduce((sum, p) => sum + p.vertices, 0) / all.length;
    expect(Math.abs(sample - mean)).toBeLessThan((4 * sd) / Math.sqrt(all.length));
  });
});

describe("fractal-svd parameters", () => {
  const all = categories<FractalSvdParams>(fractalSvd, 300);

  it("meet the sigma factor exactly", () => {
    for (const p of all) {
      const n = p.maps.length;
      expect(n).toBeGreaterThanOrEqual(2);
      expect(n).toBeLessThanOrEqual(4);
      expect(p.sigma).toBeGreaterThanOrEqual((5 + n) / 2);
      expect(p.sigma).toBeLessThanOrEqual((6 + n) / 2);
      const sum = p.singularValues.reduce((s, [s1, s2]) => s + s1 + 2 * s2, 0);
      expect(sum).toBeCloseTo(p.sigma, 9);
    }
  });

  it("build each map with its drawn singular values", () => {
    for (const p of all) {
      p.maps.forEach((map, j) => {
        const [s1, s2] = p.singularValues[j];
        expect(s1).toBeLessThanOrEqual(1);
        expect(s2).toBeGreaterThanOrEqual(0);
        expect(s2).toBeLessThanOrEqual(s1 + 1e-12);
        const [m1, m2] = singularValues2(map);
        expect(m1).toBeCloseTo(s1, 9);
        expect(m2).toBeCloseTo(s2, 6);
        expect(Math.abs(map[4])).toBeLessThanOrEqual(1);
        expect(Math.abs(map[5])).toBeLessThanOrEqual(1);
      });
      expect(p.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    }
  });

  it("drawSingularValues reaches any feasible sum", () => {
    const rng = new Rng(1, 2, 3, 4);
    for (let trial = 0; trial < 2000; trial++) {
      const count = rng.int(1, 8);
      const sigma = rng.uniform(0, 3 * count);
      const values = drawSingularValues(count, sigma, rng);
      const sum = values.reduce((s, [s1, s2]) => s + s1 + 2 * s2, 0);
      expect(sum).toBeCloseTo(sigma, 9);
      for (const [s1, s2] of values) {
        expect(s1).toBeLessThanOrEqual(1 + 1e-12);
        expect(s2).toBeGreaterThanOrEqual(-1e-12);
        expect(s2).toBeLessThanOrEqual(s1 + 1e-12);
      }
    }
  });
});

describe("fractal-3d parameters", () => {
  const all = categories<Fractal3dParams>(fractal3d, 60, { searchPoints: 2000 });

  it("have 2..7 maps of 12 coefficients in [-1, 1]", () => {
    for (const p of all) {
      expect(p.maps.length).toBeGreaterThanOrEqual(2);
      expect(p.maps.length).toBeLessThanOrEqual(7);
      for (const map of p.maps) {
        expect(map).toHaveLength(12);
        for (const c of map) expect(Math.abs(c)).toBeLessThanOrEqual(1);
      }
    }
  });

  it("pass the per-axis variance test", () => {
    for (const p of all) for (const v of p.variance) expect(v).toBeGreaterThan(0.05);
  });

  it("reject a system that diverges", () => {
    const maps = [[10, 0, 0, 0, 10, 0, 0, 0, 10, 1, 1, 1]];
    const points = new Float64Array(3 * 1000);
    expect(runChaosGame3d({ maps, probabilities: [1] }, 1000, points, new Rng(1, 2, 3, 4))).toBeNull();
  });

  it("turn clouds by proper rotations", () => {
    const rng = new Rng(9, 8, 7, 6);
    for (let k = 0; k < 50; k++) {
      const m = randomRotation(rng);
      for (let i = 0; i < 3; i++) {
        for (let j = 0; j < 3; j++) {
          const dot = m[3 * i] * m[3 * j] + m[3 * i + 1] * m[3 * j + 1] + m[3 * i + 2] * m[3 * j + 2];
          expect(dot).toBeCloseTo(i === j ? 1 : 0, 12);
        }
      }
      const det =
        m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) + m[2] * (m[3] * m[7] - m[4] * m[6]);
      expect(det).toBeCloseTo(1, 12);
    }
  });
});

describe("noise parameters", () => {
  const all = categories<NoiseParams>(noise, 400);

  it("use both kinds with alpha in [0.5, 3.5]", () => {
    const kinds = new Set(all.map((p) => p.kind));
    expect(kinds).toEqual(new Set(["dead-leaves", "spectral"]));
    for (const p of all) {
      expect(p.palette).toHaveLength(3);
      for (const colour of p.palette) for (const c of colour) expect(c).toBeGreaterThanOrEqual(0);
      if (p.kind !== "spectral") continue;
      expect(p.alpha).toBeGreaterThanOrEqual(0.5);
      expect(p.alpha).toBeLessThan(3.5);
    }
  });

  it("draw leaf radii with density ~ r^-3", () => {
    expect(leafRadius(0, 2, 100)).toBeCloseTo(2, 12);
    expect(leafRadius(1, 2, 100)).toBeCloseTo(100, 9);
    // Empirical CDF against F(r) = (2^-2 - r^-2) / (2^-2 - 100^-2).
    const rng = new Rng(4, 3, 2, 1);
    const radii = Array.from({ length: 20_000 }, () => leafRadius(rng.next(), 2, 100));
    for (const r of [2.5, 4, 8, 20]) {
      const expected = (2 ** -2 - r ** -2) / (2 ** -2 - 100 ** -2);
      const share = radii.filter((x) => x <= r).length / radii.length;
      expect(Math.abs(share - expected)).toBeLessThan(0.015);
    }
  });
});
