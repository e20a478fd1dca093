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
  encrypt(values: Float64Array, out: CtMeta, symmetric: boolean): P;
  decrypt(x: P, meta: CtMeta): Float64Array;
  add(a: P, b: P, out: CtMeta): P;
  sub(a: P, b: P, out: CtMeta): P;
  neg(a: P, out: CtMeta): P;
  addPlain(a: P, values: Float64Array, out: CtMeta): P;
  mulPlain(a: P, values: Float64Array, plainScale: number, out: CtMeta): P;
  mul(a: P, b: P, out: CtMeta): P;
  square(a: P, out: CtMeta): P;
  /** Only called on degree >= 2. */
  relinearize(a: P, out: CtMeta): P;
  rescale(a: P, out: CtMeta): P;
  /** Only called with out.level below the input's level. */
  dropLevelTo(a: P, out: CtMeta): P;
  /** `terms`: the key-switch steps SEAL applies, in order (one when the step has its own key). */
  rotate(a: P, step: number, terms: readonly number[], out: CtMeta): P;
  /** A new independent copy (for ops SEAL treats as no-ops). */
  copy(a: P, out: CtMeta): P;
  free(a: P): void;
  /** Frees keys and contexts. */
  close(): void;
  /** The backend's own view of the metadata, for verify mode. */
  inspect?(a: P): CtMeta;
}
