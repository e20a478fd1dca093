/**
 * The shared part of a ciphertext's error, as a short list of terms (issue 17, NOISE.md §3.5).
 *
 * Slot errors of one ciphertext are nearly independent across slots: decoding an error
 * polynomial with independent coefficients gives white noise. So the error of slot k is
 * modelled as
 *
 *   e_k = Σ_t a_t[k] · ξ_{src_t}[(k + off_t) mod n]  +  r_k
 *
 * where each ξ_src is a white, unit-variance sequence (one per error event that may be met
 * again: a ciphertext's fresh error once it is used, the key-switching bias of one Galois key at
 * one level), a_t is the term's per-slot coefficient, and r_k an independent remainder. Two
 * terms with the same source and offset are the same error in the same slot and add
 * coherently (x + x, sub(a, add(b, a)) cancels a); terms of different sources, or of one
 * source at different offsets (x + rotate(x, r)), are independent and add in variance.
 *
 * A ciphertext keeps at most `MAX_TERMS` terms, the largest by energy Σ_k a_t[k]²; smaller ones
 * are folded into the remainder (exact unless they later meet their twin). Coefficients are
 * c·coef[k] (coef null: the constant c), so sign changes, scalar factors and uniform sources
 * cost O(1); arrays are shared between payloads and counted by the kernels.
 */

export interface Term {
  /** The source ξ: an id unique within one simulator. */
  readonly src: number;
  /** Slot k of this ciphertext holds ξ_src at slot (k + off) mod n. */
  readonly off: number;
  /** Per-slot coefficient (times c), or null for the constant c. */
  readonly coef: Float64Array | null;
  readonly c: number;
  /** max_k |c·coef[k]|. */
  readonly max: number;
  /** Σ_k (c·coef[k])². */
  readonly energy: number;
}

/** Terms kept per ciphertext: more costs O(slots) per term on every op. */
export const MAX_TERMS = 6;

/** A constant term, or a term over a given coefficient array. */
export function makeTerm(src: number, off: number, coef: Float64Array | null, c: number, n: number): Term {
  if (!coef) return { src, off, coef: null, c, max: Math.abs(c), energy: c * c * n };
  let max = 0, energy = 0;
  for (let k = 0; k < coef.length; k++) {
    const v = coef[k] as number;
    max = Math.max(max, Math.abs(v));
    energy += v * v;
  }
  return { src, off, coef, c, max: Math.abs(c) * max, energy: c * c * energy };
}

/**
 * A term over `coef` with c = 1, whose `max` (max_k |coef[k]|) and `energy` (Σ_k coef[k]², in slot
 * order) the caller summed while writing the array: `makeTerm(src, off, coef, 1, n)` without its
 * second pass over the slots, and the same numbers.
 */
export const filledTerm = (src: number, off: number, coef: Float64Array, max: number, energy: number): Term => ({ src, off, coef, c: 1, max, energy });

export const scaledTerm = (t: Term, s: number): Term => ({ ...t, c: t.c * s, max: t.max * Math.abs(s), energy: t.energy * s * s });

/** Σ_t a_t[k]² added into `out` (per slot). */
export function addTermVariance(terms: readonly Term[], out: Float64Array): void {
  const n = out.length;
  for (const t of terms) {
    const coef = t.coef, c2 = t.c * t.c;
    if (!coef) for (let k = 0; k < n; k++) out[k] = (out[k] as number) + c2;
    else for (let k = 0; k < n; k++) out[k] = (out[k] as number) + c2 * (coef[k] as number) ** 2;
  }
}

/** Whether two term lists share a source (at any offset). */
export function shareSource(a: readonly Term[], b: readonly Term[]): boolean {
  for (const x of a) for (const y of b) if (x.src === y.src) return true;
  return false;
}
