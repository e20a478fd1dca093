/**
 * hekit/seal: real CKKS encryption with Microsoft SEAL 4.1 (node-seal 6.0.3, WebAssembly).
 * node-seal is imported by this folder only.
 */
import { defineBackend, type Backend } from '../../core/backend.js';
import { createParams, type CkksParams, type CkksParamsLiteral } from '../../core/params/index.js';
import { validateRotations } from '../../core/rotation.js';
import { createSealContext } from './context.js';
import { sealKernels } from './kernels.js';
import { loadSeal } from './loader.js';

/** Options of `createSealBackend`. */
export interface SealBackendOptions {
  /** Rotation steps to create Galois keys for (default: none). Other steps run through their NAF terms. */
  readonly rotations?: readonly number[];
  /** After every op, compare SEAL's own level, scale and degree with hekit's prediction (DIVERGENCE on a difference). */
  readonly verify?: boolean;
}

/**
 * Creates keys and a context for `params`. The WebAssembly module is loaded once per
 * thread and shared. Rejects with BACKEND_UNAVAILABLE if node-seal cannot load (there is no
 * silent fallback to the simulator), PARAMS_INVALID / PARAMS_INSECURE (bad literal) or
 * INVALID_ARGUMENT (bad rotation steps).
 */
export async function createSealBackend(params: CkksParams | CkksParamsLiteral, options: SealBackendOptions = {}): Promise<Backend> {
  const parsed = 'primes' in params ? params : createParams(params);
  const rotations = validateRotations(parsed, options.rotations ?? []);
  const seal = await loadSeal();
  const context = createSealContext(seal, parsed, rotations);
  return defineBackend({
    name: 'seal',
    params: parsed,
    rotations,
    capabilities: { encrypts: true, predictsNoise: false },
    kernels: sealKernels(context),
    verify: options.verify ?? false,
  }).backend;
}

export { galoisKeyBytes } from './key-size.js';
export type { Backend, CkksParams, CkksParamsLiteral };
