/**
 * Training a `Model` on prepared data: the plan sized from the data's shape (rows, features,
 * value range; the smallest secure ring that holds a round), one encrypted run (a binary model
 * for two classes; for K > 2 all K one-vs-rest models on inputs encrypted once, shared.ts), each
 * model compared with its float64 twin, and the held-out accuracy of both after every minibatch
 * (twin) and every refresh (encrypted).
 */
import { HeError, isHeError, type Evaluator } from '../../core/index.js';
import type { SigmoidApproximation } from '../poly/index.js';
import { classOfScores, Model, type TrainingMetadata } from './model.js';
import { trainStep, initialState, type UpdateRule } from './plain.js';
import { trainEncryptedShared } from './train-shared.js';
import { planTrainingBySimulation, valueBits, type SimulatorFactory } from './plan.js';
import { foldLabels, type PreparedData } from './prepare.js';
import { planTraining, trainEncrypted, TRAINING_DEFAULTS, type CircuitName, type ProgressEvent, type TrainingPlan } from './train.js';

/** What `planModel` plans for; every field has a default sized from the data. */
export interface ModelPlanRequest {
  /** Default 'lowdepth'. */
  readonly circuit?: CircuitName;
  /** Minibatches of the run (default: up to 6, as many as the training split holds). */
  readonly minibatches?: number;
  /** Rows per minibatch (default: a power of two up to 256, so that the minibatches fit the training split). */
  readonly batchSize?: number;
  /** Default: the smallest of 8192, 16384, 32768 whose 128-bit chain holds a round at the needed scale. */
  readonly ringDegree?: number;
  /** log2 of the scale (default: the smallest meeting `precisionBits` on the injected simulator). */
  readonly scaleBits?: number;
  /** Weights within 2^-precisionBits of the float64 twin when the scale is planned (default 9). */
  readonly precisionBits?: number;
  readonly minibatchesPerRound?: number;
  /** Height of the encoding unit (default: as tall as a minibatch; `planTraining`'s `unitHeight`). */
  readonly unitHeight?: number;
  readonly learningRate?: number;
  readonly sigmoid?: SigmoidApproximation;
}

/** A `TrainingPlan` for a prepared table, with the minibatch shape and how the ring was chosen. */
export interface ModelPlan extends TrainingPlan {
  readonly minibatches: number;
  readonly batchSize: number;
  /** The injected simulator's max |weight - twin| at the planned scale (null when the scale was given). */
  readonly predictedWeightError: number | null;
  /** Smaller rings that were tried and why they could not hold the run. */
  readonly ringsRejected: readonly { readonly ringDegree: number; readonly reason: string }[];
}

const RINGS = [8192, 16384, 32768];
/**
 * Special primes tried at each ring, largest first. Key switching's error shrinks with the special
 * prime; a few bits above the first prime still keep it below a rescale's, and the bits saved
 * buy levels: at N = 8192 a 45-bit special prime holds 4 levels of 2^32 where 60 bits hold 2^29.
 */
const SPECIAL_PRIMES = [60, 50, 45];
const MAX_BATCH = 256;
const DEFAULT_MINIBATCHES = 6;

/** The default minibatch shape for `trainRows` rows: a power-of-two batch up to 256, up to 6 minibatches. */
export function minibatchShape(trainRows: number, request: Pick<ModelPlanRequest, 'minibatches' | 'batchSize'> = {}): { minibatches: number; batchSize: number } {
  const wanted = request.minibatches ?? DEFAULT_MINIBATCHES;
  const batchSize = request.batchSize ?? Math.min(MAX_BATCH, 2 ** Math.max(0, Math.floor(Math.log2(trainRows / Math.min(wanted, trainRows)))));
  const minibatches = request.minibatches ?? Math.min(DEFAULT_MINIBATCHES, Math.floor(trainRows / batchSize));
  if (minibatches < 1 || minibatches * batchSize > trainRows) {
    throw new HeError('INVALID_ARGUMENT', `${minibatches} minibatch${minibatches === 1 ? '' : 'es'} of ${batchSize} rows need ${minibatches * batchSize} training rows; the split has ${trainRows}`,
      { minibatches, batchSize, trainRows });
  }
  return { minibatches, batchSize };
}

/** Consecutive training rows, folded for binary model `positive`, cut into `count` minibatches of `size` (what `trainModel` trains a binary model on). */
export function foldedBatches(data: PreparedData, positive: number, count: number, size: number): Float64Array[][] {
  const folded = foldLabels(data.train.slice(0, count * size), data.trainLabels.slice(0, count * size), positive);
  return Array.from({ length: count }, (_, k) => folded.slice(k * size, (k + 1) * size));
}

/** The class index each binary model is positive for: [1] for two classes, [0 .. K-1] for one-vs-rest. */
export const modelClasses = (classes: readonly string[]): number[] => (classes.length === 2 ? [1] : classes.map((_, k) => k));

/**
 * Plans a training run for `data`: the minibatch shape, then the smallest ring (unless given)
 * whose 128-bit chain holds a round at the scale the precision needs, the scale found on the
 * injected `simulator` unless `scaleBits` is given. Throws PLAN_INFEASIBLE, INVALID_ARGUMENT.
 */
