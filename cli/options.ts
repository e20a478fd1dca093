/** Option parsing shared by the `hekit` commands: one-line usage errors that name the option. */

export class UsageError extends Error {}

export const choice = <T extends string>(name: string, value: string, allowed: readonly T[]): T => {
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}; got "${value}"`);
  return value as T;
};

export const integer = (name: string, value: string, min: number, max: number): number => {
  const n = Number(value);
  if (!/^-?\d+$/.test(value) || n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}; got "${value}"`);
  return n;
};
