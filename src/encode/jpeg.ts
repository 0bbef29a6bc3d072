import sharp from "sharp";
import type { Canvas } from "../raster/canvas.js";

/**
 * Encodes baseline JPEG with sharp (libjpeg-turbo). Greyscale canvases
 * stay one channel. The bytes depend on the libvips build, so the same
 * recipe gives the same JPEG bytes only with the same sharp version.
 */
export class JpegEncoder {
  constructor(private readonly quality: number) {}

  encode(canvas: Canvas): Promise<Buffer> {
    const { width, height, channels, data } = canvas;
    let image = sharp(data, { raw: { width, height, channels } });
    if (channels === 1) image = image.toColourspace("b-w");
    return image.jpeg({ quality: this.quality, chromaSubsampling: "4:4:4" }).toBuffer();
  }
}
