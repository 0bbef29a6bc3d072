/**
 * Returns `steps` RGB colours evenly spaced in hue at the given
 * saturation and value (both 0..1), as bytes r, g, b, r, g, b, ...
 * The FractalDB reference colours point i with hue (i % 128) / 128 at
 * saturation 0.75 and value 0.75.
 */
export function hueCycle(steps: number, saturation: number, value: number): Uint8Array {
  const palette = new Uint8Array(3 * steps);
  for (let i = 0; i < steps; i++) {
    const [r, g, b] = hsvToRgb(i / steps, saturation, value);
    palette[3 * i] = r;
    palette[3 * i + 1] = g;
    palette[3 * i + 2] = b;
  }
  return palette;
}

/** Converts hue, saturation and value in [0, 1] to 8-bit RGB. */
export function hsvToRgb(hue: number, saturation: number, value: number): [number, number, number] {
  const h = (hue - Math.floor(hue)) * 6;
  const sector = Math.floor(h);
  const f = h - sector;
  const p = value * (1 - saturation);
  const q = value * (1 - saturation * f);
  const t = value * (1 - saturation * (1 - f));
  const rgb = [
    [value, t, p],
    [q, value, p],
    [p, value, t],
    [p, q, value],
    [t, p, value],
    [value, p, q],
  ][sector % 6];
  return [Math.round(rgb[0] * 255), Math.round(rgb[1] * 255), Math.round(rgb[2] * 255)];
}
