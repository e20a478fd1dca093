/**
 * Every SEAL backend made here, with its context and checked-layer access, so that the
 * serialization functions can reach keys and payloads of a backend they are handed.
 */
import { defineBackend, type Backend, type DefinedBackend } from '../../core/backend.js';
import { HeError } from '../../core/errors.js';
import { fromSeal } from './errors.js';
import type { SealContext } from './context.js';
import { sealKernels } from './kernels.js';
import type { CipherText } from './types.js';

export interface SealParts {
  readonly context: SealContext;
  readonly defined: DefinedBackend<CipherText>;
  /**
   * With seeded encryption, the SEAL bytes (uncompressed, seeded) of each ciphertext encrypted
   * under the secret key and still alive: what `saveCiphertext` writes for it.
   */
  readonly seeds: ReadonlyMap<CipherText, Uint8Array> | null;
}

const registry = new WeakMap<Backend, SealParts>();

/** The checked backend over `context` (which it owns from here on). */
export function sealBackend(context: SealContext, rotations: readonly number[], verify: boolean, scaleFloor?: number, seededEncryption = false): Backend {
  let defined: DefinedBackend<CipherText>;
  const seeds = seededEncryption ? new Map<CipherText, Uint8Array>() : null;
  try {
    defined = defineBackend({
      name: 'seal',
      params: context.params,
      rotations,
      capabilities: { encrypts: true, predictsNoise: false },
      kernels: sealKernels(context, seeds),
      verify,
      scaleFloor,
    });
  } catch (e) {
    context.delete();
    throw fromSeal('createSealBackend', e);
  }
  registry.set(defined.backend, { context, defined, seeds });
  return defined.backend;
}

/** The parts of a live SEAL backend; INVALID_ARGUMENT for any other backend, DISPOSED after dispose. */
export function sealPartsOf(backend: Backend, op: string): SealParts {
  const parts = registry.get(backend);
  if (parts === undefined) {
    throw new HeError('INVALID_ARGUMENT', `${op}: expected a backend made by createSealBackend (hekit/seal), got ${backend?.name ?? typeof backend}`, { op });
  }
  if (backend.disposed) throw new HeError('DISPOSED', `${op}: the seal backend was disposed; create a new one`, { op });
  return parts;
}
