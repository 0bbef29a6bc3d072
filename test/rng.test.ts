import { describe, expect, it } from "vitest";
import { Rng, Stream, streamRng } from "../src/random/rng.js";

function draw(rng: Rng, n: number): number[] {
  return Array.from({ length: n }, () => rng.nextUint32());
}

describe("xoshiro128**", () => {
  it("matches the reference sequence for state 1, 2, 3, 4", () => {
    // First outputs of the reference C implementation seeded {1, 2, 3, 4}.
    expect(draw(new Rng(1, 2, 3, 4), 4)).toEqual([11520, 0, 5927040, 70819200]);
  });

  it("stays in [0, 1) and [lo, hi]", () => {
    const rng = new Rng(5, 6, 7, 8);
    for (let i = 0; i < 10_000; i++) {
      const u = rng.next();
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
      const k = rng.int(2, 7);
      expect(k).toBeGreaterThanOrEqual(2);
      expect(k).toBeLessThanOrEqual(7);
    }
  });

  it("draws every integer of a range about equally", () => {
    const rng = new Rng(9, 10, 11, 12);
    const counts = [0, 0, 0, 0, 0, 0];
    for (let i = 0; i < 60_000; i++) counts[rng.int(2, 7) - 2]++;
    for (const count of counts) expect(Math.abs(count - 10_000)).toBeLessThan(500);
  });
});

describe("streamRng", () => {
  it("gives the same sequence for the same keys", () => {
    expect(draw(streamRng(7, Stream.Instance, 3, 9), 8)).toEqual(
      draw(streamRng(7, Stream.Instance, 3, 9), 8),
    );
  });

  it("gives other sequences for another seed, stream or key", () => {
    const base = draw(streamRng(7, Stream.Instance, 3, 9), 8);
    expect(draw(streamRng(8, Stream.Instance, 3, 9), 8)).not.toEqual(base);
    expect(draw(streamRng(7, Stream.Category, 3, 9), 8)).not.toEqual(base);
    expect(draw(streamRng(7, Stream.Instance, 4, 9), 8)).not.toEqual(base);
    expect(draw(streamRng(7, Stream.Instance, 3, 10), 8)).not.toEqual(base);
    // Keys are not interchangeable: (3, 9) and (9, 3) are different images.
    expect(draw(streamRng(7, Stream.Instance, 9, 3), 8)).not.toEqual(base);
  });

  it("separates seeds above 2^32", () => {
    const low = draw(streamRng(1, Stream.Category, 0), 4);
    const high = draw(streamRng(1 + 2 ** 32, Stream.Category, 0), 4);
    expect(high).not.toEqual(low);
  });

  it("gives streams with uncorrelated first draws", () => {
    // The first output of 10k neighbouring streams should look uniform:
    // each of 16 buckets near 625.
    const buckets = new Array(16).fill(0);
    for (let group = 0; group < 10_000; group++) {
      buckets[streamRng(0, Stream.Instance, 0, group).nextUint32() >>> 28]++;
    }
    for (const count of buckets) expect(Math.abs(count - 625)).toBeLessThan(110);
  });
});