export function planModel(data: PreparedData, request: ModelPlanRequest, simulator: SimulatorFactory): ModelPlan {
  const circuit = request.circuit ?? 'lowdepth';
  const { minibatches, batchSize } = minibatchShape(data.train.length, request);
  // Every binary model sees the same rows up to sign, so the first one's inputs size the plan for all.
  const batches = foldedBatches(data, modelClasses(data.classes)[0]!, minibatches, batchSize);
  const options = { learningRate: request.learningRate ?? TRAINING_DEFAULTS.learningRate, sigmoid: request.sigmoid ?? TRAINING_DEFAULTS.sigmoid };
  const shape = {
    circuit, minibatches, batchSize, features: data.features,
    ...(request.minibatchesPerRound === undefined ? {} : { minibatchesPerRound: request.minibatchesPerRound }),
    ...(request.unitHeight === undefined ? {} : { unitHeight: request.unitHeight }),
  };
  const rings = request.ringDegree === undefined ? RINGS : [request.ringDegree];
  const ringsRejected: { ringDegree: number; reason: string }[] = [];
  let failure: unknown;
  for (const ringDegree of rings) {
    for (const specialPrimeBits of SPECIAL_PRIMES) {
      try {
        if (request.scaleBits !== undefined) {
          const plan = planTraining({ ...shape, ringDegree, specialPrimeBits, scaleBits: request.scaleBits, valueBits: valueBits(batches, options.sigmoid) });
          return { ...plan, minibatches, batchSize, predictedWeightError: null, ringsRejected };
        }
        const precision = request.precisionBits === undefined ? {} : { precisionBits: request.precisionBits };
        const plan = planTrainingBySimulation({ ...shape, ringDegree, specialPrimeBits, ...precision }, batches, simulator, options);
        const { trials: _trials, predictedWeightError, ...rest } = plan;
        return { ...rest, minibatches, batchSize, predictedWeightError, ringsRejected };
      } catch (e) {
        if (!isHeError(e, 'PLAN_INFEASIBLE')) throw e;
        failure = e;
      }
    }
    ringsRejected.push({ ringDegree, reason: (failure as HeError).message });
  }
  throw failure;
}

/** One encrypted run, in `ModelReport.runs`: one binary model, or all K one-vs-rest models on shared inputs. */
export interface ModelRun {
  /** The class each of the run's models scores as positive, in model order. */
  readonly positives: readonly string[];
  readonly rounds: readonly { readonly minibatches: number; readonly levelsUsed: number; readonly seconds: number; readonly inputBytes: number }[];
  /** Wall-clock seconds of the run (client included), every model of it. */
  readonly seconds: number;
  /** Uncompressed ciphertext bytes the client sent: shared inputs once, plus every model's label vectors. */
  readonly inputBytes: number;
  /** max |encrypted weight - twin weight| of each model, in `positives` order. */
  readonly weightsMaxAbsDiffs: readonly number[];
  /** The largest of `weightsMaxAbsDiffs`. */
  readonly weightsMaxAbsDiff: number;
}

/** Held-out accuracy after a minibatch, in `ModelReport.curve`. */
export interface CurvePoint {
  /** Minibatches trained so far. */
  readonly minibatch: number;
  readonly accuracy: number;
}

/** What `trainModel` reports beside the model. */
export interface ModelReport {
  readonly runs: readonly ModelRun[];
  /** Levels one run consumes in all (the sum over its rounds). */
  readonly depth: number;
  readonly seconds: number;
  readonly inputBytes: number;
  readonly accuracy: { readonly encrypted: number; readonly twin: number; readonly testRows: number };
  /** max over the runs of max |encrypted weight - twin weight|. */
  readonly weightsMaxAbsDiff: number;
  /** Held-out accuracy of the float64 twin after every minibatch and of the encrypted model at every refresh. */
  readonly curve: { readonly twin: readonly CurvePoint[]; readonly encrypted: readonly CurvePoint[] };
}

/** Options of `trainModel`. */
export interface TrainModelOptions {
  readonly learningRate?: number;
  readonly sigmoid?: SigmoidApproximation;
  /** Called with the run's progress (a one-vs-rest model on shared inputs is one run). */
  readonly onProgress?: (event: ProgressEvent) => void;
}

/** Fraction of rows whose class, picked from each binary model's score, is their label. */
export function heldOutAccuracy(rows: readonly Float64Array[], labels: readonly number[], weights: readonly ArrayLike<number>[]): number {
  let correct = 0;
  rows.forEach((x, i) => {
    const scores = weights.map((w) => x.reduce((s, v, j) => s + v * (w[j] as number), 0));
    if (classOfScores(scores) === labels[i]) correct++;
  });
  return correct / rows.length;
}

/**
 * Trains `plan` on `ev` (any backend whose parameters and Galois keys are the plan's): one run
 * of `plan.circuit` (for K > 2 classes, all K models on shared inputs), then the model with the
 * fitted transform and the report.
 */
