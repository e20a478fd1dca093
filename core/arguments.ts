/**
 * Checks of public entry points' arguments, so that a wrong type becomes a typed error naming
 * the argument (INVALID_ARGUMENT, `details.argument`) instead of a TypeError from deep inside.
 */
import { HeError } from './errors.js';
import { createParams, type CkksParams, type CkksParamsLiteral } from './params/index.js';

const typeName = (x: unknown): string => (x === null ? 'null' : Array.isArray(x) ? 'an array' : typeof x);

/** `options` itself, `{}` for undefined; INVALID_ARGUMENT naming `name` for anything but a plain object. */
export function optionsArgument<T extends object>(options: T | undefined, op: string, name = 'options'): T {
  if (options === undefined) return {} as T;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new HeError('INVALID_ARGUMENT', `${op}: ${name} must be an object or omitted; got ${typeName(options)}`, { op, argument: name });
  }
  return options;
}

/**
 * Checked parameters from `params`: a `CkksParams` as is, a literal through `createParams`
 * (PARAMS_INVALID or PARAMS_INSECURE for bad values). INVALID_ARGUMENT naming `name` when it is
 * not an object at all (a number, a string, null).
 */
export function paramsArgument(params: CkksParams | CkksParamsLiteral, op: string, name = 'params'): CkksParams {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new HeError('INVALID_ARGUMENT', `${op}: ${name} must be checked parameters (createParams) or a parameter literal such as { ringDegree: 8192, bitSizes: [60, 40, 60], scale: 2 ** 40 }; got ${typeName(params)}`,
      { op, argument: name });
  }
  return 'primes' in params ? params : createParams(params);
}
