/**
 * One-dimensional gradient noise in the manner of Perlin's improved
 * noise (K. Perlin, "Improving Noise", SIGGRAPH 2002): each integer
 * lattice point i has a gradient g(i) in [-2, 2], picked through a
 * 256-entry permutation, and noise(x) blends g(i) (x - i) and
 * g(i + 1) (x - i - 1) with the quintic fade 6t^5 - 15t^4 + 10t^3.
 * Values lie in [-1, 1], 0 at every integer, and the pattern repeats
 * every 256 units. (pnoise1 of the Python `noise` package, which the
 * RCDB and VisualAtom reference renderers call, uses integer gradients
 * 1..8 scaled by 0.4, a similar spread.)
 *
 * The permutation and gradients come from a fixed seed, so the noise
 * function is the same in every process; callers get randomness by
 * sampling it at random positions, as the RCDB and VisualAtom reference
 * renderers do.
 */
import { Rng } from "../random/rng.js";

const PERIOD = 256;

/** Permutation of 0..255 repeated twice, so hash lookups need no wrap. */
const permutation = new Uint8Array(2 * PERIOD);
const gradients = new Float64Array(PERIOD);

{
  // Fixed, arbitrary seed: the table must never change, or every image does.
  const rng = new Rng(0x5eed0001, 0x5eed0002, 0x5eed0003, 0x5eed0004);
  const order = Array.from({ length: PERIOD }, (_, i) => i);
  for (let i = PERIOD - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [order[i], order[j]] = [order[j], order[i]];
  }
  for (let i = 0; i < 2 * PERIOD; i++) permutation[i] = order[i % PERIOD];
  for (let i = 0; i < PERIOD; i++) gradients[i] = rng.uniform(-2, 2);
}

/** Returns the noise value at `x`, in [-1, 1]. */
export function perlin1(x: number): number {
  const floor = Math.floor(x);
  const i = floor & (PERIOD - 1);
  const t = x - floor;
  const fade = t * t * t * (t * (t * 6 - 15) + 10);
  const g0 = gradients[permutation[i]];
  const g1 = gradients[permutation[i + 1]];
  const a = g0 * t;
  const b = g1 * (t - 1);
  return a + fade * (b - a);
}
