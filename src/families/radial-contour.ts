/**
 * Radial Contour DataBase, RCDB (Kataoka et al., CVPR 2022): 1..200
 * concentric polygons whose vertices are displaced radially by Perlin
 * noise, grey lines on white. A category fixes the vertex count, drawn
 * from an exponential with mean 100 and redrawn until in 3..200. It also
 * fixes the polygon count, the noise strength and the per-polygon offset
 * (the reference's "line width"). As in the reference renderer, each
 * instance draws a new start radius, oval ratios, centre and noise.
 *
 * Geometry follows the reference at 512 px and is scaled to the output
 * size: vertex i of polygon k moves by -(2 eta noise - eta - w) along
 * (cos theta_i, sin theta_i), noise being Perlin noise at a random
 * position, so polygons grow about eta + w pixels each.
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
import { InvalidCategoryError } from "../errors.js";
import type { Family, ImageSpec, Renderer } from "./family.js";
import { orderedPair, perturbValue } from "./perturb.js";

const REFERENCE_SIZE = 512;
const NOISE_DOMAIN = 10_000;

/** Exponential draws before giving up on a vertex count in range. */
const MAX_VERTEX_DRAWS = 10_000;

type Shape = {
  minVertices: number;
  maxVertices: number;
  minPolygons: number;
  maxPolygons: number;
  minPerlin: number;
  maxPerlin: number;
};

export const radialContourOptions = z
  .object({
    meanVertices: z.number().min(1).max(10_000).default(100)
      .describe("mean of the exponential that draws the vertex count"),
    minVertices: z.number().int().min(3).max(10_000).default(3)
      .describe("fewest polygon vertices (smaller draws are redrawn)"),
    maxVertices: z.number().int().min(3).max(10_000).default(200)
      .describe("most polygon vertices (larger draws are redrawn)"),
    minPolygons: z.number().int().min(1).max(1000).default(1)
      .describe("fewest polygons per image"),
    maxPolygons: z.number().int().min(1).max(1000).default(200)
      .describe("most polygons per image"),
    minPerlin: z.number().min(0).max(100).default(0)
      .describe("least Perlin noise strength eta, in reference pixels"),
    maxPerlin: z.number().min(0).max(100).default(4)
      .describe("greatest Perlin noise strength eta, in reference pixels"),
    maxLineWidth: z.number().min(0).max(10).default(0.1)
      .describe("per-polygon outward offset w is uniform in [0, maxLineWidth] reference pixels"),
    maxStartRadius: z.number().int().min(0).max(REFERENCE_SIZE).default(100)
      .describe("start radius is an integer uniform in [0, maxStartRadius] reference pixels"),
    maxOval: z.number().min(1).max(10).default(2)
      .describe("oval ratios along x and y are uniform in [1, maxOval]"),
    centreOffset: z.number().int().min(0).max(REFERENCE_SIZE / 2).default(200)
      .describe("the centre moves up to this many reference pixels from the image centre on each axis"),
    strokeWidth: z.number().min(0.1).max(16).default(1)
      .describe("width of the drawn lines, in output pixels"),
  })
  .strict()
  .refine(...orderedPair<Shape>("minVertices", "maxVertices"))
  .refine(...orderedPair<Shape>("minPolygons", "maxPolygons"))
  .refine(...orderedPair<Shape>("minPerlin", "maxPerlin"));

export type RadialContourOptions = z.infer<typeof radialContourOptions>;

export interface RadialContourParams {
  vertices: number;
  polygons: number;
  /** Perlin noise strength eta. */
  perlin: number;
  /** Outward offset per polygon, the reference's "line width". */
  lineWidth: number;
}

function sampleCategory(spec: ImageSpec<RadialContourOptions>, rng: Rng): RadialContourParams {
  const o = spec.options;
  return {
    vertices: drawVertexCount(o, rng),
    polygons: rng.int(o.minPolygons, o.maxPolygons),
    perlin: rng.uniform(o.minPerlin, o.maxPerlin),
    lineWidth: rng.uniform(0, o.maxLineWidth),
  };
}

