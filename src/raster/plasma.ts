/**
 * Diamond-square ("plasma") fractal noise (Fournier, Fussell and
 * Carpenter, CACM 1982), used as the background of Anderson and
 * Farrell's improved fractal images (WACV 2022).
 */
import type { Rng } from "../random/rng.js";

let cachedGrid = new Float32Array(0);

/** Returns a scratch grid of n x n floats, reused across calls (every cell is written before it is read). */
function gridFor(n: number): Float32Array {
  if (cachedGrid.length !== n * n) cachedGrid = new Float32Array(n * n);
  return cachedGrid;
}

/**
 * Fills `out` (width * height floats) with diamond-square noise scaled
 * to [0, 1]. The grid is the smallest 2^n + 1 square covering the image,
 * cropped at the top-left. The random displacement amplitude is
 * multiplied by `roughness` (0..1) at each level, so 0.5 gives the
 * classic plasma look and smaller values give smoother clouds.
 */
export function diamondSquare(
  out: Float32Array,
  width: number,
  height: number,
  roughness: number,
  rng: Rng,
): void {
  let side = 1;
  while (side + 1 < Math.max(width, height)) side *= 2;
  const n = side + 1;
  const grid = gridFor(n);
  grid[0] = rng.next();
  grid[side] = rng.next();
  grid[side * n] = rng.next();
  grid[side * n + side] = rng.next();

  let amplitude = 1;
  for (let step = side; step > 1; step >>= 1) {
    const half = step >> 1;
    amplitude *= roughness;
    // Diamond step: centre of each square from its four corners.
    for (let y = half; y < n; y += step) {
      for (let x = half; x < n; x += step) {
        const mean =
          (grid[(y - half) * n + x - half] + grid[(y - half) * n + x + half] +
            grid[(y + half) * n + x - half] + grid[(y + half) * n + x + half]) / 4;
        grid[y * n + x] = mean + amplitude * (rng.next() - 0.5);
      }
    }
    // Square step: midpoint of each edge from its (up to) four neighbours.
    for (let y = 0; y < n; y += half) {
      for (let x = (y / half) % 2 === 0 ? half : 0; x < n; x += step) {
        let sum = 0;
        let count = 0;
        if (y >= half) { sum += grid[(y - half) * n + x]; count++; }
        if (y + half < n) { sum += grid[(y + half) * n + x]; count++; }
        if (x >= half) { sum += grid[y * n + x - half]; count++; }
        if (x + half < n) { sum += grid[y * n + x + half]; count++; }
        grid[y * n + x] = sum / count + amplitude * (rng.next() - 0.5);
      }
    }
  }

  let min = Infinity;
  let max = -Infinity;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = grid[y * n + x];
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  const scale = max > min ? 1 / (max - min) : 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) out[y * width + x] = (grid[y * n + x] - min) * scale;
  }
}
