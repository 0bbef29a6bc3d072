/**
 * A reader of IDX files, the format of MNIST and Fashion-MNIST: two zero
 * bytes, a type code, the number of dimensions, one big-endian uint32
 * per dimension, then the values in row-major order. Only the unsigned
 * byte type (0x08) is supported, which is what both datasets use.
 */
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { UsageError } from "../errors.js";

/** Type code of unsigned 8-bit values. */
const UINT8 = 0x08;

/** The first two bytes of a gzip stream (RFC 1952). An IDX file starts with two zero bytes instead. */
const GZIP_MAGIC = [0x1f, 0x8b] as const;

/** A uint8 array read from an IDX file. */
export interface IdxArray {
  /** Size of each dimension, outermost first. */
  shape: number[];
  /** The values in row-major order. */
  data: Uint8Array;
}

/**
 * Reads an IDX file of unsigned bytes, gunzipping it first when it starts
 * with the gzip magic number, so `.gz` and uncompressed files both work.
 * Throws a UsageError naming the file when it is corrupt or truncated,
 * with `fix` as the advice at the end of the message.
 */
export function readIdx(path: string, fix = "replace the file with an intact copy"): IdxArray {
  const bytes = decompress(path, readFileSync(path), fix);
  const invalidFile = (reason: string) => new UsageError(`invalid IDX file ${path}: ${reason}; ${fix}`);

  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) {
    throw invalidFile("bad magic number, expected two zero bytes");
  }
  if (bytes[2] !== UINT8) {
    throw invalidFile(`type code 0x${bytes[2].toString(16).padStart(2, "0")}, expected 0x08 (unsigned byte)`);
  }
  const dimensions = bytes[3];
  const headerSize = 4 + 4 * dimensions;
  if (dimensions === 0 || bytes.length < headerSize) {
    throw invalidFile(`header of ${dimensions} dimensions is incomplete (file size ${bytes.length} bytes)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  for (let i = 0; i < dimensions; i++) shape.push(view.getUint32(4 + 4 * i));

  const expected = shape.reduce((product, size) => product * size, 1);
  const actual = bytes.length - headerSize;
  if (actual !== expected) {
    throw invalidFile(
      `the header declares shape [${shape.join(", ")}] (${expected} bytes of data), ` +
        `but the file contains ${actual}, so it is truncated or corrupt`,
    );
  }
  return { shape, data: bytes.subarray(headerSize) };
}

function decompress(path: string, bytes: Buffer, fix: string): Buffer {
  if (bytes[0] !== GZIP_MAGIC[0] || bytes[1] !== GZIP_MAGIC[1]) return bytes;
  try {
    return gunzipSync(bytes);
  } catch (error) {
    throw new UsageError(`invalid IDX file ${path}: gzip data is corrupt (${(error as Error).message}); ${fix}`);
  }
}