/** Draws floor(Exp(mean)) until it falls in [minVertices, maxVertices]. */
function drawVertexCount(o: RadialContourOptions, rng: Rng): number {
  for (let draw = 0; draw < MAX_VERTEX_DRAWS; draw++) {
    // 1 - next() lies in (0, 1], so the logarithm is finite.
    const count = Math.floor(-o.meanVertices * Math.log(1 - rng.next()));
    if (count >= o.minVertices && count <= o.maxVertices) return count;
  }
  throw new InvalidCategoryError(
    `no vertex count in ${o.minVertices}..${o.maxVertices} in ${MAX_VERTEX_DRAWS} exponential draws ` +
      `with mean ${o.meanVertices}; move options.meanVertices into that range`,
  );
}

function perturbCategory(
  base: RadialContourParams,
  d: number,
  spec: ImageSpec<RadialContourOptions>,
  rng: Rng,
): RadialContourParams {
  const o = spec.options;
  return {
    vertices: perturbValue(base.vertices, d, rng, o.minVertices, o.maxVertices, true),
    polygons: perturbValue(base.polygons, d, rng, o.minPolygons, o.maxPolygons, true),
    perlin: perturbValue(base.perlin, d, rng, o.minPerlin, o.maxPerlin),
    lineWidth: perturbValue(base.lineWidth, d, rng, 0, o.maxLineWidth),
  };
}

class RadialContourRenderer implements Renderer<RadialContourParams> {
  private readonly image: FloatImage;
  private readonly scratch: PolylineScratch;
  private readonly xs: Float64Array;
  private readonly ys: Float64Array;
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;

  constructor(private readonly spec: ImageSpec<RadialContourOptions>) {
    const capacity = spec.options.maxVertices;
    this.image = createFloatImage(spec.size, spec.size);
    this.scratch = new PolylineScratch(spec.size, spec.size);
    this.xs = new Float64Array(capacity);
    this.ys = new Float64Array(capacity);
    this.cos = new Float64Array(capacity);
    this.sin = new Float64Array(capacity);
  }

  renderGroup(params: RadialContourParams, _group: number, rng: Rng, out: Canvas[]): void {
    const { size, options: o } = this.spec;
    const { xs, ys, cos, sin, image } = this;
    const scale = size / REFERENCE_SIZE;
    const count = params.vertices;
    const step = (2 * Math.PI) / count;
    const eta = params.perlin;

    const radius = rng.int(0, o.maxStartRadius) * scale;
    const ovalX = rng.uniform(1, o.maxOval);
    const ovalY = rng.uniform(1, o.maxOval);
    const centreX = size / 2 + rng.uniform(-o.centreOffset, o.centreOffset) * scale;
    const centreY = size / 2 + rng.uniform(-o.centreOffset, o.centreOffset) * scale;
    for (let i = 0; i < count; i++) {
      cos[i] = Math.cos(i * step);
      sin[i] = Math.sin(i * step);
      xs[i] = centreX + cos[i] * radius * ovalX;
      ys[i] = centreY + sin[i] * radius * ovalY;
    }

    image.data.fill(255);
    for (let polygon = 0; polygon < params.polygons; polygon++) {
      const grey = rng.int(0, 255);
      for (let i = 0; i < count; i++) {
        const noiseX = 2 * eta * perlin1(rng.next() * NOISE_DOMAIN) - eta;
        const noiseY = 2 * eta * perlin1(rng.next() * NOISE_DOMAIN) - eta;
        xs[i] -= cos[i] * (noiseX - params.lineWidth) * scale;
        ys[i] -= sin[i] * (noiseY - params.lineWidth) * scale;
      }
      strokeClosedPolyline(image, xs, ys, count, o.strokeWidth, grey, this.scratch);
    }
    floatToBytes(image, out[0].data, out[0].channels);
  }
}

export const radialContour: Family<RadialContourOptions, RadialContourParams> = {
  name: "radial-contour",
  summary: "RCDB: concentric polygons displaced by Perlin noise, grey lines on white",
  options: radialContourOptions,
  groupSize: 1,
  sampleCategory,
  perturbCategory,
  createRenderer: (spec) => new RadialContourRenderer(spec),
};
