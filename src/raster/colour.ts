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

/** Converts 8-bit RGB to hue, saturation and value in [0, 1]. */
export function rgbToHsv(r: number, g: number, b: number): [number, number, number] {
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const delta = max - min;
  let hue = 0;
  if (delta > 0) {
    if (max === r) hue = ((g - b) / delta + 6) % 6;
    else if (max === g) hue = (b - r) / delta + 2;
    else hue = (r - g) / delta + 4;
  }
  return [hue / 6, max > 0 ? delta / max : 0, max / 255];
}

/**
 * Returns a 256-entry RGB lookup table (768 bytes) that interpolates
 * linearly between `stops`, colours given as [r, g, b] bytes and spaced
 * evenly over 0..255.
 */
export function gradientPalette(stops: [number, number, number][]): Uint8Array {
  const table = new Uint8Array(256 * 3);
  const segments = stops.length - 1;
  for (let i = 0; i < 256; i++) {
    const position = segments > 0 ? (i / 255) * segments : 0;
    const k = Math.min(Math.floor(position), Math.max(segments - 1, 0));
    const t = position - k;
    const a = stops[k];
    const b = stops[Math.min(k + 1, segments)];
    for (let c = 0; c < 3; c++) table[3 * i + c] = Math.round(a[c] + (b[c] - a[c]) * t);
  }
  return table;
}
