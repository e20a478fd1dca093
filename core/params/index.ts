export { isPrime, createCoeffModulus } from './primes.js';
export { maxModulusBits } from './security.js';
export {
  parseParams, createParams,
  type SecurityLevel, type CkksParamsLiteral, type CkksParams, type ParamsProblem,
} from './params.js';
