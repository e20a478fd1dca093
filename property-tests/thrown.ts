import { HeError } from '../core/errors.js';

/** The HeError `f` throws; fails the test if it returns or throws something else. */
export function thrown(f: () => unknown): HeError {
  try {
    f();
  } catch (e) {
    if (e instanceof HeError) return e;
    throw e;
  }
  throw new Error('expected an HeError');
}
