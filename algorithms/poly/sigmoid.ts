/**
 * Polynomial surrogates of the logistic function σ(x) = 1/(1 + e^-x) for encrypted training,
 * each with its worst error on its interval (measured on a 10001-point grid).
 */
import { HeError } from '../../core/index.js';
import { chebyshevInterpolant, chebyshevToPower, leastSquares, maxError, type Interval } from './basis.js';

/** The logistic function σ(x) = 1/(1 + e^-x) in float64: what the surrogates approximate. */
export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** A polynomial surrogate of σ, the interval it is fitted on, and its measured worst error there. Frozen. */
export interface SigmoidApproximation {
  /** How it was made, for reports. */
  readonly name: string;
  /** Where it approximates σ; outside it the error grows fast. */
  readonly interval: Interval;
  /** Power-basis coefficients a_0, a_1, ... of the surrogate. */
  readonly coefficients: readonly number[];
  /** coefficients.length - 1. */
  readonly degree: number;
  /** max |p(x) - σ(x)| on the interval. */
  readonly maxError: number;
}

function approximation(name: string, coefficients: readonly number[], interval: Interval): SigmoidApproximation {
  return Object.freeze({
    name, interval, coefficients: Object.freeze([...coefficients]), degree: coefficients.length - 1,
    maxError: maxError(coefficients, sigmoid, interval),
  });
}

/** The cubic least-squares fits of the encrypted-LR literature, with their published rounded constants (PAPER.md §2.3). */
export const sigmoidCubic8 = approximation('least-squares cubic on [-8, 8] (HHCP, rounded)', [0.5, 0.15012, 0, -0.001593], [-8, 8]);
/** As `sigmoidCubic8`, fitted on [-16, 16]: twice the range, about twice the worst error (0.22 vs 0.11). */
export const sigmoidCubic16 = approximation('least-squares cubic on [-16, 16] (HHCP, rounded)', [0.5, 0.0843, 0, -0.0002], [-16, 16]);

/** A least-squares (uniform weight) or Chebyshev-interpolation fit of σ of odd `degree` on `interval`. */
export function sigmoidFit(degree: number, interval: Interval, method: 'least-squares' | 'chebyshev'): SigmoidApproximation {
  if (!Number.isInteger(degree) || degree < 1 || degree > 15) {
    throw new HeError('INVALID_ARGUMENT', `degree ${degree} must be an integer in [1, 15]`, { degree });
  }
  const c = method === 'chebyshev' ? chebyshevInterpolant(sigmoid, degree, interval) : leastSquares(sigmoid, degree, interval);
  // σ - 1/2 is odd: on a symmetric interval the even terms above the constant vanish; drop their round-off.
  const symmetric = interval[0] === -interval[1];
  const power = chebyshevToPower(c, interval).map((v, k) => (symmetric && k > 0 && k % 2 === 0 ? 0 : v));
  return approximation(`${method} degree ${degree} on [${interval[0]}, ${interval[1]}]`, power, interval);
}
