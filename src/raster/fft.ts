/**
 * In-place radix-2 complex FFT (Cooley-Tukey, decimation in time) on
 * separate real and imaginary arrays, and its 2D form on square grids.
 * Twiddle factors and the bit-reversal permutation are computed once
 * per size and cached.
 */

interface Plan {
  cos: Float64Array;
  sin: Float64Array;
  /** Pairs (i, j), i < j, to swap for the bit-reversal permutation. */
  swaps: Int32Array;
}

const plans = new Map<number, Plan>();

function planFor(n: number): Plan {
  let plan = plans.get(n);
  if (plan !== undefined) return plan;
  const cos = new Float64Array(n / 2);
  const sin = new Float64Array(n / 2);
  for (let k = 0; k < n / 2; k++) {
    cos[k] = Math.cos((2 * Math.PI * k) / n);
    sin[k] = Math.sin((2 * Math.PI * k) / n);
  }
  const swaps: number[] = [];
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) swaps.push(i, j);
  }
  plan = { cos, sin, swaps: Int32Array.from(swaps) };
  plans.set(n, plan);
  return plan;
}

/**
 * Transforms `n` complex values (re[offset + k * stride], im[...]) in
 * place; `n` must be a power of two. `inverse` uses the conjugate
 * twiddles and does not divide by n.
 */
export function fft(
  re: Float64Array,
  im: Float64Array,
  n: number,
  offset: number,
  stride: number,
  inverse: boolean,
): void {
  const { cos, sin, swaps } = planFor(n);
  for (let s = 0; s < swaps.length; s += 2) {
    const a = offset + swaps[s] * stride;
    const b = offset + swaps[s + 1] * stride;
    let t = re[a]; re[a] = re[b]; re[b] = t;
    t = im[a]; im[a] = im[b]; im[b] = t;
  }
  // Forward: w = exp(-2 pi i k / length); inverse: its conjugate.
  const sign = inverse ? 1 : -1;
  for (let length = 2; length <= n; length <<= 1) {
    const half = length >> 1;
    const step = n / length;
    for (let start = 0; start < n; start += length) {
      for (let k = 0; k < half; k++) {
        const wRe = cos[k * step];
        const wIm = sign * sin[k * step];
        const a = offset + (start + k) * stride;
        const b = a + half * stride;
        const xRe = re[b] * wRe - im[b] * wIm;
        const xIm = re[b] * wIm + im[b] * wRe;
        re[b] = re[a] - xRe;
        im[b] = im[a] - xIm;
        re[a] += xRe;
        im[a] += xIm;
      }
    }
  }
}

/** Transforms an n x n row-major complex grid in place (n a power of two). */
export function fft2(re: Float64Array, im: Float64Array, n: number, inverse: boolean): void {
  for (let row = 0; row < n; row++) fft(re, im, n, row * n, 1, inverse);
  for (let column = 0; column < n; column++) fft(re, im, n, column, n, inverse);
}

/** Returns the smallest power of two >= `value`. */
export function nextPowerOfTwo(value: number): number {
  let n = 1;
  while (n < value) n *= 2;
  return n;
}
