/**
 * VisualAtom (Takashima et al., CVPR 2023): concentric orbits of a
 * polygon whose vertices are pushed outward, orbit after orbit, by
 * Perlin noise and two sine waves. A category fixes the vertex count,
 * orbit count, the two frequencies, the noise strength, the per-orbit
 * offset (the reference's "line width"), the start radius and the oval
 * ratios. An instance draws a new centre, new noise and a new grey level
 * per orbit, on black.
 *
 * Geometry follows the reference renderer at 512 px and is scaled to
 * the output size: vertex i of orbit k moves by
 *   -(eta * noise - eta - 0.5 sin(n1 theta_i) - 0.5 sin(n2 theta_i) - w)
 * along (cos theta_i, sin theta_i), where noise is Perlin noise at a
 * random position, so orbits grow about eta + w pixels each. Orbits are
 * drawn as closed, anti-aliased polylines `strokeWidth` output pixels wide.
 */
import { z } from "zod";
import type { Canvas } from "../raster/canvas.js";
import {
  createFloatImage,
  floatToBytes,
  PolylineScratch,
  strokeClosedPolyline,
  type FloatImage,
} from "../raster/lines.js";
import { perlin1 } from "../raster/perlin.js";
import type { Rng } from "../random/rng.js";
import type { Family, ImageSpec, Renderer } from "./family.js";
import { orderedPair, perturbValue } from "./perturb.js";

/** Side of the reference renders, in pixels; geometry options use its units. */
const REFERENCE_SIZE = 512;

/** Sample positions of the noise, as in the reference (uniform in [0, 10000)). */
const NOISE_DOMAIN = 10_000;

type Shape = {
  minVertices: number;
  maxVertices: number;
  minOrbits: number;
  maxOrbits: number;
  maxFrequency: number;
  minPerlin: number;
  maxPerlin: number;
  maxLineWidth: number;
  maxStartRadius: number;
  maxOval: number;
  strokeWidth: number;
};

export const visualAtomOptions = z
  .object({
    minVertices: z.number().int().min(3).max(10_000).default(200)
      .describe("fewest polygon vertices per orbit"),
    maxVertices: z.number().int().min(3).max(10_000).default(1000)
      .describe("most polygon vertices per orbit"),
    minOrbits: z.number().int().min(1).max(1000).default(1)
      .describe("fewest orbits per image"),
    maxOrbits: z.number().int().min(1).max(1000).default(200)
      .describe("most orbits per image"),
    maxFrequency: z.number().int().min(1).max(100).default(20)
      .describe("the two sine frequencies are distinct integers in 0..maxFrequency"),
    minPerlin: z.number().min(0).max(100).default(0)
      .describe("least Perlin noise strength eta, in reference pixels"),
    maxPerlin: z.number().min(0).max(100).default(4)
      .describe("greatest Perlin noise strength eta, in reference pixels"),
    maxLineWidth: z.number().min(0).max(10).default(0.1)
      .describe("per-orbit outward offset w is uniform in [0, maxLineWidth] reference pixels"),
    maxStartRadius: z.number().int().min(0).max(REFERENCE_SIZE).default(50)
      .describe("start radius is an integer uniform in [0, maxStartRadius] reference pixels"),
    maxOval: z.number().min(1).max(10).default(2)
      .describe("oval ratios along x and y are uniform in [1, maxOval]"),
    strokeWidth: z.number().min(0.1).max(16).default(1)
      .describe("width of the drawn lines, in output pixels"),
  })
  .strict()
  .refine(...orderedPair<Shape>("minVertices", "maxVertices"))
  .refine(...orderedPair<Shape>("minOrbits", "maxOrbits"))
  .refine(...orderedPair<Shape>("minPerlin", "maxPerlin"));

export type VisualAtomOptions = z.infer<typeof visualAtomOptions>;

/** A category: the formula parameters shared by all its instances. */
export interface VisualAtomParams {
  vertices: number;
  orbits: number;
  /** The two sine frequencies n1 != n2. */
  frequencies: [number, number];
  /** Perlin noise strength eta. */
  perlin: number;
  /** Outward offset per orbit, the reference's "line width". */
  lineWidth: number;
  startRadius: number;
  ovalX: number;
  ovalY: number;
}

