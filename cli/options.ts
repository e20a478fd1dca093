/** Option parsing shared by the `hekit` commands: one-line usage errors that name the option. */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;
type Values<T extends Options> = ReturnType<typeof parseArgs<{ options: T; strict: true; allowPositionals: false }>>['values'];

/** `--name value` options only (no positionals); an unknown or malformed option is a UsageError. */
export function parseOptions<const T extends Options>(argv: readonly string[], options: T): Values<T> {
  try {
    return parseArgs({ args: [...argv], allowPositionals: false, strict: true, options }).values;
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0]!.replace(/\. To specify.*$/, ''));
  }
}

export const choice = <T extends string>(name: string, value: string, allowed: readonly T[]): T => {
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}; got "${value}"`);
  return value as T;
};

export const integer = (name: string, value: string, min: number, max: number): number => {
  const n = Number(value);
  if (!/^-?\d+$/.test(value) || n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}; got "${value}"`);
  return n;
};
