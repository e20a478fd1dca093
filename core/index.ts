/**
 * The core of hekit: CKKS parameters (`createParams`, parsed once into SEAL's exact primes), the
 * `Evaluator` interface every circuit is written against, the checked layer that enforces SEAL's
 * level, scale and degree rules for every backend with typed `HeError` codes, memory ownership
 * (`scope`, `keep`, `memory()`) and op statistics, the metadata-only `analyze` pass, `paired`
 * lockstep debugging, the planner's rule of thumb (`planFromReport`), serialization envelopes and
 * noise flooding, and the cost model that prices a dry run (`createCostModel`, `predictTime`). Backends live in `hekit/sim`, `hekit/seal` and `hekit/seal/pool`; circuits in
 * `hekit/algorithms`. The guides in docs/ (concepts.md first) explain the vocabulary.
 *
 * @example
 * ```ts
 * import { analyze, type Evaluator } from 'hekit';
 *
 * // A circuit is a function of any evaluator: the same code runs on every backend.
 * const circuit = <C>(ev: Evaluator<C>) => ev.rescale(ev.relinearize(ev.square(ev.encrypt([1, 2, 3]))));
 * console.log('depth', analyze(circuit).depth); // depth 1
 * ```
 *
 * @module hekit
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
  DEFAULT_SCALE_FLOOR, defineBackend,
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
export { rotationUse, shareSteps, type RotationUse } from './analysis/placement.js';
export {
  CALIBRATION_VERSION, COST_OPS, DEFAULT_CALIBRATION, checkCalibration, createCostModel, evaluationKeyBytes, predictTime, sameMachine,
  type Calibration, type CostFit, type CostModel, type CostOp, type CostSource, type KeySample, type MachineDescription, type OpSample, type Polynomial, type PredictedTime, type PredictTimeOptions, type RingCalibration,
} from './cost/index.js';
export { levelsConsumed, svgAxes, toDot, toSvg, type SvgAxes, type SvgOptions } from './analysis/render.js';
export { paired, type ClosestOp, type DivergenceDetails, type DivergenceSource, type NoisePredictor, type PairedBackend, type PairedOptions } from './debug/paired.js';
export { planFromReport, type CircuitReport, type ParamsPlan, type PlanRequest, type PrecisionProbe } from './plan/index.js';
export {
  BUNDLE_NAME, keySetFingerprint, loadParams, openBundle, openEnvelope, writeBundle, paramsFingerprint, saveParams, textFingerprint, writeEnvelope,
  KIND_CODES, type BundleFields, type BundleOwner, type CiphertextCodec, type EnvelopeFields, type EnvelopeHeader, type EnvelopeKind, type Expectation, type LoadParamsOptions, type OpenedBundle, type OpenedEnvelope,
} from './serialize/index.js';
export {
  FLOODING_DEFAULTS, flood, floodingCostBits, floodingFactor, floodingStd, secureGaussian, secureRandomBytes,
  type FloodingOptions, type RandomBytes,
} from './flooding.js';