export function trainModel<C>(ev: Evaluator<C> & { readonly name: string }, plan: ModelPlan, data: PreparedData, options: TrainModelOptions = {}): { model: Model; report: ModelReport } {
  const learningRate = options.learningRate ?? TRAINING_DEFAULTS.learningRate;
  const sigmoid = options.sigmoid ?? TRAINING_DEFAULTS.sigmoid;
  const rule: UpdateRule = plan.circuit === 'baseline' ? 'nesterov' : 'gradient';
  const positives = modelClasses(data.classes);
  const runs: ModelRun[] = [];
  // Per model: the twin's weights after every minibatch, the encrypted weights after every round.
  const twinSteps: Float64Array[][] = positives.map((positive) => {
    let state = initialState(plan.features);
    return foldedBatches(data, positive, plan.minibatches, plan.batchSize).map((batch) => (state = trainStep(state, batch, { rule, learningRate, sigmoid })).w);
  });
  const maxAbsDiff = (w: Float64Array, model: number) => Math.max(...w.map((x, j) => Math.abs(x - twinSteps[model]!.at(-1)![j]!)));
  const roundFigures = (rounds: readonly { minibatches: number; levelsUsed: number; seconds: number; inputBytes: number }[]) =>
    rounds.map(({ minibatches, levelsUsed, seconds, inputBytes }) => ({ minibatches, levelsUsed, seconds, inputBytes }));
  let encryptedRounds: Float64Array[][];
  if (positives.length > 1) {
    // One-vs-rest: the unfolded rows are encrypted once for all K models; each sends its labels' vectors.
    const rows = data.train.slice(0, plan.minibatches * plan.batchSize);
    const batches = Array.from({ length: plan.minibatches }, (_, k) => rows.slice(k * plan.batchSize, (k + 1) * plan.batchSize));
    const labels = positives.map((positive) => data.trainLabels.slice(0, rows.length).map((l) => (l === positive ? 1 : -1)));
    const result = trainEncryptedShared(ev, plan, batches, labels, {
      learningRate, sigmoid, onProgress: (e) => { if (e.kind !== 'model-end') options.onProgress?.(e); },
    });
    encryptedRounds = positives.map((_, c) => result.rounds.map((r) => r.weights[c]!));
    const diffs = result.weights.map(maxAbsDiff);
    runs.push({
      positives: positives.map((p) => data.classes[p]!), rounds: roundFigures(result.rounds),
      seconds: result.rounds.reduce((s, r) => s + r.seconds, 0), inputBytes: result.inputBytes, weightsMaxAbsDiffs: diffs, weightsMaxAbsDiff: Math.max(...diffs),
    });
  } else {
    // Two classes: one binary model, positive for the second class.
    const positive = positives[0]!;
    const batches = foldedBatches(data, positive, plan.minibatches, plan.batchSize);
    const result = trainEncrypted(ev, plan, batches, { learningRate, sigmoid, ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }) });
    const diff = maxAbsDiff(result.weights, 0);
    runs.push({
      positives: [data.classes[positive]!], rounds: roundFigures(result.rounds),
      seconds: result.rounds.reduce((s, r) => s + r.seconds, 0), inputBytes: result.inputBytes, weightsMaxAbsDiffs: [diff], weightsMaxAbsDiff: diff,
    });
    encryptedRounds = [result.rounds.map((r) => r.weights)];
  }
  const accuracyOf = (weights: readonly Float64Array[]) => heldOutAccuracy(data.test, data.testLabels, weights);
  const finalEncrypted = encryptedRounds.map((rounds) => rounds[rounds.length - 1]!);
  const finalTwin = twinSteps.map((steps) => steps[steps.length - 1]!);
  let trained = 0;
  const curve = {
    twin: twinSteps[0]!.map((_, k) => ({ minibatch: k + 1, accuracy: accuracyOf(twinSteps.map((steps) => steps[k]!)) })),
    encrypted: plan.rounds.map((k, r) => ({ minibatch: (trained += k), accuracy: accuracyOf(encryptedRounds.map((rounds) => rounds[r]!)) })),
  };
  const accuracy = { encrypted: accuracyOf(finalEncrypted), twin: accuracyOf(finalTwin), testRows: data.test.length };
  const depth = runs[0]!.rounds.reduce((s, r) => s + r.levelsUsed, 0);
  const training: TrainingMetadata = {
    circuit: plan.circuit, backend: ev.name, ringDegree: plan.params.ringDegree, bitSizes: [...plan.params.bitSizes], scaleBits: Math.log2(plan.params.scale),
    depth, rounds: plan.rounds.length, minibatches: plan.minibatches, batchSize: plan.batchSize, learningRate, seed: data.seed, label: data.labelName, accuracy,
  };
  const model = new Model({ classes: data.classes, featureNames: data.featureNames, transform: data.transform, weights: finalEncrypted.map((w) => Array.from(w)), training });
  return {
    model,
    report: {
      runs, depth, seconds: runs.reduce((s, r) => s + r.seconds, 0), inputBytes: runs.reduce((s, r) => s + r.inputBytes, 0), accuracy,
      weightsMaxAbsDiff: Math.max(...runs.map((r) => r.weightsMaxAbsDiff)), curve,
    },
  };
}
