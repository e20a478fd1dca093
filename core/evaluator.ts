import type { CtMeta } from './meta.js';
import type { CkksParams } from './params/index.js';

/** Plain operand: one number for every slot, or up to `slots` values (zero-filled past their length). */
export type PlainInput = number | ArrayLike<number>;

/** Where and how `encrypt` places a fresh ciphertext. */
export interface EncryptOptions {
  /** Level to encrypt at (default: the first data level, `params.maxLevel`). Lower levels make smaller ciphertexts. */
  readonly level?: number;
  /** Encoding scale (default: `params.scale`). */
  readonly scale?: number;
  /** Encrypt with the secret key (SEAL's symmetric encryption): a smaller, Gaussian error; only the key owner can. */
  readonly symmetric?: boolean;
}

/**
 * What circuits see: the CKKS operations, written once and run on any backend.
 * Every op returns a new ciphertext and leaves its inputs untouched.
 * Notation in contracts: l = level, s = scale, d = degree (see meta.ts).
 */
export interface Evaluator<C> {
  readonly params: CkksParams;

  /**
   * Encodes `values` at scale s and encrypts at level l.
   * Out: d 1, level l, scale s. Throws INVALID_VALUES, INVALID_LEVEL, SCALE_OUT_OF_BOUNDS, VALUES_TOO_LARGE.
   */
  encrypt(values: PlainInput, options?: EncryptOptions): C;
  /** Decrypts and decodes all `slots` values. Throws SCALE_OUT_OF_BOUNDS if s does not fit level l. */
  decrypt(x: C): Float64Array;
  /** Level, exact scale and degree. */
  meta(x: C): CtMeta;
  /** Frees a ciphertext's memory now (idempotent). Algorithms free their intermediates with it. */
  free(x: C): void;

  /** In: equal levels, equal scales (1 ulp). Out: max degree, same l and s. Throws LEVEL_MISMATCH, SCALE_MISMATCH, TRANSPARENT_RESULT. */
  add(a: C, b: C): C;
  /** As `add`. */
  sub(a: C, b: C): C;
  /** Out: same l, s, d. */
  neg(a: C): C;
  /** Plain encoded at a's level and scale. Out: same l, s, d. Throws SCALE_OUT_OF_BOUNDS if s cannot be encoded. */
  addPlain(a: C, values: PlainInput): C;
  /**
   * Plain encoded at a's level with scale sp (default `params.scale`). Out: scale s*sp, same l, d.
   * Throws SCALE_OUT_OF_BOUNDS (s*sp too large for level l), TRANSPARENT_RESULT (plain rounds to zero).
   */
  mulPlain(a: C, values: PlainInput, scale?: number): C;
  /** In: equal levels (scales may differ). Out: d_a + d_b, scale s_a*s_b. Throws LEVEL_MISMATCH, SCALE_OUT_OF_BOUNDS, TRANSPARENT_RESULT. */
  mul(a: C, b: C): C;
  /** As `mul(a, a)`, cheaper. */
  square(a: C): C;
  /** Out: d 1 (no-op on d 1). One key switch. Throws RELIN_KEYS_INSUFFICIENT for d >= 3, NO_KEY_SWITCHING. */
  relinearize(a: C): C;
  /** Divides by the level's last prime q_l. Out: level l-1, scale s/q_l, same d. Throws LEVEL_EXHAUSTED at level 0. */
  rescale(a: C): C;
  /** Drops primes exactly (no noise). Out: level `level`, same s and d. Throws INVALID_LEVEL, SCALE_OUT_OF_BOUNDS. */
  dropLevelTo(a: C, level: number): C;
  /**
   * Rotates slots left by `step` (negative: right). In: d 1. One key switch per NAF term without a direct key.
   * Throws ROTATION_STEP_TOO_LARGE (|step| >= slots), NOT_RELINEARIZED, MISSING_ROTATION_KEY, NO_KEY_SWITCHING.
   */
  rotate(a: C, step: number): C;
}
