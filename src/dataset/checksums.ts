/**
 * The SHA-256 digests of a dataset's images. In memory they are raw
 * bytes, 32 per image; in the manifest each category is one string of
 * 64 hex digits per instance, with UNSET where the manifest's shard makes
 * no image. One million images take 32 MB in memory and 64 MB of JSON.
 */

/** Hex digits of one digest. */
export const DIGEST_HEX = 64;

/** The stand-in for an image this shard does not make. */
export const UNSET = "-".repeat(DIGEST_HEX);

const DIGEST_BYTES = DIGEST_HEX / 2;

export class ChecksumTable {
  private readonly digests = new Map<string, Buffer>();
  private readonly present = new Map<string, Uint8Array>();

  constructor(private readonly instances: number) {}

  /** Adds a category whose images this shard makes, all still missing. */
  addCategory(name: string): void {
    if (this.digests.has(name)) return;
    this.digests.set(name, Buffer.alloc(this.instances * DIGEST_BYTES));
    this.present.set(name, new Uint8Array(this.instances));
  }

  set(name: string, instance: number, hex: string): void {
    this.digests.get(name)!.write(hex, instance * DIGEST_BYTES, DIGEST_BYTES, "hex");
    this.present.get(name)![instance] = 1;
  }

  /** Returns the manifest form: one string per category, UNSET where missing. */
  toJSON(): Record<string, string> {
    const json: Record<string, string> = {};
    for (const [name, digests] of this.digests) {
      const present = this.present.get(name)!;
      let text = "";
      for (let i = 0; i < this.instances; i++) {
        text += present[i] ? digests.toString("hex", i * DIGEST_BYTES, (i + 1) * DIGEST_BYTES) : UNSET;
      }
      json[name] = text;
    }
    return json;
  }
}

/** Returns instance `instance`'s digest from a manifest string, or undefined if unset. */
export function digestAt(text: string | undefined, instance: number): string | undefined {
  if (text === undefined) return undefined;
  const digest = text.slice(instance * DIGEST_HEX, (instance + 1) * DIGEST_HEX);
  return digest.length === DIGEST_HEX && digest !== UNSET ? digest : undefined;
}

/** Counts the set digests of a manifest string. */
export function countDigests(text: string): number {
  let count = 0;
  for (let i = 0; i * DIGEST_HEX < text.length; i++) if (digestAt(text, i) !== undefined) count++;
  return count;
}
