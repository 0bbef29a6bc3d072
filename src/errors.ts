/**
 * Errors that reach the command line map to exit codes: 2 for a usage
 * error (a bad recipe, flag, params file or output path), 1 for a failure
 * while working (a category that cannot be found, a failed write, an
 * invalid dataset).
 */
export class FdslError extends Error {
  /** The process exit code for this error. */
  readonly exitCode: number = 1;
}

/** Invalid input from the user: the message names the value and the fix. */
export class UsageError extends FdslError {
  override readonly exitCode = 2;
}

/** A category search or render that could not produce a valid image. */
export class InvalidCategoryError extends FdslError {}

/** A dataset that breaks a validation rule. */
export class ValidationError extends FdslError {}

/** Describes a value for a message: its JSON form and its type. */
export function describeValue(value: unknown): string {
  const type = value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
  let shown: string;
  try {
    shown = JSON.stringify(value) ?? String(value);
  } catch {
    shown = String(value);
  }
  if (shown.length > 60) shown = `${shown.slice(0, 57)}...`;
  return `${shown} (${type})`;
}
