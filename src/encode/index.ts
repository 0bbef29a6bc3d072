import type { Canvas } from "../raster/canvas.js";
import { JpegEncoder } from "./jpeg.js";
import { PngEncoder } from "./png.js";

/** Image file formats fdsl writes. */
export const IMAGE_FORMATS = ["png", "jpg"] as const;
export type ImageFormat = (typeof IMAGE_FORMATS)[number];

/** Turns canvases into file bytes; one per worker, reused. */
export interface ImageEncoder {
  /** File extension without the dot. */
  readonly extension: ImageFormat;
  encode(canvas: Canvas): Buffer | Promise<Buffer>;
}

/** Creates the encoder of `format`; `quality` (1..100) applies to JPEG. */
export function createEncoder(format: ImageFormat, quality = 95): ImageEncoder {
  if (format === "jpg") {
    const jpeg = new JpegEncoder(quality);
    return { extension: "jpg", encode: (canvas) => jpeg.encode(canvas) };
  }
  const png = new PngEncoder();
  return { extension: "png", encode: (canvas) => png.encode(canvas) };
}
