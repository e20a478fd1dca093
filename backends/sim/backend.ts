/**
 * The simulator backend: `createSimBackend` and its types. The planner (plan.ts) builds on it,
 * so this module imports nothing from the planner; index.ts re-exports both.
 */
import { defineBackend, type Backend } from '../../core/backend.js';
import { HeError } from '../../core/errors.js';
import type { Ciphertext } from '../../core/handle.js';
import { optionsArgument, paramsArgument } from '../../core/arguments.js';
import type { CkksParams, CkksParamsLiteral } from '../../core/params/index.js';
import { SlotEncoder } from '../../core/encoding.js';
import { SlotArrays } from './arrays.js';
import { FingerprintAlgebra } from './fingerprint.js';
import { NoiseInjector } from './injector.js';
import { ErrorModel, simKernels, type SimCiphertext } from './kernels.js';
import { boundFactor, NoiseSources, type Tail } from './noise.js';
import { SeededRandom } from './random.js';

/** Options of `createSimBackend`. */
export interface SimBackendOptions {
  /** Rotation steps with their own Galois key, as on SEAL (default: none). */
  readonly rotations?: readonly number[];
  /** Seed for fingerprints and ids (default 1): runs are reproducible. */
  readonly seed?: number;
  /** Failure probability of `noise().bound` over all slots of one decryption (default 1e-6). */
  readonly boundFailure?: number;
  /**
   * 'track' (default): decrypt returns exact values, `noise(ct)` predicts the error.
   * 'inject': decrypt returns values with errors drawn from that prediction (seeded), as SEAL would.
   * 'off': values only, fastest; `noise(ct)` is unavailable.
   */
  readonly noise?: NoiseMode;
  /**
   * 'model' (default): plaintexts hold the given values, their rounding error is part of the
   * predicted error. 'exact': plaintexts hold SEAL's rounded encoding itself, bit for bit in
   * practice, at the cost of one O(N log N) transform per encode.
   */
  readonly encoding?: 'model' | 'exact';
  /**
   * Smallest scale an op may leave a ciphertext at (default min(2^10, the parameters' scale); 0
   * turns the check off): a rescaled fresh ciphertext, an encryption at scale 0.5 or a product
   * chain at tiny scales is SCALE_OUT_OF_BOUNDS (`details.floor`) instead of values SEAL's
   * rounding has swamped. The same on every backend.
   */
  readonly scaleFloor?: number;
}

/** How the simulator treats CKKS error: 'track', 'inject' or 'off' (see `SimBackendOptions.noise`). */
export type NoiseMode = 'track' | 'inject' | 'off';

/** Predicted error of decrypting a ciphertext, in decoded units. */
export interface NoiseEstimate {
  /** Standard deviation of the error, per slot. */
  readonly std: Float64Array;
  /** |error| stays below this in every slot, except with probability `boundFailure`. */
  readonly bound: Float64Array;
  /** Mean of `std` over the slots. */
  readonly meanStd: number;
  /**
   * RMS of `std` over the slots, √(mean variance): what an observed RMS error over all slots
   * (decrypted minus exact) is to be compared with.
   */
  readonly rmsStd: number;
  /** Largest `std`. */
  readonly maxStd: number;
  /** Largest `bound`. */
  readonly maxBound: number;
  /** -log2(maxBound): bits of absolute precision guaranteed in every slot. */
  readonly precisionBits: number;
  /** Rescales left (the ciphertext's level): with precisionBits, what a circuit still has to spend. */
  readonly levelsLeft: number;
  /**
   * A rule bounded instead of estimating, so std is an upper estimate: only where the product of
   * two correlated errors dominates (operands near zero). Shared ancestry (x + x, x + rotate(x, r),
   * sub(a, add(b, a)), products of related values) is otherwise estimated, not bounded.
   */
  readonly upperBound: boolean;
}

/** The simulator: a `Backend` whose handles hold exact values (or values with injected errors), plus `noise`. */
export interface SimBackend extends Backend {
  /**
   * The simulator's error prediction for `ct`. Throws INVALID_ARGUMENT with noise 'off', and
   * FOREIGN_HANDLE / DISPOSED as any op.
   */
  noise(ct: Ciphertext): NoiseEstimate;
}

