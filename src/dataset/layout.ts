/**
 * Names in the ImageFolder layout: `<out>/<category>/<category>_<instance>.<ext>`,
 * zero-padded so that lexical order is numeric order (torchvision's
 * ImageFolder numbers classes in sorted folder order).
 */
export interface Layout {
  categoryDigits: number;
  instanceDigits: number;
  extension: string;
}

export function createLayout(classes: number, instances: number, extension: string): Layout {
  return {
    categoryDigits: Math.max(5, String(classes - 1).length),
    instanceDigits: Math.max(4, String(instances - 1).length),
    extension,
  };
}

export function categoryName(layout: Layout, category: number): string {
  return String(category).padStart(layout.categoryDigits, "0");
}

export function imageName(layout: Layout, category: number, instance: number): string {
  const id = String(instance).padStart(layout.instanceDigits, "0");
  return `${categoryName(layout, category)}_${id}.${layout.extension}`;
}

/** Temporary files start with this and end with TEMP_SUFFIX. */
export const TEMP_PREFIX = ".fdsl-";
export const TEMP_SUFFIX = ".tmp";

/** Returns the name an image is written under before its rename. */
export function tempName(name: string): string {
  return `${TEMP_PREFIX}${name}${TEMP_SUFFIX}`;
}

export function isTempName(name: string): boolean {
  return name.startsWith(TEMP_PREFIX) && name.endsWith(TEMP_SUFFIX);
}
