import { describe, expect, it } from "vitest";
import { ChecksumTable, countDigests, digestAt, UNSET } from "../src/dataset/checksums.js";

const A = "a".repeat(64);
const B = "0123456789abcdef".repeat(4);

describe("ChecksumTable", () => {
  it("writes one hex string per category with unset slots", () => {
    const table = new ChecksumTable(3);
    table.addCategory("00000");
    table.set("00000", 0, A);
    table.set("00000", 2, B);
    const json = table.toJSON();
    expect(Object.keys(json)).toEqual(["00000"]);
    expect(json["00000"]).toBe(A + UNSET + B);
  });

  it("reads digests back by instance", () => {
    const text = A + UNSET + B;
    expect(digestAt(text, 0)).toBe(A);
    expect(digestAt(text, 1)).toBeUndefined();
    expect(digestAt(text, 2)).toBe(B);
    expect(digestAt(text, 3)).toBeUndefined();
    expect(digestAt(undefined, 0)).toBeUndefined();
    expect(countDigests(text)).toBe(2);
  });
});
