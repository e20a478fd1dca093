/**
 * The pool's keys between its own threads. Three ways:
 * - made in the workers (`createPoolClient` + `generateWorkerBackend`): the main thread makes only
 *   the secret and public keys and hands each worker the secret key's bytes; each worker makes the
 *   public, relinearization and Galois keys it needs. Key generation is randomized, so every worker
 *   holds keys of its own, all valid under the one secret key: a ciphertext decrypts the same
 *   whichever worker computed it. Nothing is serialized or loaded, and the workers work in parallel;
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
import { HeError } from '../../../core/errors.js';
import type { CkksParams } from '../../../core/params/index.js';
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

/**
 * The pool's main thread when its workers make their own keys: secret and public keys only (no
 * relinearization or Galois keys; it encrypts and decrypts, the workers evaluate).
 */
export async function createPoolClient(params: CkksParams): Promise<Backend> {
  const seal = await loadSeal();
  const opened = openContext(seal, params);
  let keys;
  try {
    keys = generateKeys(seal, opened, params, [], { relinearization: false });
  } catch (e) {
    opened.delete();
    throw e;
  }
  return sealBackend(createSealContext(seal, params, opened, keys), [], false);
}

/** A fresh copy of `client`'s secret key, SEAL's uncompressed bytes, for one worker (`generateWorkerBackend`). */
export function secretKeyBytes(client: Backend): Uint8Array {
  const { context } = sealPartsOf(client, 'createSealPool');
  const secretKey = context.keys.secretKey;
  if (secretKey === null) throw new HeError('NO_SECRET_KEY', 'createSealPool: the pool\'s client holds no secret key', { op: 'createSealPool' });
  return secretKey.saveArray(context.seal.ComprModeType.none as never);
}

/**
 * An evaluation-only SEAL backend whose public, relinearization and Galois keys (for `steps`) are
 * made here from the client's secret key `secretKey` (SEAL's bytes; zeroed once read). The secret
 * key is freed before the backend exists: the worker cannot decrypt.
 */
export async function generateWorkerBackend(paramBytes: Uint8Array, secretKey: Uint8Array, steps: readonly number[]): Promise<Backend> {
  const params = loadParams(paramBytes, { allowInsecure: true });
  const seal = await loadSeal();
  const opened = openContext(seal, params);
  let keys: SealKeys;
  let secret: SecretKey | null = null;
  try {
    secret = seal.SecretKey();
    try {
      secret.loadArray(opened.context, secretKey);
    } finally {
      secretKey.fill(0);
    }
    keys = generateKeys(seal, opened, params, steps, { secretKey: secret, op: 'createSealPool' });
  } catch (e) {
    opened.delete();
    throw fromSeal('createSealPool', e);
  } finally {
    secret?.delete();
  }
  return sealBackend(createSealContext(seal, params, opened, keys), keys.galoisKeys.flatMap((g) => g.steps), false);
}
