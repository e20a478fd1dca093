/**
 * Real CKKS encryption with Microsoft SEAL 4.1 (node-seal 6.0.3, WebAssembly):
 * `createSealBackend`, validated serialization of parameters, keys and ciphertexts, evaluation-only
 * server backends made from a client's public keys (`createSealServerBackend`), and Galois keys a
 * step at a time. The client side also runs in browsers. node-seal is imported by this folder
 * only. Guides: docs/client-server.md, docs/browser.md.
 *
 * @module hekit/seal
 */
import { scaleFloorOf, type Backend } from '../../core/backend.js';
import { optionsArgument, paramsArgument } from '../../core/arguments.js';
import type { CkksParams, CkksParamsLiteral } from '../../core/params/index.js';
import { validateRotations } from '../../core/rotation.js';
import { createSealContext, generateKeys, openContext } from './context.js';
import { loadSeal } from './loader.js';
import { sealBackend } from './registry.js';

/** Options of `createSealBackend`. */
export interface SealBackendOptions {
  /** Rotation steps to create Galois keys for (default: none). Other steps run through their NAF terms. */
  readonly rotations?: readonly number[];
  /** After every op, compare SEAL's own level, scale and degree with hekit's prediction (DIVERGENCE on a difference). */
  readonly verify?: boolean;
  /**
   * Smallest scale an op may leave a ciphertext at (default min(2^10, the parameters' scale); 0
   * turns the check off): a rescaled fresh ciphertext, an encryption at scale 0.5 or a product
   * chain at tiny scales is SCALE_OUT_OF_BOUNDS (`details.floor`) instead of values SEAL's
   * rounding has swamped. The same on every backend.
   */
  readonly scaleFloor?: number;
  /**
   * Encryptions under the secret key (`symmetric: true`) keep SEAL's seeded form while they
   * live: `saveCiphertext` then writes the first polynomial and the 64-byte seed SEAL samples the
   * second from, half the bytes (0.26 MB against 0.52 at N = 8192 with 4 primes, uncompressed). For a
   * client that sends what it encrypts; each encryption costs a load more (about 1 ms there), and an op's
   * result is saved whole. Default false.
   */
  readonly seededEncryption?: boolean;
}

/**
 * Creates keys and a context for `params`. The WebAssembly module is loaded once per
 * thread and shared. Rejects with BACKEND_UNAVAILABLE if node-seal cannot load (there is no
 * silent fallback to the simulator), PARAMS_INVALID / PARAMS_INSECURE (bad literal) or
 * INVALID_ARGUMENT (bad rotation steps).
 *
 * @example
 * ```ts
 * import { createSealBackend } from 'hekit/seal';
 *
 * const seal = await createSealBackend({ ringDegree: 8192, bitSizes: [50, 40, 40, 60], scale: 2 ** 40 }, { rotations: [1] });
 * const x = seal.encrypt([1, 2, 3]);
 * const y = seal.rotate(seal.rescale(seal.relinearize(seal.square(x))), 1);
 * console.log(Array.from(seal.decrypt(y).subarray(0, 2), Math.round), y.level); // [ 4, 9 ] 1
 * seal.dispose(); // frees the keys and every ciphertext still alive
 * ```
 */
export async function createSealBackend(params: CkksParams | CkksParamsLiteral, sealOptions?: SealBackendOptions): Promise<Backend> {
  const parsed = paramsArgument(params, 'createSealBackend');
  const options = optionsArgument(sealOptions, 'createSealBackend');
  const rotations = validateRotations(parsed, options.rotations ?? []);
  scaleFloorOf(parsed, options.scaleFloor, 'createSealBackend');
  const seal = await loadSeal();
  const opened = openContext(seal, parsed);
  let keys;
  try {
    keys = generateKeys(seal, opened, parsed, rotations);
  } catch (e) {
    opened.delete();
    throw e;
  }
  return sealBackend(createSealContext(seal, parsed, opened, keys), rotations, options.verify ?? false, options.scaleFloor, options.seededEncryption === true);
}

export { galoisKeyBytes, keySwitchingKeyBytes, publicKeyBytes } from './key-size.js';
export { sealHeapBytes } from './loader.js';
export * from './serialize/index.js';
export type { Backend, CkksParams, CkksParamsLiteral };
