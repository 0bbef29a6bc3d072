import { UsageError } from "../errors.js";
import type { Family } from "./family.js";
import { fractal } from "./fractal.js";
import { fractal3d } from "./fractal-3d.js";
import { fractalSvd } from "./fractal-svd.js";
import { noise } from "./noise.js";
import { radialContour } from "./radial-contour.js";
import { visualAtom } from "./visual-atom.js";

/** Every family a recipe can name, by name. */
export const FAMILIES: ReadonlyMap<string, Family<any, any>> = new Map(
  [fractal, fractalSvd, fractal3d, visualAtom, radialContour, noise].map((family) => [family.name, family]),
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
