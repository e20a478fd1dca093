/**
 * Polynomials on ciphertexts in minimal multiplicative depth, ceil(log2(degree + 1)),
 * generic over the evaluator.
 *
 * Each term a_k·x^k is a chain: the coefficient enters once, as a plaintext multiplying x
 * (so it costs no extra level), then the chain multiplies by powers x^(2^j) following the
 * binary digits of k. Its plaintext scale is chosen by replaying SEAL's scale arithmetic, so
 * every term lands on the target scale exactly and the terms add without SCALE_MISMATCH.
 */
import { HeError, type Evaluator } from '../../core/index.js';
import { atLevel, settle } from '../steps.js';
import { chebyshevToPower, type Interval } from './basis.js';
import { plainScaleFor, rescaledProductScale } from './scales.js';

/** Options of `evaluatePolynomial` and `evaluateChebyshev`. */
export interface PolynomialOptions {
  /** Scale of the result (default `params.scale`). */
  readonly scale?: number;
}

/** Depth of p(x) for a polynomial of `degree`: ceil(log2(degree + 1)). */
export const polynomialDepth = (degree: number): number => Math.ceil(Math.log2(degree + 1));

/** Indices j of the powers x^(2^j) that multiply a·x, in order, to reach a·x^k in depth ceil(log2(k + 1)). */
export function powerChain(k: number): number[] {
  const j = Math.floor(Math.log2(k));
  if (k === 2 ** j) return Array.from({ length: j }, (_, i) => i);
  return [...powerChain(k - 2 ** j), j];
}

/**
 * p(x) = Σ coefficients[k]·x^k on every slot.
 * In: degree 1, level l >= ceil(log2(d + 1)), scale s. Out: degree 1, level l - ceil(log2(d + 1)), scale options.scale.
 * Depth ceil(log2(d + 1)) · Rotations none · Throws INVALID_ARGUMENT (no coefficients, not finite, degree 0),
 * LEVEL_EXHAUSTED (too few levels), and what the underlying ops throw.
 */
export function evaluatePolynomial<C>(ev: Evaluator<C>, x: C, coefficients: readonly number[], options: PolynomialOptions = {}): C {
  const a = checkedCoefficients(coefficients);
  const degree = a.length - 1;
  const { params } = ev;
  const depth = polynomialDepth(degree);
  const top = ev.meta(x).level;
  if (top < depth) {
    throw new HeError('LEVEL_EXHAUSTED', `a degree-${degree} polynomial needs ${depth} levels; the input has ${top} left`, { degree, depth, level: top });
  }
  const target = options.scale ?? params.scale;
  const bottom = top - depth;

  // x^(2^j) by repeated squaring, at level top - j.
  const powers: C[] = [x];
  for (let j = 1; 2 ** j <= degree; j++) powers.push(square(ev, powers[j - 1] as C));

  const terms: C[] = [];
  let result: C | undefined;
  try {
    for (let k = 1; k <= degree; k++) {
      const ak = a[k] as number;
      if (ak === 0) continue; // a zero plaintext would make the product transparent
      const chain = powerChain(k);
      const plainScale = plainScaleFor((sp) => replayScale(ev, x, powers, chain, sp), target);
      // SEAL encodes a constant as round(a·scale): a term that rounds to 0 contributes nothing (and would be transparent).
      if (Math.abs(ak * plainScale) < 0.5) continue;
      const scaled = ev.mulPlain(x, ak, plainScale);
      let term = ev.rescale(scaled);
      ev.free(scaled);
      for (const j of chain) term = times(ev, term, powers[j] as C);
      terms.push(atLevel(ev, term, bottom, true));
    }
    if (terms.length === 0) {
      throw new HeError('INVALID_ARGUMENT', `every coefficient of degree 1 or more rounds to 0 at scale ${target}; add the constant with addPlain instead`, { coefficients: a });
    }
    let sum = terms[0] as C;
    for (const t of terms.slice(1)) {
      const next = ev.add(sum, t);
      if (sum !== terms[0]) ev.free(sum);
      sum = next;
    }
    result = sum;
    if (a[0] !== 0) {
      result = ev.addPlain(sum, a[0] as number);
      if (sum !== terms[0]) ev.free(sum);
    }
    return result;
  } finally {
    for (const t of terms) if (t !== result) ev.free(t);
    for (const p of powers.slice(1)) ev.free(p);
  }
}

/**
 * Σ c_k·T_k((2x - a - b)/(b - a)) on every slot: the Chebyshev series on [a, b] converted to the
 * power basis. Contract as `evaluatePolynomial`.
 */
export const evaluateChebyshev = <C>(ev: Evaluator<C>, x: C, c: readonly number[], interval: Interval, options?: PolynomialOptions): C =>
  evaluatePolynomial(ev, x, chebyshevToPower(c, interval), options);

/** The coefficients without trailing zeros; throws INVALID_ARGUMENT unless finite and of degree >= 1. */
export function checkedCoefficients(coefficients: readonly number[]): number[] {
  if (!Array.isArray(coefficients) || coefficients.some((c) => typeof c !== 'number' || !Number.isFinite(c))) {
    throw new HeError('INVALID_ARGUMENT', 'coefficients must be an array of finite numbers', {});
  }
  const a = [...coefficients];
  while (a.length > 0 && a[a.length - 1] === 0) a.pop();
  if (a.length < 2) {
    throw new HeError('INVALID_ARGUMENT', 'the polynomial must have degree 1 or more; add a constant with addPlain instead', { degree: a.length - 1 });
  }
  return a;
}

/** Scale a term ends with when its plaintext has scale `plainScale`: SEAL's operations, in order. */
function replayScale<C>(ev: Evaluator<C>, x: C, powers: readonly C[], chain: readonly number[], plainScale: number): number {
  const { params } = ev;
  let level = ev.meta(x).level;
  let scale = rescaledProductScale(params, ev.meta(x).scale, plainScale, level);
  level -= 1;
  for (const j of chain) {
    const p = ev.meta(powers[j] as C);
    level = Math.min(level, p.level);
    scale = (scale * p.scale) / (params.dataPrimeValues[level] as number);
    level -= 1;
  }
  return scale;
}

const square = <C>(ev: Evaluator<C>, c: C): C => settle(ev, ev.square(c));

/** term · power at the lower of their levels, relinearized and rescaled; frees `term`. */
function times<C>(ev: Evaluator<C>, term: C, power: C): C {
  const level = Math.min(ev.meta(term).level, ev.meta(power).level);
  const a = atLevel(ev, term, level, true);
  const b = atLevel(ev, power, level, false);
  const product = ev.mul(a, b);
  if (b !== power) ev.free(b);
  ev.free(a);
  return settle(ev, product);
}
