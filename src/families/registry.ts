import { UsageError } from "../errors.js";
import type { Family } from "./family.js";
import { fractal } from "./fractal.js";

/** Every family a recipe can name, by name. */
export const FAMILIES: ReadonlyMap<string, Family<any, any>> = new Map(
  [fractal].map((family) => [family.name, family]),
);

/** Returns the family called `name`, or throws a UsageError listing the known ones. */
export function getFamily(name: string): Family<any, any> {
  const family = FAMILIES.get(name);
  if (family === undefined) {
    const known = [...FAMILIES.keys()].join(", ");
    throw new UsageError(`unknown family "${name}"; expected one of: ${known}`);
  }
  return family;
}
