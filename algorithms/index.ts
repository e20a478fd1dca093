/**
 * Circuits written once against `Evaluator<C>`, for any backend (they never import one): slot
 * sums and inner products, polynomials in minimal depth and sigmoid surrogates, the scale ladder,
 * encrypted linear algebra in HIT's encodings (`linalg`), and encrypted logistic-regression
 * training (`logreg`). Guides: docs/algorithms.md, docs/training.md.
 *
 * @module hekit/algorithms
 */
export { innerProductPlain, sumSlots, sumSlotsRotations } from './sum-slots.js';
export {
  bsgsDepth, evaluateChebyshev, evaluatePolynomial, evaluatePolynomialBsgs, polynomialDepth, sigmoid, sigmoidCubic8, sigmoidCubic16, sigmoidFit,
  chebyshevToPower, chebyshevInterpolant, leastSquares, evaluatePower, maxError, plainScaleFor, fusedCubicProduct,
  type BsgsOptions, type Interval, type PolynomialOptions, type SigmoidApproximation,
} from './poly/index.js';
/**
 * Encrypted matrices and vectors in HIT's tiled layouts (encoding units): encryption, element-wise
 * ops, row and column sums, matrix-vector and matrix-matrix products, each with its contract.
 */
export * as linalg from './linalg/index.js';
export { landOnLadder, scaleLadder } from './ladder.js';
/**
 * Encrypted logistic-regression training (3 vs 8 on MNIST): data preparation, float64 reference
 * trainers, the baseline and low-depth round circuits, the training driver and its planning.
 */
export * as logreg from './logreg/index.js';
