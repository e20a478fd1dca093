/**
 * Planning a training run by simulation: the depth and rounds come from the circuit's recurrence
 * (tests hold it equal to the levels SEAL consumes), the value range from the client's inputs,
 * and the scale from the simulator with SEAL's errors injected: the smallest scale whose trained
 * weights stay within 2^-precisionBits of the float64 twin. A run that overflows any prime
 * fails on the simulator (OVERFLOW) before any key exists.
 */
import { HeError, isHeError, type Backend, type CkksParams } from '../../core/index.js';
import type { SigmoidApproximation } from '../poly/index.js';
import { plainInput } from './inputs.js';
import { trainPlain } from './plain.js';
import { planTraining, trainEncrypted, TRAINING_DEFAULTS, type TrainingOptions, type TrainingPlan, type TrainingPlanRequest } from './train.js';

/** Makes a simulator (e.g. `createSimBackend` from hekit/sim); algorithms never import a backend. */
export type SimulatorFactory = (params: CkksParams, options: { rotations: readonly number[]; noise: 'inject'; seed: number }) => Backend;

/** A `TrainingPlan` whose scale `planTrainingBySimulation` chose, with the evidence. */
export interface SimulatedPlan extends TrainingPlan {
  /** max |weight - twin weight| of the injected simulator run at these parameters. */
  readonly predictedWeightError: number;
  /** Scales tried in order, with the error each gave (Infinity when the run overflowed: OVERFLOW). */
  readonly trials: readonly { scaleBits: number; weightError: number }[];
}

const FIRST_TRIAL_BITS = 30;
const MIN_SCALE_BITS = 20;
/** A ring whose largest fitting scale is at most this many bits above the first trial is probed at that scale first. */
const TIGHT_RING_BITS = 4;
const MAX_SCALE_BITS = 50;

/**
 * log2 of the largest |value| a round holds: the client's cross-Gram entries z_i·z_j, or the fused
 * cubic's u² + c1/c3 for u across the surrogate's interval, whichever is larger.
 */
export function valueBits(batches: readonly (readonly Float64Array[])[], sigmoid: SigmoidApproximation = TRAINING_DEFAULTS.sigmoid): number {
  const [, c1 = 0, , c3 = 1] = sigmoid.coefficients;
  let max = sigmoid.interval[1] ** 2 + Math.abs(c1 / c3);
  for (let k = 1; k < batches.length; k++) for (const row of plainInput(batches, `M${k}`, 1)) for (const v of row) max = Math.max(max, Math.abs(v));
  return Math.ceil(Math.log2(max));
}

/**
 * The plan with the smallest scale (at most 50 bits) meeting `precisionBits` (default 9: weights
 * within 2e-3 of the twin, far inside what changes a prediction). Throws PLAN_INFEASIBLE.
 */
export function planTrainingBySimulation(
  request: Omit<TrainingPlanRequest, 'scaleBits' | 'valueBits'> & { readonly precisionBits?: number },
  batches: readonly (readonly Float64Array[])[],
  simulator: SimulatorFactory,
  options: Omit<TrainingOptions, 'onProgress'> = {},
): SimulatedPlan {
  const precisionBits = request.precisionBits ?? 9;
  const roundValueBits = valueBits(batches, options.sigmoid);
  const rule = request.circuit === 'baseline' ? 'nesterov' : 'gradient';
  const twin = trainPlain(batches, { rule, learningRate: options.learningRate ?? TRAINING_DEFAULTS.learningRate, sigmoid: options.sigmoid ?? TRAINING_DEFAULTS.sigmoid }).w;
  const trials: { scaleBits: number; weightError: number }[] = [];
  const planAt = (scaleBits: number): TrainingPlan | null => {
    try {
      return planTraining({ ...request, scaleBits, valueBits: roundValueBits });
    } catch (e) {
      if (isHeError(e, 'PLAN_INFEASIBLE')) return null;
      throw e;
    }
  };
  /** Trains at `plan` on the injected simulator: max |weight - twin| (Infinity on OVERFLOW). */
  const trial = (plan: TrainingPlan): number => {
    const sim = simulator(plan.params, { rotations: plan.rotations, noise: 'inject', seed: 1 });
    let weightError = Infinity;
    try {
      const { weights } = trainEncrypted(sim, plan, batches, options);
      weightError = Math.max(...weights.map((w, j) => Math.abs(w - twin[j]!)));
    } catch (e) {
      // At too small a scale the errors themselves push values past the first prime's room.
      if (!isHeError(e, 'OVERFLOW')) throw e;
    } finally {
      sim.dispose();
    }
    trials.push({ scaleBits: Math.log2(plan.params.scale), weightError });
    return weightError;
  };
  const meets = (weightError: number): boolean => -Math.log2(weightError) >= precisionBits;
  const infeasible = (largest: number): HeError => new HeError('PLAN_INFEASIBLE',
    `at N = ${request.ringDegree ?? 16384}, no scale up to the largest that fits a round (2^${largest}) keeps the weights within 2^-${precisionBits} of the plaintext twin ` +
      `(trials: ${trials.map((t) => `2^${t.scaleBits}: ${t.weightError.toExponential(1)}`).join(', ')}); ask for fewer bits or a larger ring`,
    { precisionBits, trials, largestScaleBits: largest });

  let largest = MAX_SCALE_BITS;
  while (largest > MIN_SCALE_BITS && planAt(largest) === null) largest--;
  const largestPlan = planAt(largest);
  if (largestPlan === null) planTraining({ ...request, scaleBits: largest, valueBits: roundValueBits }); // throws why nothing fits
  // On a tight ring the largest scale that fits decides, in one run, whether any scale does.
  if (largest <= FIRST_TRIAL_BITS + TIGHT_RING_BITS) {
    const weightError = trial(largestPlan!);
    if (!meets(weightError)) throw infeasible(largest);
    if (largest <= FIRST_TRIAL_BITS) return { ...largestPlan!, predictedWeightError: weightError, trials };
  }
  let scaleBits = FIRST_TRIAL_BITS;
  for (;;) {
    const plan = planAt(scaleBits)!;
    const known = trials.find((t) => t.scaleBits === scaleBits);
    const weightError = known?.weightError ?? trial(plan);
    if (meets(weightError)) return { ...plan, predictedWeightError: weightError, trials };
    if (scaleBits === largest) throw infeasible(largest);
    // Errors scale as 2^-scaleBits: jump to the predicted scale (never past the largest that fits), then creep.
    const bits = -Math.log2(weightError);
    scaleBits = Math.min(largest, scaleBits + (Number.isFinite(bits) ? Math.max(1, Math.ceil(precisionBits - bits)) : 2));
  }
}
