/**
 * hekit/algorithms: circuits written once against `Evaluator<C>`, for any backend.
 * They never import a backend.
 */
export { innerProductPlain, sumSlots, sumSlotsRotations } from './sum-slots.js';
