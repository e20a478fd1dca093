import { HeError, type HeErrorCode } from '../../core/errors.js';

/** SEAL 4.1's exception messages (NOISE.md §2.9), each mapped to the code the checked layer uses. */
const byMessage: ReadonlyArray<readonly [string, HeErrorCode]> = [
  ['scale mismatch', 'SCALE_MISMATCH'],
  ['encrypted1 and encrypted2 parameter mismatch', 'LEVEL_MISMATCH'],
  ['encrypted and plain parameter mismatch', 'LEVEL_MISMATCH'],
  ['encrypted_ntt and plain_ntt parameter mismatch', 'LEVEL_MISMATCH'],
  ['scale out of bounds', 'SCALE_OUT_OF_BOUNDS'],
  ['encoded values are too large', 'VALUES_TOO_LARGE'],
  ['values_size is too large', 'INVALID_VALUES'],
  ['result ciphertext is transparent', 'TRANSPARENT_RESULT'],
  ['Galois key not present', 'MISSING_ROTATION_KEY'],
  ['step count too large', 'ROTATION_STEP_TOO_LARGE'],
  ['encrypted size must be 2', 'NOT_RELINEARIZED'],
  ['not enough relinearization keys', 'RELIN_KEYS_INSUFFICIENT'],
  ['end of modulus switching chain reached', 'LEVEL_EXHAUSTED'],
  ['cannot switch to higher level modulus', 'INVALID_LEVEL'],
  ['keyswitching is not supported by the context', 'NO_KEY_SWITCHING'],
];

/** Translates a node-seal failure; unknown ones become BACKEND_INTERNAL with the original as `cause`. */
export function fromSeal(op: string, cause: unknown, context: Readonly<Record<string, unknown>> = {}): HeError {
  if (cause instanceof HeError) return cause;
  const message = cause instanceof Error ? cause.message : String(cause);
  const match = byMessage.find(([m]) => message === m);
  if (match) return new HeError(match[1], `${op}: SEAL: ${message}`, { op, ...context, seal: message }, { cause });
  if (/bad_alloc|out of memory/i.test(message)) {
    return new HeError('BACKEND_INTERNAL', `${op}: the SEAL WebAssembly heap (4 GiB) is exhausted; dispose ciphertexts you no longer need or use scope()`, { op, seal: message }, { cause });
  }
  return new HeError('BACKEND_INTERNAL', `${op}: SEAL failed: ${message}`, { op, seal: message }, { cause });
}
