/**
 * A minimal POSIX ustar writer for WebDataset shards: regular files
 * only, names under 100 bytes, mode 0644, owner 0, mtime 0, so the same
 * members give the same bytes. It writes about 4x as many files per
 * second as tar-stream did in a throwaway measurement here (40k vs 10k);
 * the tests read its output with tar-stream, GNU tar and Python tarfile.
 */
import { closeSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { tempName } from "./layout.js";

const BLOCK = 512;

/** Writes one tar file through a temporary name, renamed by `finish`. */
export class TarWriter {
  private readonly temp: string;
  private fd: number;
  /** Bytes written so far. */
  size = 0;

  constructor(readonly path: string) {
    this.temp = join(dirname(path), tempName(basename(path)));
    this.fd = openSync(this.temp, "w");
  }

  add(name: string, data: Uint8Array): void {
    this.write(tarHeader(name, data.length));
    this.write(data);
    const padding = (BLOCK - (data.length % BLOCK)) % BLOCK;
    if (padding > 0) this.write(Buffer.alloc(padding));
  }

  /** Ends the archive with two zero blocks and moves it to its final name. */
  finish(): void {
    this.write(Buffer.alloc(2 * BLOCK));
    closeSync(this.fd);
    renameSync(this.temp, this.path);
  }

  /** Closes and deletes the temporary file, after an error. */
  abort(): void {
    try {
      closeSync(this.fd);
    } catch {
      // Already closed.
    }
    rmSync(this.temp, { force: true });
  }

  private write(data: Uint8Array): void {
    let offset = 0;
    while (offset < data.length) offset += writeSync(this.fd, data, offset);
    this.size += data.length;
  }
}

/** Builds the 512-byte ustar header of a regular file. */
export function tarHeader(name: string, size: number): Buffer {
  const header = Buffer.alloc(BLOCK);
  if (Buffer.byteLength(name) > 100) throw new Error(`tar member name longer than 100 bytes: ${name}`);
  header.write(name, 0, 100, "utf8");
  writeOctal(header, 0o644, 100, 8); // mode
  writeOctal(header, 0, 108, 8); // uid
  writeOctal(header, 0, 116, 8); // gid
  writeOctal(header, size, 124, 12);
  writeOctal(header, 0, 136, 12); // mtime
  header.fill(0x20, 148, 156); // checksum field counts as spaces
  header[156] = 0x30; // typeflag '0': regular file
  header.write("ustar\u000000", 257, 8, "latin1"); // magic and version
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += header[i];
  // Six octal digits, NUL, space: the form GNU tar writes.
  header.write(`${sum.toString(8).padStart(6, "0")}\u0000 `, 148, 8, "latin1");
  return header;
}

/** Writes `value` as zero-padded octal digits and a NUL in `width` bytes. */
function writeOctal(header: Buffer, value: number, offset: number, width: number): void {
  header.write(`${value.toString(8).padStart(width - 1, "0")}\u0000`, offset, width, "latin1");
}
