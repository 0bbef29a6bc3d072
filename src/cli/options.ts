import { InvalidArgumentError } from "commander";

/** Parses a flag value as an integer, naming the flag when it is not one. */
export function integerFlag(flag: string) {
  return (value: string): number => {
    if (!/^-?\d+$/.test(value.trim())) {
      throw new InvalidArgumentError(`${flag} expects an integer; received "${value}"`);
    }
    const number = Number(value);
    if (!Number.isSafeInteger(number)) {
      throw new InvalidArgumentError(
        `${flag} expects an integer up to ${Number.MAX_SAFE_INTEGER}; received "${value}"`,
      );
    }
    return number;
  };
}
