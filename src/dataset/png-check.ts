/**
 * A fast structural check of a PNG file, for validating millions of
 * images: signature, chunk CRCs, IHDR fields, and the image data
 * inflated to exactly the size the header implies, with a valid filter
 * type on every row. A file that passes contains decodable pixels, though the
 * pixel values themselves are not unfiltered. It reads non-interlaced
 * PNGs only; other files go to a full decoder.
 */
import { crc32, inflateSync } from "node:zlib";

/** The image shape from the header, or the reason the file is broken. */
export type PngCheck =
  | { ok: true; width: number; height: number; channels: number }
  | { ok: false; reason: string }
  | { ok: "unsupported" };

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Samples per pixel by colour type; a palette image decodes to RGB. */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 3, 4: 2, 6: 4 };

/** Returns whether `bytes` starts with the PNG signature. */
export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && SIGNATURE.every((b, i) => bytes[i] === b);
}

export function checkPng(bytes: Buffer): PngCheck {
  if (!isPng(bytes)) return { ok: false, reason: "no PNG signature" };
  let at = 8;
  let header: { width: number; height: number; colourType: number; depth: number } | null = null;
  const idat: Buffer[] = [];
  let ended = false;

  while (at + 12 <= bytes.length) {
    const length = bytes.readUInt32BE(at);
    const type = bytes.toString("latin1", at + 4, at + 8);
    const end = at + 12 + length;
    if (end > bytes.length) return { ok: false, reason: `chunk ${type} is truncated` };
    if (crc32(bytes.subarray(at + 4, at + 8 + length)) !== bytes.readUInt32BE(at + 8 + length)) {
      return { ok: false, reason: `chunk ${type} fails its CRC` };
    }
    const body = bytes.subarray(at + 8, at + 8 + length);
    if (type === "IHDR") {
      if (body[12] !== 0) return { ok: "unsupported" }; // interlaced
      header = { width: body.readUInt32BE(0), height: body.readUInt32BE(4), depth: body[8], colourType: body[9] };
    } else if (type === "IDAT") {
      idat.push(body);
    } else if (type === "IEND") {
      ended = true;
      break;
    }
    at = end;
  }
  if (header === null) return { ok: false, reason: "no IHDR chunk" };
  if (!ended) return { ok: false, reason: "no IEND chunk: the file is truncated" };
  const channels = CHANNELS[header.colourType];
  if (channels === undefined) return { ok: false, reason: `invalid colour type ${header.colourType}` };
  const samples = header.colourType === 3 ? 1 : channels;
  return checkImageData(idat, header.width, header.height, Math.ceil((header.width * samples * header.depth) / 8), channels);
}

function checkImageData(idat: Buffer[], width: number, height: number, stride: number, channels: number): PngCheck {
  let raw: Buffer;
  try {
    raw = inflateSync(Buffer.concat(idat));
  } catch (error) {
    return { ok: false, reason: `image data does not inflate (${(error as Error).message})` };
  }
  if (raw.length !== (stride + 1) * height) {
    return { ok: false, reason: `image data holds ${raw.length} bytes; the header implies ${(stride + 1) * height}` };
  }
  for (let y = 0; y < height; y++) {
    if (raw[y * (stride + 1)] > 4) return { ok: false, reason: `row ${y} has invalid filter type` };
  }
  return { ok: true, width, height, channels };
}
