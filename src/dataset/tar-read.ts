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
  const reader = extract();
  const done = new Promise<void>((resolve, reject) => {
    reader.on("entry", (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk) => chunks.push(chunk as Buffer));
      stream.on("end", () => {
        if (header.type === "file") members.push({ name: header.name, data: Buffer.concat(chunks) });
        next();
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
  return members;
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
  for (const { name, data } of await readTar(path)) {
    const match = /^(\d+)_(\d+)\.([a-z]+)$/.exec(name);
    if (match === null || match[3] !== layout.extension) continue;
    images.push({
      name,
      category: Number(match[1]),
      instance: Number(match[2]),
      digest: createHash("sha256").update(data).digest("hex"),
    });
  }
  return images;
}
