export { evaluateChebyshev, evaluatePolynomial, polynomialDepth, powerChain, type PolynomialOptions } from './polynomial.js';
export { chebyshevInterpolant, chebyshevToPower, evaluatePower, leastSquares, maxError, type Interval } from './basis.js';
export { sigmoid, sigmoidCubic8, sigmoidCubic16, sigmoidFit, type SigmoidApproximation } from './sigmoid.js';
export { plainScaleFor, rescaledProductScale } from './scales.js';

export { fusedCubicProduct, oddCubic } from './fused.js';
export { bsgsDepth, evaluatePolynomialBsgs, type BsgsOptions } from './bsgs.js';
