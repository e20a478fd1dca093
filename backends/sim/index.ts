/**
 * A plaintext CKKS simulator (`createSimBackend`): the same metadata as SEAL bit for bit (level,
 * exact scale, degree, error codes), exact values, and a predicted error per slot, in
 * milliseconds and without keys. Optionally it draws the errors too (`noise: 'inject'`). Also
 * the parameter planner that sizes a chain from a dry run (`planParams`). No runtime dependency
 * on SEAL; it is not encryption. Guide: docs/development-loop.md.
 *
 * @module hekit/sim
 */
export { createSimBackend, type NoiseEstimate, type NoiseMode, type SimBackend, type SimBackendOptions } from './backend.js';
export { dryRun, planParams, type Circuit, type DryRunOptions } from './plan.js';
export type { Backend } from '../../core/backend.js';
export type { CkksParams, CkksParamsLiteral } from '../../core/params/index.js';
