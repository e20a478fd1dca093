/**
 * hekit core: parameters, the evaluator interface, the checked layer that enforces
 * SEAL's rules for every backend, typed errors, memory ownership and op statistics.
 * Backends live in `hekit/sim` and `hekit/seal`.
 */
export { HeError, isHeError, type HeErrorCode, type HeErrorDetails } from './errors.js';
export {
  createParams, maxModulusBits, parseParams,
  type CkksParams, type CkksParamsLiteral, type ParamsProblem, type SecurityLevel,
} from './params/index.js';
export type { CtMeta } from './meta.js';
export { scalesAgree, scaleFits, depthAt } from './meta.js';
export type { Evaluator, EncryptOptions, PlainInput } from './evaluator.js';
export { Ciphertext } from './handle.js';
export {
  defineBackend,
  type Backend, type BackendCapabilities, type BackendDefinition, type DefinedBackend, type MemoryInfo,
} from './backend.js';
export type { Kernels } from './kernels.js';
export type { CircuitStats } from './stats.js';
export type { OpName } from './rules.js';
export { galoisElement, naf } from './rotation.js';
export {
  analyze, type AnalyzeOptions, type Circuit, type CircuitAnalysis, type LevelWidth, type OutputInfo,
} from './analysis/analyze.js';
export type { GraphNode, GraphOp } from './analysis/graph.js';
export { levelsConsumed, svgAxes, toDot, toSvg, type SvgAxes, type SvgOptions } from './analysis/render.js';
export { paired, type ClosestOp, type DivergenceDetails, type DivergenceSource, type NoisePredictor, type PairedBackend, type PairedOptions } from './debug/paired.js';
export { planFromReport, type CircuitReport, type ParamsPlan, type PlanRequest, type PrecisionProbe } from './plan/index.js';
export {
  BUNDLE_NAME, loadParams, openBundle, openEnvelope, writeBundle, paramsFingerprint, saveParams, writeEnvelope,
  KIND_CODES, type BundleFields, type CiphertextCodec, type EnvelopeFields, type EnvelopeHeader, type EnvelopeKind, type Expectation, type LoadParamsOptions, type OpenedBundle, type OpenedEnvelope,
} from './serialize/index.js';
export {
  FLOODING_DEFAULTS, flood, floodingCostBits, floodingFactor, floodingStd, secureGaussian, secureRandomBytes,
  type FloodingOptions, type RandomBytes,
} from './flooding.js';