/**
 * Creates a simulator for `params` (a literal is checked with `createParams`). Synchronous and
 * keyless: rotations follow the same key rules as SEAL (steps in `rotations` directly, others
 * through their NAF terms, else MISSING_ROTATION_KEY). Throws PARAMS_INVALID / PARAMS_INSECURE
 * (bad literal), INVALID_ARGUMENT (bad rotation steps, `boundFailure` outside (0, 1), unknown
 * `noise` or `encoding`).
 *
 * @example
 * ```ts
 * import { createSimBackend } from 'hekit/sim';
 *
 * const sim = createSimBackend({ ringDegree: 8192, bitSizes: [50, 40, 40, 60], scale: 2 ** 40 }, { rotations: [1] });
 * const x = sim.encrypt([1, 2, 3]);
 * const y = sim.rotate(sim.rescale(sim.relinearize(sim.square(x))), 1);
 * console.log(sim.decrypt(y)[0], y.level, sim.noise(y).precisionBits); // 4 (exact), level 1, the bits SEAL would keep
 * sim.dispose();
 * ```
 */
export function createSimBackend(params: CkksParams | CkksParamsLiteral, simOptions?: SimBackendOptions): SimBackend {
  const parsed = paramsArgument(params, 'createSimBackend');
  const options = optionsArgument(simOptions, 'createSimBackend');
  const seed = options.seed ?? 1;
  const boundFailure = options.boundFailure ?? 1e-6;
  if (!(boundFailure > 0 && boundFailure < 1)) {
    throw new HeError('INVALID_ARGUMENT', `boundFailure ${boundFailure} must be in (0, 1)`, { boundFailure });
  }
  const mode = options.noise ?? 'track';
  if (!['track', 'inject', 'off'].includes(mode)) {
    throw new HeError('INVALID_ARGUMENT', `noise mode ${String(mode)} is not one of 'track', 'inject', 'off'`, { noise: mode });
  }
  if (options.encoding !== undefined && options.encoding !== 'model' && options.encoding !== 'exact') {
    throw new HeError('INVALID_ARGUMENT', `encoding ${String(options.encoding)} is not 'model' or 'exact'`, { encoding: options.encoding });
  }
  const random = new SeededRandom(seed);
  const noiseSources = new NoiseSources(parsed);
  // A stream of its own, so injection leaves fingerprints (and thus error codes) unchanged.
  const injector = mode === 'inject' ? new NoiseInjector(parsed, noiseSources, new SeededRandom(seed ^ 0x5eed5eed)) : null;
  let ancestors = 0;
  const tailFactors = [0, 1, 2].map((t) => boundFactor(parsed.slots, boundFailure, t as Tail));
  const encoder = new SlotEncoder(parsed);
  const arrays = new SlotArrays(parsed.slots);
  const { backend, payload } = defineBackend<SimCiphertext>({
    encoder,
    slotArray: () => arrays.take(),
    name: 'sim',
    params: parsed,
    scaleFloor: options.scaleFloor,
    rotations: options.rotations ?? [],
    capabilities: { encrypts: false, predictsNoise: mode !== 'off' },
    kernels: simKernels({
      params: parsed,
      encoder,
      noise: noiseSources,
      fingerprints: new FingerprintAlgebra(random),
      nextAncestor: () => ancestors++,
      tailFactors,
      tracking: mode !== 'off',
      injector,
      exactEncoding: options.encoding === 'exact',
      arrays,
    }),
  });

  const model = new ErrorModel();
  const floor = Math.log2(parsed.ringDegree) * Number.EPSILON ** 2 / 4;
  const noise = (ct: Ciphertext): NoiseEstimate => {
    const p = payload(ct, 'noise', 'ct');
    if (mode === 'off') {
      throw new HeError('INVALID_ARGUMENT', "noise(): this simulator tracks no error (noise: 'off'); create it with noise: 'track' or 'inject'", { noise: mode });
    }
    const n = parsed.slots;
    const std = model.variances(p, new Float64Array(n));
    const bound = new Float64Array(n);
    let sum = 0, sum2 = 0, maxStd = 0, maxBound = 0;
    // Decoding runs a double-precision FFT: about 2^-53 of the largest |value| per log2(N) stage,
    // in every slot, zeros included (the paired backend found SEAL's 2^-52 in an empty slot).
    let zMax = 0;
    for (let k = 0; k < n; k++) zMax = Math.max(zMax, Math.abs(p.values[k] as number));
    const fftFloor = floor * zMax * zMax;
    for (let k = 0; k < n; k++) {
      const u = (std[k] as number) + fftFloor;
      const s = Math.sqrt(u);
      std[k] = s;
      const b = (tailFactors[model.tail(p, k)] as number) * s;
      bound[k] = b;
      sum += s;
      sum2 += u;
      if (s > maxStd) maxStd = s;
      if (b > maxBound) maxBound = b;
    }
    return {
      std, bound, meanStd: sum / n, rmsStd: Math.sqrt(sum2 / n), maxStd, maxBound, precisionBits: -Math.log2(maxBound), levelsLeft: ct.level, upperBound: p.upperBound,
    };
  };

  return Object.assign(backend, { noise });
}
