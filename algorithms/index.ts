/**
 * hekit/algorithms: circuits written once against `Evaluator<C>`, for any backend.
 * They never import a backend.
 */
export { innerProductPlain, sumSlots, sumSlotsRotations } from './sum-slots.js';
export {
  bsgsDepth, evaluateChebyshev, evaluatePolynomial, evaluatePolynomialBsgs, polynomialDepth, sigmoid, sigmoidCubic8, sigmoidCubic16, sigmoidFit,
  chebyshevToPower, chebyshevInterpolant, leastSquares, evaluatePower, maxError, plainScaleFor, fusedCubicProduct,
  type BsgsOptions, type Interval, type PolynomialOptions, type SigmoidApproximation,
} from './poly/index.js';
export * as linalg from './linalg/index.js';
export { landOnLadder, scaleLadder } from './ladder.js';
export * as logreg from './logreg/index.js';
