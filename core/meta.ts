/**
 * Ciphertext metadata and SEAL 4.1's arithmetic on it.
 *
 * Level: the chain index, i.e. how many rescales are left. The first data level is
 *   `params.maxLevel` (L); the last level is 0.
 * Depth: multiplicative levels consumed, L - level. It counts up as level counts down.
 * Degree: the ciphertext's degree in the secret key (SEAL size - 1): 1 when fresh,
 *   2 right after a multiplication, back to 1 after relinearize.
 */
import type { CkksParams } from './params/index.js';

/** A ciphertext's metadata, which every op's contract is stated in (terms defined above). */
export interface CtMeta {
  /** Rescales left: `params.maxLevel` when fresh, 0 at the end of the chain. */
  readonly level: number;
  /** Exact scale, the double SEAL holds (a product's scale is the product of scales). */
  readonly scale: number;
  /** Degree in the secret key: 1 fresh or relinearized, 2 after a product. */
  readonly degree: number;
}

/** SEAL's `are_close`: scales must agree to one ulp, relative to max(|a|, |b|, 1). */
export const scalesAgree = (a: number, b: number): boolean =>
  Math.abs(a - b) < Number.EPSILON * Math.max(Math.abs(a), Math.abs(b), 1);

/** SEAL's `is_scale_within_bounds`: the C++ int cast of log2 truncates toward zero. */
export const scaleFits = (params: CkksParams, scale: number, level: number): boolean =>
  scale > 0 && Math.trunc(Math.log2(scale)) < bitsAt(params, level);

/** The encoder's rule is one bit stricter than `scaleFits` (room for the sign). */
export const scaleEncodable = (params: CkksParams, scale: number, level: number): boolean =>
  scale > 0 && Math.trunc(Math.log2(scale)) + 1 < bitsAt(params, level);

/** Bit length B_l of the modulus q_0 * ... * q_l at level l. */
export const bitsAt = (params: CkksParams, level: number): number => params.levelBits[level] ?? 0;

/** Depth (levels consumed) of a ciphertext at `level`. */
export const depthAt = (params: CkksParams, level: number): number => params.maxLevel - level;
