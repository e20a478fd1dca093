import { createParams, type CkksParams, type CkksParamsLiteral } from '../../core/params/index.js';
import { validateRotations } from '../../core/rotation.js';
import { openContext } from './context.js';
import { loadSeal } from './loader.js';

/**
 * Bytes of the Galois keys SEAL would send for `steps` (SEAL's serialization, its default
 * compression), or for SEAL's default set (all ±2^i and conjugation) when `steps` is omitted.
 * Only a context and a key generator are made (no public or relinearization keys), then freed.
 */
export async function galoisKeyBytes(params: CkksParams | CkksParamsLiteral, steps?: readonly number[]): Promise<number> {
  const parsed = 'primes' in params ? params : createParams(params);
  const seal = await loadSeal();
  const context = openContext(seal, parsed);
  const keygen = seal.KeyGenerator(context.context);
  try {
    const serializable = steps === undefined
      ? keygen.createGaloisKeysSerializable()
      : keygen.createGaloisKeysSerializable(Int32Array.from(validateRotations(parsed, steps)));
    try {
      return serializable.saveArray().length;
    } finally {
      serializable.delete();
    }
  } finally {
    keygen.delete();
    context.delete();
  }
}

/**
 * Bytes one key-switching key (the relinearization key, or the Galois key of one step) takes in
 * SEAL's memory, computed without SEAL: one ciphertext of 2 polynomials over every prime
 * (special included) per data prime, 8 bytes a coefficient. Serialized without compression it
 * is the same plus a header of a few dozen bytes. 0 without key switching (a single prime).
 */
export function keySwitchingKeyBytes(params: CkksParams | CkksParamsLiteral): number {
  const parsed = 'primes' in params ? params : createParams(params);
  if (!parsed.keySwitching) return 0;
  return parsed.dataPrimes.length * 2 * parsed.ringDegree * parsed.primes.length * 8;
}

/** Bytes of the public key in SEAL's memory: 2 polynomials over every prime, 8 bytes a coefficient. */
export function publicKeyBytes(params: CkksParams | CkksParamsLiteral): number {
  const parsed = 'primes' in params ? params : createParams(params);
  return 2 * parsed.ringDegree * parsed.primes.length * 8;
}
