/**
 * Rotation keys as SEAL 4.1 sees them: a step r maps to a Galois element, and a step
 * without its own key runs through its non-adjacent form, one key switch per term.
 */
import { HeError } from './errors.js';
import type { CkksParams } from './params/index.js';

/** Galois element of a left rotation by `step` (SEAL's `get_elt_from_step`); 0 gives conjugation. */
export function galoisElement(ringDegree: number, step: number): number {
  const m = BigInt(2 * ringDegree);
  if (step === 0) return 2 * ringDegree - 1;
  const slots = ringDegree / 2;
  const exponent = BigInt(step > 0 ? step : slots + step);
  let result = 1n;
  let base = 3n;
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * base) % m;
    base = (base * base) % m;
  }
  return Number(result);
}

/** Non-adjacent form of `step`, lowest power first, as SEAL applies it: 3 -> [-1, 4]. */
export function naf(step: number): number[] {
  const terms: number[] = [];
  let v = Math.abs(step);
  const sign = Math.sign(step);
  for (let bit = 1; v !== 0; bit *= 2) {
    if (v % 2 !== 0) {
      const digit = 2 - (v % 4); // +1 or -1
      terms.push(sign * digit * bit);
      v -= digit;
    }
    v /= 2;
  }
  return terms;
}

/** The set of Galois elements for which keys exist. */
export class RotationKeys {
  readonly #elements: ReadonlySet<number>;
  readonly steps: readonly number[];

  constructor(
    private readonly params: CkksParams,
    steps: readonly number[],
  ) {
    this.steps = validateRotations(params, steps);
    this.#elements = new Set(this.steps.map((s) => galoisElement(params.ringDegree, s)));
  }

  has(step: number): boolean {
    return this.#elements.has(galoisElement(this.params.ringDegree, step));
  }

  /**
   * The key-switch terms SEAL applies for `step` (0 < |step| < slots): the step itself
   * when its key exists, else its NAF terms minus any of size `slots` (the identity).
   * Returns the first term without a key as `missing`.
   */
  plan(step: number): { terms: number[]; missing?: number } {
    if (this.has(step)) return { terms: [step] };
    const terms = naf(step).filter((t) => Math.abs(t) !== this.params.slots);
    const missing = terms.find((t) => !this.has(t));
    return missing === undefined ? { terms } : { terms, missing };
  }
}

/** Checks user-supplied rotation steps: integers with 0 < |step| < slots. Returns them sorted and unique. */
export function validateRotations(params: CkksParams, steps: readonly number[]): readonly number[] {
  if (!Array.isArray(steps)) throw new HeError('INVALID_ARGUMENT', 'rotations must be an array of integer steps', {});
  const bad = steps.filter((s) => !Number.isInteger(s) || s === 0 || Math.abs(s) >= params.slots);
  if (bad.length > 0) {
    throw new HeError('INVALID_ARGUMENT', `rotation steps ${bad.join(', ')} are invalid: each must be a nonzero integer with |step| < ${params.slots}`,
      { invalid: bad, slots: params.slots });
  }
  return Object.freeze([...new Set(steps)].sort((a, b) => a - b));
}
