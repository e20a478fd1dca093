/**
 * The pool's keys between its own threads. Three ways:
 * - made in the workers (`generateWorkerBackend`): the first worker, the keeper, makes the secret
 *   key and hands its bytes to the others (through the main thread, which keeps no copy); each
 *   worker keeps it and makes the public, relinearization and Galois keys it needs. Key generation is
 *   randomized, so every worker holds keys of its own, all valid under the one secret key: a
 *   ciphertext decrypts the same whichever worker computed it. Nothing is serialized or loaded,
 *   the workers work in parallel, and the main thread makes no SEAL context at all (at N = 16384
 *   with 10 primes a context alone takes 2.5 s of CPU);
 * - made on the main thread and loaded (`exportPoolKeys` + `createWorkerBackend`): SEAL's
 *   uncompressed bytes in shared memory, without envelopes, loaded without hekit's JavaScript
 *   checks (only this process made them; the checks guard against hostile bytes, and at
 *   N = 32768 they took most of a worker's start-up). Galois keys are made a step at a time, so
 *   the main thread never holds them all;
 * - a client's public keys, received by a server (`serverPoolKeys` + `createWorkerBackend`):
 *   opened and checked in full once, on the main thread (the checks cost several times SEAL's
 *   load: 1.9 s against 0.3 s for 18 Galois keys at N = 8192), then loaded as above by every
 *   worker at once. No secret key exists anywhere in the process.
 */
import type { Backend } from '../../../core/backend.js';
import { loadParams, saveParams } from '../../../core/serialize/index.js';
import { createSealContext, generateKeys, openContext } from '../context.js';
import { loadSeal } from '../loader.js';
import { fromSeal } from '../errors.js';
import { sealBackend, sealPartsOf } from '../registry.js';
import { checkKeys, eachGaloisKey, loadKeys, type Material } from '../serialize/keys.js';
import type { SealRing } from '../serialize/seal-bytes.js';
import type { SealKeys } from '../context.js';
import type { SecretKey } from '../types.js';

/** What a worker loads: parameters (an envelope), public and relinearization keys, and Galois key sets with their steps. */
export interface PoolKeys {
  readonly params: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly relinKeys: Uint8Array | null;
  readonly galoisKeys: ReadonlyArray<{ readonly steps: readonly number[]; readonly bytes: Uint8Array }>;
}

/** `bytes` in shared memory, so every worker reads one copy. */
function shared(bytes: Uint8Array): Uint8Array {
  const copy = new Uint8Array(new SharedArrayBuffer(bytes.length));
  copy.set(bytes);
  return copy;
}

/** The client's public material and a Galois key for each step, made one at a time with its secret key. */
export function exportPoolKeys(client: Backend, steps: readonly number[]): PoolKeys {
  const { context } = sealPartsOf(client, 'createSealPool');
  const none = context.seal.ComprModeType.none as never;
  const { publicKey, relinKeys } = context.keys;
  return {
    params: saveParams(context.params),
    publicKey: shared(publicKey.saveArray(none)),
    relinKeys: relinKeys && shared(relinKeys.saveArray(none)),
    galoisKeys: steps.length === 0 ? [] : eachGaloisKey(client, steps, 'createSealPool', (set) => ({ steps: set.steps, bytes: shared(set.keys.saveArray(none)) })),
  };
}

/** The keys of a client's opened `serverKeys` (`openPublicMaterial`) checked in full, uncompressed and in shared memory for every worker. */
export function serverPoolKeys(material: Material, ring: SealRing): PoolKeys {
  const checked = checkKeys(material, ring);
  return {
    params: saveParams(material.params),
    publicKey: shared(checked.publicKey),
    relinKeys: checked.relinKeys && shared(checked.relinKeys),
    galoisKeys: checked.galoisKeys.map((g) => ({ steps: g.steps, bytes: shared(g.body) })),
  };
}

/** An evaluation-only SEAL backend (no secret key) from `keys`, holding the Galois key sets whose steps are all in `steps`. */
export async function createWorkerBackend(keys: PoolKeys, steps: readonly number[]): Promise<Backend> {
  const params = loadParams(keys.params, { allowInsecure: true });
  const seal = await loadSeal();
  const opened = openContext(seal, params);
  const galoisKeys = keys.galoisKeys.filter((g) => g.steps.every((s) => steps.includes(s))).map((g) => ({ steps: g.steps, body: g.bytes }));
  let loaded;
  try {
    loaded = loadKeys(seal, opened, { params, publicKey: keys.publicKey, relinKeys: keys.relinKeys, galoisKeys }, null, true);
  } catch (e) {
    opened.delete();
    throw e;
  }
  return sealBackend(createSealContext(seal, params, opened, loaded), galoisKeys.flatMap((g) => g.steps), false);
}

/** Where a worker that makes its own keys gets its secret key. */
export type SecretKeySource =
  /** SEAL's bytes of the keeper's secret key (zeroed once read), awaited once this worker's context exists. */
  | { readonly bytes: Promise<Uint8Array> }
  /** None: this worker is the keeper; it makes the secret key and hands SEAL's bytes to `share` first thing. */
  | { readonly share: (bytes: Uint8Array) => void };

/**
 * A backend whose public, relinearization and Galois keys (for `steps`) are made here, under the
 * pool's one secret key, which it keeps: every worker decrypts and encrypts under it (the
 * client's inputs, at a third of a public-key encryption's cost at N = 8192). The keeper makes
 * the secret key and shares its bytes before making the other keys (the other workers make theirs
 * meanwhile).
 */
export async function generateWorkerBackend(paramBytes: Uint8Array, steps: readonly number[], source: SecretKeySource): Promise<Backend> {
  const params = loadParams(paramBytes, { allowInsecure: true });
  const seal = await loadSeal();
  const opened = openContext(seal, params);
  const none = seal.ComprModeType.none as never;
  let keys: SealKeys;
  let secret: SecretKey | null = null;
  try {
    if ('share' in source) {
      keys = generateKeys(seal, opened, params, steps, { op: 'createSealPool', onSecretKey: (key) => source.share(key.saveArray(none)) });
    } else {
      const bytes = await source.bytes;
      secret = seal.SecretKey();
      try {
        secret.loadArray(opened.context, bytes);
      } finally {
        bytes.fill(0);
      }
      keys = { ...generateKeys(seal, opened, params, steps, { secretKey: secret, op: 'createSealPool' }), secretKey: secret };
      secret = null; // the backend's now
    }
  } catch (e) {
    opened.delete();
    throw fromSeal('createSealPool', e);
  } finally {
    secret?.delete();
  }
  return sealBackend(createSealContext(seal, params, opened, keys), keys.galoisKeys.flatMap((g) => g.steps), false);
}