function sampleCategory(spec: ImageSpec<VisualAtomOptions>, rng: Rng): VisualAtomParams {
  const o = spec.options;
  const vertices = rng.int(o.minVertices, o.maxVertices);
  const orbits = rng.int(o.minOrbits, o.maxOrbits);
  const n1 = rng.int(0, o.maxFrequency);
  // Redraw until distinct. The range contains at least two values, so this ends.
  let n2 = rng.int(0, o.maxFrequency);
  while (n2 === n1) n2 = rng.int(0, o.maxFrequency);
  return {
    vertices,
    orbits,
    frequencies: [n1, n2],
    perlin: rng.uniform(o.minPerlin, o.maxPerlin),
    lineWidth: rng.uniform(0, o.maxLineWidth),
    startRadius: rng.int(0, o.maxStartRadius),
    ovalX: rng.uniform(1, o.maxOval),
    ovalY: rng.uniform(1, o.maxOval),
  };
}

function perturbCategory(
  base: VisualAtomParams,
  d: number,
  spec: ImageSpec<VisualAtomOptions>,
  rng: Rng,
): VisualAtomParams {
  const o = spec.options;
  // Frequencies stay as in the base: scaling a small integer by 1 +- d
  // either leaves it or makes it collide with the other one.
  return {
    vertices: perturbValue(base.vertices, d, rng, o.minVertices, o.maxVertices, true),
    orbits: perturbValue(base.orbits, d, rng, o.minOrbits, o.maxOrbits, true),
    frequencies: base.frequencies,
    perlin: perturbValue(base.perlin, d, rng, o.minPerlin, o.maxPerlin),
    lineWidth: perturbValue(base.lineWidth, d, rng, 0, o.maxLineWidth),
    startRadius: perturbValue(base.startRadius, d, rng, 0, o.maxStartRadius),
    ovalX: perturbValue(base.ovalX, d, rng, 1, o.maxOval),
    ovalY: perturbValue(base.ovalY, d, rng, 1, o.maxOval),
  };
}

class VisualAtomRenderer implements Renderer<VisualAtomParams> {
  private readonly image: FloatImage;
  private readonly scratch: PolylineScratch;
  private readonly xs: Float64Array;
  private readonly ys: Float64Array;
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  private readonly wave: Float64Array;

  constructor(private readonly spec: ImageSpec<VisualAtomOptions>) {
    const capacity = spec.options.maxVertices;
    this.image = createFloatImage(spec.size, spec.size);
    this.scratch = new PolylineScratch(spec.size, spec.size);
    this.xs = new Float64Array(capacity);
    this.ys = new Float64Array(capacity);
    this.cos = new Float64Array(capacity);
    this.sin = new Float64Array(capacity);
    this.wave = new Float64Array(capacity);
  }

  renderGroup(params: VisualAtomParams, _group: number, rng: Rng, out: Canvas[]): void {
    const { size, options } = this.spec;
    const { xs, ys, cos, sin, wave, image } = this;
    const scale = size / REFERENCE_SIZE;
    const count = params.vertices;
    const [n1, n2] = params.frequencies;
    const step = (2 * Math.PI) / count;
    const eta = params.perlin;

    // The reference draws the centre uniformly over the whole image.
    const centreX = rng.next() * size;
    const centreY = rng.next() * size;
    const radius = params.startRadius * scale;
    for (let i = 0; i < count; i++) {
      const theta = i * step;
      cos[i] = Math.cos(theta);
      sin[i] = Math.sin(theta);
      wave[i] = 0.5 * Math.sin(n1 * theta) + 0.5 * Math.sin(n2 * theta);
      xs[i] = centreX + cos[i] * radius * params.ovalX;
      ys[i] = centreY + sin[i] * radius * params.ovalY;
    }

    image.data.fill(0);
    for (let orbit = 0; orbit < params.orbits; orbit++) {
      const grey = rng.int(0, 255);
      for (let i = 0; i < count; i++) {
        const noiseX = eta * perlin1(rng.next() * NOISE_DOMAIN) - eta - wave[i];
        const noiseY = eta * perlin1(rng.next() * NOISE_DOMAIN) - eta - wave[i];
        xs[i] -= cos[i] * (noiseX - params.lineWidth) * scale;
        ys[i] -= sin[i] * (noiseY - params.lineWidth) * scale;
      }
      strokeClosedPolyline(image, xs, ys, count, options.strokeWidth, grey, this.scratch);
    }
    floatToBytes(image, out[0].data, out[0].channels);
  }
}

export const visualAtom: Family<VisualAtomOptions, VisualAtomParams> = {
  name: "visual-atom",
  summary: "VisualAtom: noisy, sine-modulated concentric orbits in grey levels on black",
  options: visualAtomOptions,
  groupSize: 1,
  sampleCategory,
  perturbCategory,
  createRenderer: (spec) => new VisualAtomRenderer(spec),
};
