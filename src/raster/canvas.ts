/** Channels per pixel: 1 for grayscale, 3 for RGB. */
export type Channels = 1 | 3;

/**
 * An 8-bit image. `data` is row-major from the top-left corner, channels
 * interleaved (R, G, B for RGB), `width * channels` bytes per row with no
 * padding, values 0 (black) to 255.
 */
export interface Canvas {
  readonly width: number;
  readonly height: number;
  readonly channels: Channels;
  readonly data: Uint8Array;
}

/** Allocates a black canvas. Workers allocate once and reuse it. */
export function createCanvas(width: number, height: number, channels: Channels): Canvas {
  return { width, height, channels, data: new Uint8Array(width * height * channels) };
}

/** The four mirror images of a render, in instance order. */
export const FLIPS = ["none", "horizontal", "vertical", "both"] as const;
export type Flip = (typeof FLIPS)[number];

/**
 * Writes `source` mirrored by `flip` into `target`, which must have the
 * same shape. `horizontal` mirrors left-right, `vertical` top-bottom.
 */
export function flipInto(source: Canvas, target: Canvas, flip: Flip): void {
  const { width, height, channels } = source;
  const src = source.data;
  const dst = target.data;
  const stride = width * channels;
  const mirrorRows = flip === "vertical" || flip === "both";
  const mirrorColumns = flip === "horizontal" || flip === "both";

  for (let y = 0; y < height; y++) {
    const srcRow = y * stride;
    const dstRow = (mirrorRows ? height - 1 - y : y) * stride;
    dst.set(src.subarray(srcRow, srcRow + stride), dstRow);
    if (!mirrorColumns) continue;
    if (channels === 1) {
      // A greyscale row mirrors as a byte reversal, done natively.
      dst.subarray(dstRow, dstRow + stride).reverse();
      continue;
    }
    for (let x = 0; x < width; x++) {
      const from = srcRow + x * channels;
      const to = dstRow + (width - 1 - x) * channels;
      for (let c = 0; c < channels; c++) dst[to + c] = src[from + c];
    }
  }
}

/** Returns the share of pixels with any non-zero channel, in [0, 1]. */
export function fillingRate(canvas: Canvas): number {
  const { data, channels } = canvas;
  let filled = 0;
  if (channels === 1) {
    for (let i = 0; i < data.length; i++) if (data[i] !== 0) filled++;
    return filled / data.length;
  }
  for (let i = 0; i < data.length; i += channels) {
    let any = 0;
    for (let c = 0; c < channels; c++) any |= data[i + c];
    if (any !== 0) filled++;
  }
  return filled / (canvas.width * canvas.height);
}
