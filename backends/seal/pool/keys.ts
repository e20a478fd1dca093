/**
 * The pool's keys between its own threads: SEAL's uncompressed bytes in shared memory, without
 * envelopes, loaded without hekit's JavaScript checks (only this process made them; the checks
 * guard against hostile bytes, and at N = 32768 they took most of a worker's start-up).
 * Galois keys are made a step at a time, so the main thread never holds them all.
 */
import type { Backend } from '../../../core/backend.js';
import { loadParams, saveParams } from '../../../core/serialize/index.js';
import { createSealContext, openContext } from '../context.js';
import { loadSeal } from '../loader.js';
import { sealBackend, sealPartsOf } from '../registry.js';
import { eachGaloisKey, loadKeys } from '../serialize/keys.js';

/** What a worker loads: parameters (an envelope), public and relinearization keys, and one Galois key per step. */
export interface PoolKeys {
  readonly params: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly relinKeys: Uint8Array | null;
  readonly galoisKeys: ReadonlyArray<{ readonly step: number; readonly bytes: Uint8Array }>;
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
    galoisKeys: steps.length === 0 ? [] : eachGaloisKey(client, steps, 'createSealPool', (set) => ({ step: set.steps[0] as number, bytes: shared(set.keys.saveArray(none)) })),
  };
}

/** An evaluation-only SEAL backend (no secret key) from `keys`, holding the Galois keys of `steps`. */
export async function createWorkerBackend(keys: PoolKeys, steps: readonly number[]): Promise<Backend> {
  const params = loadParams(keys.params, { allowInsecure: true });
  const seal = await loadSeal();
  const opened = openContext(seal, params);
  const galoisKeys = keys.galoisKeys.filter((g) => steps.includes(g.step)).map((g) => ({ steps: [g.step], body: g.bytes }));
  let loaded;
  try {
    loaded = loadKeys(seal, opened, { params, publicKey: keys.publicKey, relinKeys: keys.relinKeys, galoisKeys }, null, true);
  } catch (e) {
    opened.delete();
    throw e;
  }
  return sealBackend(createSealContext(seal, params, opened, loaded), galoisKeys.flatMap((g) => g.steps), false);
}
