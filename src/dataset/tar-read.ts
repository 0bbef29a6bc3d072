import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { extract } from "tar-stream";
import type { Layout } from "./layout.js";

/** One regular file of a tar archive. */
export interface TarMember {
  name: string;
  data: Buffer;
}

/** Reads every regular file of a tar archive with tar-stream. */
export async function readTar(path: string): Promise<TarMember[]> {
  const members: TarMember[] = [];
  await forEachTarMember(path, (member) => members.push(member));
  return members;
}

/**
 * Calls `visit` with each regular file of a tar archive in turn, holding
 * one member in memory at a time (a tar of fdsl's is about 1 GB).
 */
export async function forEachTarMember(path: string, visit: (member: TarMember) => void): Promise<void> {
  const reader = extract();
  const done = new Promise<void>((resolve, reject) => {
    reader.on("entry", (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk) => chunks.push(chunk as Buffer));
      stream.on("end", () => {
        try {
          if (header.type === "file") visit({ name: header.name, data: Buffer.concat(chunks) });
          next();
        } catch (error) {
          reject(error);
        }
      });
      stream.on("error", reject);
    });
    reader.on("finish", resolve);
    reader.on("error", reject);
  });
  const input = createReadStream(path);
  input.on("error", (error) => reader.destroy(error));
  input.pipe(reader);
  await done;
}

/** An image sample found in a WebDataset tar. */
export interface TarImage {
  name: string;
  category: number;
  instance: number;
  digest: string;
}

/** Lists the image members of a tar with the SHA-256 of each. */
export async function readTarImages(path: string, layout: Layout): Promise<TarImage[]> {
  const images: TarImage[] = [];
  await forEachTarMember(path, ({ name, data }) => {
    const match = /^(\d+)_(\d+)\.([a-z]+)$/.exec(name);
    if (match === null || match[3] !== layout.extension) return;
    images.push({
      name,
      category: Number(match[1]),
      instance: Number(match[2]),
      digest: createHash("sha256").update(data).digest("hex"),
    });
  });
  return images;
}
