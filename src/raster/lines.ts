/**
 * Anti-aliased strokes on a one-channel floating-point image. Coverage
 * is estimated from the distance of each pixel centre to the segment,
 * so a stroke has a real width and round caps, whatever its length.
 */

/** A one-channel image of floats, row-major, values 0..255. */
export interface FloatImage {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
}

export function createFloatImage(width: number, height: number): FloatImage {
  return { width, height, data: new Float32Array(width * height) };
}

/**
 * Blends a segment of `width` pixels with round caps over `image`:
 * each pixel moves towards `value` by its coverage. Coverage is
 * clamp(width / 2 + 0.5 - distance, 0, 1) for strokes at least 1 px
 * wide. A thinner stroke is drawn as a 1 px stroke with its coverage
 * scaled by its width, so its total ink stays proportional to width.
 * Parts outside the image are clipped; non-finite coordinates draw nothing.
 */
export function strokeSegment(
  image: FloatImage,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  width: number,
  value: number,
): void {
  if (!Number.isFinite(x0 + y0 + x1 + y1)) return;
  const half = Math.max(width, 1) / 2;
  const reach = half + 0.5;
  const gain = Math.min(width, 1);
  const { data, width: w, height: h } = image;

  // Pixel centres px + 0.5 within `reach` of the segment's bounding box.
  const left = Math.max(0, Math.floor(Math.min(x0, x1) - reach + 0.5));
  const right = Math.min(w - 1, Math.floor(Math.max(x0, x1) + reach - 0.5));
  const top = Math.max(0, Math.floor(Math.min(y0, y1) - reach + 0.5));
  const bottom = Math.min(h - 1, Math.floor(Math.max(y0, y1) + reach - 0.5));
  if (!(left <= right && top <= bottom)) return;

  const dx = x1 - x0;
  const dy = y1 - y0;
  const lengthSquared = dx * dx + dy * dy;
  const inverse = lengthSquared > 0 ? 1 / lengthSquared : 0;
  const reachSquared = reach * reach;

  for (let py = top; py <= bottom; py++) {
    const cy = py + 0.5 - y0;
    const row = py * w;
    for (let px = left; px <= right; px++) {
      const cx = px + 0.5 - x0;
      // Project the pixel centre onto the segment, clamped to its ends.
      let t = (cx * dx + cy * dy) * inverse;
      if (t < 0) t = 0;
      else if (t > 1) t = 1;
      const ex = cx - t * dx;
      const ey = cy - t * dy;
      const distanceSquared = ex * ex + ey * ey;
      if (distanceSquared >= reachSquared) continue;
      let coverage = reach - Math.sqrt(distanceSquared);
      if (coverage > 1) coverage = 1;
      coverage *= gain;
      const at = row + px;
      data[at] += (value - data[at]) * coverage;
    }
  }
}

/**
 * Per-pixel coverage of the polyline being drawn, so that pixels shared
 * by consecutive segments are blended once, with the coverage of the
 * nearest segment, instead of once per segment. Create one per image size.
 */
export class PolylineScratch {
  readonly coverage: Float32Array;
  readonly touched: Int32Array;
  touchedCount = 0;

  constructor(width: number, height: number) {
    this.coverage = new Float32Array(width * height);
    this.touched = new Int32Array(width * height);
  }
}

/**
 * Strokes the closed polyline through `count` points (xs[i], ys[i]),
 * segment i joining point i to point (i + 1) % count. A pixel takes the
 * largest coverage of any segment, which is the coverage of its distance
 * to the polyline, and is blended towards `value` once. Points closer
 * than MIN_STEP pixels to the previous kept point are skipped: their
 * detail is below what the anti-aliasing resolves.
 */
export function strokeClosedPolyline(
  image: FloatImage,
  xs: Float64Array,
  ys: Float64Array,
  count: number,
  width: number,
  value: number,
  scratch: PolylineScratch,
): void {
  const { width: w, height: h, data } = image;
  const margin = width / 2 + 1;
  let ax = xs[0];
  let ay = ys[0];
  for (let i = 1; i <= count; i++) {
    const last = i === count;
    const bx = last ? xs[0] : xs[i];
    const by = last ? ys[0] : ys[i];
    const dx = bx - ax;
    const dy = by - ay;
    if (!last && dx * dx + dy * dy < MIN_STEP * MIN_STEP) continue;
    // Cheap rejection of segments wholly off the image: most outer orbits.
    const off =
      (ax < -margin && bx < -margin) ||
      (ay < -margin && by < -margin) ||
      (ax > w + margin && bx > w + margin) ||
      (ay > h + margin && by > h + margin);
    if (!off) coverSegment(scratch, w, h, ax, ay, bx, by, width);
    ax = bx;
    ay = by;
  }

  const { coverage, touched } = scratch;
  for (let k = 0; k < scratch.touchedCount; k++) {
    const at = touched[k];
    data[at] += (value - data[at]) * coverage[at];
    coverage[at] = 0;
  }
  scratch.touchedCount = 0;
}

