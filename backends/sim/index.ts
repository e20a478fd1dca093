/**
 * hekit/sim: a plaintext CKKS simulator. Same metadata as SEAL bit for bit (level,
 * exact scale, degree, error codes), exact values, and a predicted error per slot, in
 * milliseconds and without keys. Optionally it draws the errors too ('inject').
 */
export { createSimBackend, type NoiseEstimate, type NoiseMode, type SimBackend, type SimBackendOptions } from './backend.js';
export { dryRun, planParams, type Circuit, type DryRunOptions } from './plan.js';
export type { Backend } from '../../core/backend.js';
export type { CkksParams, CkksParamsLiteral } from '../../core/params/index.js';
