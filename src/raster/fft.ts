/**
 * In-place radix-2 complex FFT (Cooley-Tukey, decimation in time) on
 * separate real and imaginary arrays, and its 2D form on square grids.
 */

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
  // Bit-reversal permutation.
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      const a = offset + i * stride;
      const b = offset + j * stride;
      let t = re[a]; re[a] = re[b]; re[b] = t;
      t = im[a]; im[a] = im[b]; im[b] = t;
    }
  }
  const sign = inverse ? 1 : -1;
  for (let length = 2; length <= n; length <<= 1) {
    const angle = (sign * 2 * Math.PI) / length;
    const stepRe = Math.cos(angle);
    const stepIm = Math.sin(angle);
    const half = length >> 1;
    for (let start = 0; start < n; start += length) {
      let wRe = 1;
      let wIm = 0;
      for (let k = 0; k < half; k++) {
        const a = offset + (start + k) * stride;
        const b = a + half * stride;
        const xRe = re[b] * wRe - im[b] * wIm;
        const xIm = re[b] * wIm + im[b] * wRe;
        re[b] = re[a] - xRe;
        im[b] = im[a] - xIm;
        re[a] += xRe;
        im[a] += xIm;
        const nextRe = wRe * stepRe - wIm * stepIm;
        wIm = wRe * stepIm + wIm * stepRe;
        wRe = nextRe;
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
