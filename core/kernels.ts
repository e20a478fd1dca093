import type { CtMeta } from './meta.js';

/**
 * What a backend implements. The checked layer (`defineBackend`) has already validated
 * handles, levels, scales, degrees and keys, and passes the predicted output metadata
 * `out`; a kernel only computes. Plain values arrive as fresh `slots`-long Float64Arrays
 * that the kernel may keep.
 * A kernel may still throw HeError for what only it can see (VALUES_TOO_LARGE,
 * TRANSPARENT_RESULT) and must free whatever it allocated when it throws.
 */
export interface Kernels<P> {
  /** Encodes `values` at out.scale and encrypts at out.level (degree 1); `symmetric`: with the secret key. */
  encrypt(values: Float64Array, out: CtMeta, symmetric: boolean): P;
  /** All `slots` decoded values of `x`, whose metadata is `meta`. */
  decrypt(x: P, meta: CtMeta): Float64Array;
  /** a + b at their common level and scale; out.degree = max(d_a, d_b). */
  add(a: P, b: P, out: CtMeta): P;
  /** a - b; as `add`. */
  sub(a: P, b: P, out: CtMeta): P;
  /** -a; `out` is a's metadata. */
  neg(a: P, out: CtMeta): P;
  /** a + values, the plaintext encoded at a's scale and level; `out` is a's metadata. */
  addPlain(a: P, values: Float64Array, out: CtMeta): P;
  /** a ∘ values, the plaintext encoded at `plainScale` and a's level; out.scale = s_a · plainScale. */
  mulPlain(a: P, values: Float64Array, plainScale: number, out: CtMeta): P;
  /** a ∘ b without relinearization: out.degree = d_a + d_b, out.scale = s_a · s_b. */
  mul(a: P, b: P, out: CtMeta): P;
  /** As `mul(a, a)`. */
  square(a: P, out: CtMeta): P;
  /** Only called on degree >= 2. */
  relinearize(a: P, out: CtMeta): P;
  /** Divides by the last prime q_l: out.level = l - 1, out.scale = s / q_l. Only called at level >= 1. */
  rescale(a: P, out: CtMeta): P;
  /** Only called with out.level below the input's level. */
  dropLevelTo(a: P, out: CtMeta): P;
  /** `terms`: the key-switch steps SEAL applies, in order (one when the step has its own key). */
  rotate(a: P, step: number, terms: readonly number[], out: CtMeta): P;
  /** A new independent copy (for ops SEAL treats as no-ops). */
  copy(a: P, out: CtMeta): P;
  /** Releases a payload; called once per payload, when its handle is disposed (or its op is rejected in verify mode). */
  free(a: P): void;
  /** Frees keys and contexts. */
  close(): void;
  /** The backend's own view of the metadata, for verify mode. */
  inspect?(a: P): CtMeta;
}
