/** Parses a whole-number argument of a primitive within bounds, or throws naming the problem. */
export function countArgument(raw: string | undefined, min: number, max: number): number {
  const value = Number(raw);
  if (raw === undefined || !Number.isInteger(value) || value < min || value > max) {
    throw new Error(`"${raw ?? ''}" is not a whole number from ${min} to ${max}`);
  }
  return value;
}
