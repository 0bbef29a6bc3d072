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
 * wide; a thinner stroke is drawn as a 1 px stroke whose coverage is
 * scaled by its width, which keeps its total ink proportional to width.
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

  const left = Math.max(0, Math.floor(Math.min(x0, x1) - reach));
  const right = Math.min(w - 1, Math.ceil(Math.max(x0, x1) + reach));
  const top = Math.max(0, Math.floor(Math.min(y0, y1) - reach));
  const bottom = Math.min(h - 1, Math.ceil(Math.max(y0, y1) + reach));
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
      t = t < 0 ? 0 : t > 1 ? 1 : t;
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
 * Strokes the closed polyline through `count` points (xs[i], ys[i]),
 * segment i joining point i to point (i + 1) % count.
 */
export function strokeClosedPolyline(
  image: FloatImage,
  xs: Float64Array,
  ys: Float64Array,
  count: number,
  width: number,
  value: number,
): void {
  const { width: w, height: h } = image;
  const margin = width / 2 + 1;
  for (let i = 0; i < count; i++) {
    const j = i + 1 === count ? 0 : i + 1;
    const ax = xs[i];
    const ay = ys[i];
    const bx = xs[j];
    const by = ys[j];
    // Cheap rejection of segments wholly off the image: most outer orbits.
    if (ax < -margin && bx < -margin) continue;
    if (ay < -margin && by < -margin) continue;
    if (ax > w + margin && bx > w + margin) continue;
    if (ay > h + margin && by > h + margin) continue;
    strokeSegment(image, ax, ay, bx, by, width, value);
  }
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
