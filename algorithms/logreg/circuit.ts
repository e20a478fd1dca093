/**
 * One training round as a plain `Circuit`: what `analyze`, `dryRun` or any evaluator can run
 * on its own, without a plan or a client. The inputs are encrypted where the round first uses
 * them, as in training; the outputs are the model's tiles (the baseline's: w's, then v's).
 */
import { analyze, HeError, type Circuit, type CircuitAnalysis, type Evaluator } from '../../core/index.js';
import { scaleLadder } from '../ladder.js';
import { encodingUnit, freeAll, unitFor, type EncryptedColVector, type EncryptedRowVector } from '../linalg/index.js';
import type { SigmoidApproximation } from '../poly/index.js';
import { baselineRound } from './baseline.js';
import { EncryptingSource, inputShape, plainInputs } from './inputs.js';
import { freshStart, lowDepthRound, startEncryptor } from './lowdepth.js';
import { stepCubic, type RoundConfig } from './round.js';
import { TRAINING_DEFAULTS, type CircuitName, type TrainingPlan } from './train.js';

/** Options of `roundCircuit`. */
export interface RoundCircuitOptions {
  /** α (default `TRAINING_DEFAULTS.learningRate`). */
  readonly learningRate?: number;
  /** An odd cubic surrogate of σ (default `TRAINING_DEFAULTS.sigmoid`). */
  readonly sigmoid?: SigmoidApproximation;
  /**
   * 'zero' (default): the first round of a training; 'fresh': weights (and the low-depth
   * circuit's u_1) sent by the client after a refresh. Only the low-depth circuit differs: the
   * baseline always starts from fresh weights.
   */
  readonly start?: 'zero' | 'fresh';
  /** Height of the encoding unit (default `unitFor(batchSize)`, as `planTraining`'s `unitHeight`). */
  readonly unitHeight?: number;
  /**
   * false: every input an encryption of zero in its shape, for metadata-only runs (`analyze`),
   * which read no value: the same ops, levels and bytes, without the client's plain work
   * (default true).
   */
  readonly values?: boolean;
}

/**
 * `circuit`'s round over `batches` (folded rows, one array per minibatch) from zero or fresh
 * zero-valued weights, laid out for the evaluator's slot count. Frees everything but its output.
 */
export function roundCircuit(circuit: CircuitName, batches: readonly (readonly Float64Array[])[], options: RoundCircuitOptions = {}): Circuit {
  return <C>(ev: Evaluator<C>): readonly C[] => {
    const batchSize = batches[0]?.length ?? 0;
    const features = batches[0]?.[0]?.length ?? 0;
    const ladder = scaleLadder(ev.params);
    const unit = options.unitHeight === undefined ? unitFor(batchSize, ev.params.slots) : encodingUnit(options.unitHeight, ev.params.slots);
    const config: RoundConfig = {
      unit, ladder, batchSize, features,
      learningRate: options.learningRate ?? TRAINING_DEFAULTS.learningRate, sigmoid: options.sigmoid ?? TRAINING_DEFAULTS.sigmoid,
    };
    const top = ev.params.maxLevel;
    const zeros = new Float64Array(features);
    const firstStepScale = stepCubic(config)[0];
    const source = new EncryptingSource(ev, unit, ladder, options.values === false
      ? { shapeOf: (name) => inputShape(name, batchSize, features, unit) }
      : plainInputs(batches, firstStepScale, unit));
    // The start vectors are freed whether the round returns or throws.
    const made: Array<EncryptedColVector<C> | EncryptedRowVector<C>> = [];
    const track = <T extends EncryptedColVector<C> | EncryptedRowVector<C>>(x: T): T => (made.push(x), x);
    try {
      const encrypt = startEncryptor(ev, unit, ladder, track);
      if (circuit === 'lowdepth') {
        const start = options.start === 'fresh' ? freshStart(encrypt, top, batches.length, zeros, batches[0]!) : null;
        return lowDepthRound(ev, source, batches.length, config, start).tiles;
      }
      const start = { w: encrypt.col(zeros, top), v: encrypt.col(zeros, top), step: 0 };
      const out = baselineRound(ev, source, batches.length, config, start);
      // The round's state is both vectors: v, one level below w, carries the momentum.
      return [...out.w.tiles, ...out.v.tiles];
    } finally {
      made.forEach((x) => freeAll(ev, x));
      source.free();
    }
  };
}

/**
 * The dry run (`analyze`) of `plan`'s first round over the first minibatches of `batches`, on the
 * plan's parameters and keys: its depth, op counts and peak memory, and what `createSealPool`
 * uses (option `analysis`) to place Galois keys across workers.
 */
export function analyzeRound(plan: TrainingPlan, batches: readonly (readonly Float64Array[])[]): CircuitAnalysis {
  const k = plan.rounds[0] ?? 0;
  if (batches.length < k) throw new HeError('INVALID_ARGUMENT', `the plan's first round takes ${k} minibatches; got ${batches.length}`, { minibatches: batches.length, needed: k });
  return analyze(roundCircuit(plan.circuit, batches.slice(0, k), { start: 'zero', unitHeight: plan.unit.height, values: false }), { params: plan.params, rotations: plan.rotations });
}