/** Smallest distance in pixels between consecutive polyline points that are drawn. */
const MIN_STEP = 0.5;

/**
 * Raises the scratch coverage of the pixels near one segment, with the
 * coverage rule of strokeSegment. Each row visits only the pixels whose
 * centres lie in the row's cut through the capsule (the segment widened
 * by `reach`). A capsule is convex, so the cut is one interval: the hull
 * of the cuts through the two end discs and the band between them.
 */
function coverSegment(
  scratch: PolylineScratch,
  w: number,
  h: number,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  width: number,
): void {
  if (!Number.isFinite(x0 + y0 + x1 + y1)) return;
  const reach = Math.max(width, 1) / 2 + 0.5;
  const gain = Math.min(width, 1);
  const top = Math.max(0, Math.floor(Math.min(y0, y1) - reach + 0.5));
  const bottom = Math.min(h - 1, Math.floor(Math.max(y0, y1) + reach - 0.5));
  if (top > bottom) return;

  const { coverage, touched } = scratch;
  const dx = x1 - x0;
  const dy = y1 - y0;
  const lengthSquared = dx * dx + dy * dy;
  const length = Math.sqrt(lengthSquared);
  const inverse = lengthSquared > 0 ? 1 / lengthSquared : 0;
  const reachSquared = reach * reach;
  let count = scratch.touchedCount;

  // Per-segment constants of the band |x dy - cy dx| < reach * length,
  // 0 <= x dx + cy dy <= length^2, solved for x on each row.
  const inverseDx = dx !== 0 ? 1 / dx : 0;
  const inverseDy = dy !== 0 ? 1 / dy : 0;
  const bandHalf = Math.abs(reach * length * inverseDy);
  const slope = dx * inverseDy;
  const tSlope = -dy * inverseDx;
  const tEnd = lengthSquared * inverseDx;

  for (let py = top; py <= bottom; py++) {
    const cy = py + 0.5 - y0;
    // The row's cut through the capsule, relative to x0.
    let low = Infinity;
    let high = -Infinity;
    if (cy * cy < reachSquared) {
      const half = Math.sqrt(reachSquared - cy * cy);
      low = -half;
      high = half;
    }
    const dyEnd = cy - dy;
    if (dyEnd * dyEnd < reachSquared) {
      const half = Math.sqrt(reachSquared - dyEnd * dyEnd);
      if (dx - half < low) low = dx - half;
      if (dx + half > high) high = dx + half;
    }
    if (lengthSquared > 0) {
      let bandLow = -Infinity;
      let bandHigh = Infinity;
      if (dy !== 0) {
        const centre = cy * slope;
        bandLow = centre - bandHalf;
        bandHigh = centre + bandHalf;
      } else if (cy >= reach || cy <= -reach) {
        bandLow = Infinity;
      }
      if (dx !== 0) {
        const a = cy * tSlope;
        const b = a + tEnd;
        if (a < b) {
          if (a > bandLow) bandLow = a;
          if (b < bandHigh) bandHigh = b;
        } else {
          if (b > bandLow) bandLow = b;
          if (a < bandHigh) bandHigh = a;
        }
      } else if (cy * dy < 0 || cy * dy > lengthSquared) {
        bandLow = Infinity;
      }
      if (bandLow < bandHigh) {
        if (bandLow < low) low = bandLow;
        if (bandHigh > high) high = bandHigh;
      }
    }
    if (!(low < high)) continue;

    const left = Math.max(0, Math.ceil(x0 + low - 0.5));
    const right = Math.min(w - 1, Math.floor(x0 + high - 0.5));
    const row = py * w;
    for (let px = left; px <= right; px++) {
      const cx = px + 0.5 - x0;
      let t = (cx * dx + cy * dy) * inverse;
      if (t < 0) t = 0;
      else if (t > 1) t = 1;
      const ex = cx - t * dx;
      const ey = cy - t * dy;
      const distanceSquared = ex * ex + ey * ey;
      if (distanceSquared >= reachSquared) continue;
      let c = reach - Math.sqrt(distanceSquared);
      if (c > 1) c = 1;
      c *= gain;
      const at = row + px;
      const previous = coverage[at];
      if (c <= previous) continue;
      if (previous === 0) touched[count++] = at;
      coverage[at] = c;
    }
  }
  scratch.touchedCount = count;
}

/**
 * Writes a float image into an 8-bit canvas buffer of 1 or 3 channels,
 * rounding and clamping each value to 0..255 (grey copied to R, G, B).
 */
export function floatToBytes(image: FloatImage, out: Uint8Array, channels: 1 | 3): void {
  const { data } = image;
  if (channels === 1) {
    for (let i = 0; i < data.length; i++) out[i] = data[i] + 0.5;
    return;
  }
  for (let i = 0; i < data.length; i++) {
    const v = data[i] + 0.5;
    out[3 * i] = v;
    out[3 * i + 1] = v;
    out[3 * i + 2] = v;
  }
}
