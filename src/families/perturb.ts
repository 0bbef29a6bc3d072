import type { Rng } from "../random/rng.js";

/**
 * Multiplies `value` by a factor uniform in [1 - d, 1 + d], rounds it
 * when `integer`, and clamps it to [min, max]: one parameter of a
 * 1p-frac category.
 */
export function perturbValue(
  value: number,
  d: number,
  rng: Rng,
  min: number,
  max: number,
  integer = false,
): number {
  let scaled = value * rng.uniform(1 - d, 1 + d);
  if (integer) scaled = Math.round(scaled);
  return Math.min(max, Math.max(min, scaled));
}

/** Returns the arguments of a zod `refine` that requires option `low` <= option `high`. */
export function orderedPair<T extends Record<string, unknown>>(
  low: keyof T & string,
  high: keyof T & string,
): [(o: T) => boolean, { error: (issue: { input?: unknown }) => string; path: PropertyKey[] }] {
  return [
    (o: T) => (o[low] as number) <= (o[high] as number),
    {
      error: (issue) => {
        const o = issue.input as T;
        return `${low} (${String(o[low])}) must not exceed ${high} (${String(o[high])})`;
      },
      path: [low],
    },
  ];
}
