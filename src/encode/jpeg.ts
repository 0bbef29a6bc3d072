import type { Canvas } from "../raster/canvas.js";

/** sharp, loaded on first use: libvips costs a worker about 30 MB. */
let sharpModule: Promise<{ default: typeof import("sharp") }> | undefined;

/**
 * Encodes baseline JPEG with sharp (libjpeg-turbo). Greyscale canvases
 * stay one channel. The bytes depend on the libvips build, so the same
 * recipe gives the same JPEG bytes only with the same sharp version.
 */
export class JpegEncoder {
  constructor(private readonly quality: number) {}

  async encode(canvas: Canvas): Promise<Buffer> {
    sharpModule ??= import("sharp");
    const sharp = (await sharpModule).default;
    const { width, height, channels, data } = canvas;
    let image = sharp(data, { raw: { width, height, channels } });
    if (channels === 1) image = image.toColourspace("b-w");
    return image.jpeg({ quality: this.quality, chromaSubsampling: "4:4:4" }).toBuffer();
  }
}
