/**
 * Planning a training run by predicted time. For a request (data shape, precision, security, a
 * limit on client round trips, workers) it enumerates circuit, ring degree, minibatches per round
 * and worker count; the level budget alone (no run) says which fit and the largest scale each
 * holds; each fitting structure's rounds are dry-run (`analyze`) and priced with a cost model
 * (`predictTime`), adding key generation, the pool's set-up, the client's refreshes and the
 * transfers; then, fastest first, the tracked simulator (`planTrainingBySimulation`) finds the
 * smallest scale meeting the precision, until one candidate does: that one is chosen. Op counts
 * come from the dry runs, so the prediction follows the circuits as they change.
 */
import { analyze, evaluationKeyBytes, HeError, isHeError, maxModulusBits, predictTime, rotationUse, shareSteps, type CircuitAnalysis, type CostModel, type SecurityLevel } from '../../core/index.js';
import type { SigmoidApproximation } from '../poly/index.js';
import { roundCircuit } from './circuit.js';
import { ciphertextBytes } from './inputs.js';
import { foldedBatches, minibatchShape, modelClasses, type ModelPlan } from './fit.js';
import { MISS_MARGIN, planTrainingBySimulation, valueBits, type RefreshModel, type SimulatorFactory } from './plan.js';
import type { PreparedData } from './prepare.js';
import { isPowerOfTwo, unitFor } from '../linalg/index.js';
import { planTraining, roundDepth, TRAINING_DEFAULTS, type CircuitName, type TrainingPlan } from './train.js';

/** What `planModelByTime` plans for. The pinned fields (`circuit` ... `workers`) fix their dimension of the enumeration. */
export interface TimedPlanRequest {
  /** Minibatches of the run (default: up to 6, as many as the training split holds). */
  readonly minibatches?: number;
  /** Rows per minibatch (default: a power of two up to 256 that fits the training split). */
  readonly batchSize?: number;
  /** Weights within 2^-precisionBits of the float64 twin (default 9). */
  readonly precisionBits?: number;
  /** Default 128. */
  readonly security?: SecurityLevel;
  /** At most this many client round trips (rounds); default: no limit. */
  readonly maxRounds?: number;
  /** Worker counts tried: 1 to maxWorkers (default 1: the main thread only). */
  readonly maxWorkers?: number;
  /** Cores of the machine: a pool's threads share them while they make their keys (default maxWorkers). */
  readonly cores?: number;
  /**
   * Bytes of each pool worker's heap written before it makes its keys (threads started by
   * `prestartPoolWorkers` warm theirs while the run is planned); default 0.
   */
  readonly prefaultedHeapBytes?: number;
  readonly circuit?: CircuitName;
  readonly ringDegree?: number;
  readonly minibatchesPerRound?: number;
  /** A given encoding unit height (default: the minibatch's, half and a quarter of it, each priced). */
  readonly unitHeight?: number;
  /** A given scale: no precision check, the candidate only has to fit. */
  readonly scaleBits?: number;
  readonly workers?: number;
  readonly learningRate?: number;
  readonly sigmoid?: SigmoidApproximation;
  /** How the client refreshes between rounds, for the precision check (default: plain; `trainRemote` floods). */
  readonly refresh?: RefreshModel;
}

/** Where a candidate's predicted seconds go. */
export interface PredictedSeconds {
  /** One thread's context and keys (0 with a pool, whose workers make them). */
  readonly keys: number;
  /** A pool's workers starting and making their contexts and keys (0 on one thread). */
  readonly poolSetUp: number;
  /** The rounds' circuits (inputs and refreshed weights encrypted included), on the workers. */
  readonly training: number;
  /** The client decrypting each round's weights. */
  readonly refresh: number;
  /** Each round's weights moved from the workers to the main thread (0 on the main thread). */
  readonly transfer: number;
}

/**
 * How a candidate's precision was judged. 'not met' also when the same structure (circuit, ring,
 * minibatches per round) missed it by more than 2x in another unit, which is then not run again.
 */
export type PrecisionCheck = 'met' | 'not met' | 'unchecked' | 'given';

/** One way to run the training, with its predicted cost. */
export interface PlanCandidate {
  readonly circuit: CircuitName;
  readonly ringDegree: number;
  /** The most minibatches a round takes. */
  readonly minibatchesPerRound: number;
  /** Client round trips. */
  readonly rounds: number;
  /** Height of the encoding unit (its width: the slots over it). */
  readonly unitHeight: number;
  /** Minibatches per round, in order. */
  readonly roundSizes: readonly number[];
  /** Primes of the chain, special prime included. */
  readonly primes: number;
  /** The scale the run uses: the smallest meeting the precision when checked, the given one, else null (unchecked). */
  readonly scaleBits: number | null;
  /** The largest scale the level budget allows with this structure. */
  readonly largestScaleBits: number;
  readonly workers: number;
  /** Where a pool's Galois keys live (`SealPoolOptions.keyPlacement`): every worker holds all, or each its share ('replicate' on one thread). */
  readonly keyPlacement: 'replicate' | 'split';
  /** keys + poolSetUp + training + refresh + transfer. */
  readonly predictedSeconds: number;
  readonly seconds: PredictedSeconds;
  /** Uncompressed ciphertext bytes the client sends: every round's inputs and refreshed weights. */
  readonly inputBytes: number;
  /** Evaluation keys (public, relinearization, Galois) in SEAL's memory. */
  readonly keyBytes: number;
  readonly precision: PrecisionCheck;
  /** The tracked simulator's predicted max |weight - twin| at `scaleBits` (null unless checked). */
  readonly predictedWeightError: number | null;
}

/** What `planModelByTime` chose, and every candidate it priced, fastest first. */
export interface TimedPlan {
  readonly plan: ModelPlan;
  readonly chosen: PlanCandidate;
  readonly candidates: readonly PlanCandidate[];
  /** Where the cost model's figures come from. */
  readonly costSource: CostModel['source'];
}

const RINGS = [8192, 16384, 32768];
/** As `planModel`: special primes tried at each ring, largest first (a smaller one leaves room for more levels). */
const SPECIAL_PRIMES = [60, 50, 45];
const MIN_SCALE_BITS = 20;
const MAX_SCALE_BITS = 50;
/** Keys that fit one 4 GiB WebAssembly heap beside a round's working set (benchmarks: 2.1 GiB runs, 2.7 GiB fails). */
const HEAP_KEY_BYTES = 2.5 * 2 ** 30;
/** Sharing a pool's Galois keys out is priced only when it saves at least this fraction of the run in set-up (each costs a replay of the pool). */
const SPLIT_WORTH = 0.05;
/** Above these evaluation-key bytes a pool splits the Galois keys between its workers (hekit/seal/pool's 'auto' placement). */
const POOL_SPLIT_KEY_BYTES = 2 ** 31;

/** A structure that fits the level budget: the plan at its largest scale and the special prime that allows it. */
interface Structure {
  readonly circuit: CircuitName;
  readonly ringDegree: number;
  readonly perRound: number;
  readonly unitHeight: number;
  readonly specialPrimeBits: number;
  readonly plan: TrainingPlan;
}

/** A candidate's structure without its unit. */
const structureKey = (c: PlanCandidate): string => `${c.circuit}/${c.ringDegree}/${c.minibatchesPerRound}`;
/** A candidate's structure, as the precision check caches it: the worker count does not change the weights. */
const candidateKey = (c: PlanCandidate): string => `${structureKey(c)}/${c.unitHeight}`;

/**
 * The unit heights the planner prices for minibatches of `batchSize` in `slots` slots: the
 * minibatch-tall one (`unitFor`), half and a quarter of it. A tall tile sums its rows in log2(b)
 * rotations per tile column; shorter, wider ones add tile rows first and sum columns in more:
 * which wins depends on the circuit's mix.
 */
export function unitHeights(batchSize: number, slots: number): number[] {
  const tallest = unitFor(batchSize, slots).height;
  return [tallest, tallest / 2, tallest / 4].filter((h) => h >= 1);
}
const tile = (plan: TrainingPlan): string => `${plan.unit.height}x${plan.unit.width}`;

/** Round sizes of `total` minibatches at most `perRound` each. */
const split = (total: number, perRound: number): number[] => Array.from({ length: Math.ceil(total / perRound) }, (_, r) => Math.min(perRound, total - r * perRound));

/**
 * The largest scale (and the largest special prime allowing it) at which every round of `perRound`
 * minibatches fits the chain at `ringDegree`, from the level budget alone; null when none does.
 */
function fitStructure(circuit: CircuitName, ringDegree: number, perRound: number, unitHeight: number, shape: { minibatches: number; batchSize: number; features: number },
  bits: { value: number; security: SecurityLevel; scale?: number }): Structure | null {
  const sizes = split(shape.minibatches, perRound);
  const depth = Math.max(...sizes.map((k, r) => roundDepth(circuit, k, r === 0 ? 'zero' : 'fresh')));
  let best: { scaleBits: number; specialPrimeBits: number } | null = null;
  for (const specialPrimeBits of SPECIAL_PRIMES) {
    const scales = bits.scale === undefined ? Array.from({ length: MAX_SCALE_BITS - MIN_SCALE_BITS + 1 }, (_, i) => MAX_SCALE_BITS - i) : [bits.scale];
    for (const scaleBits of scales) {
      const first = Math.min(60, scaleBits + bits.value + 2);
      const maxLevel = Math.floor((maxModulusBits(ringDegree, bits.security) - first - specialPrimeBits) / scaleBits);
      if (maxLevel >= Math.max(depth, 1)) {
        if (best === null || scaleBits > best.scaleBits) best = { scaleBits, specialPrimeBits };
        break;
      }
    }
  }
  if (best === null) return null;
  try {
    const plan = planTraining({ circuit, ...shape, ringDegree, minibatchesPerRound: perRound, unitHeight, valueBits: bits.value, security: bits.security, ...best });
    return plan.rounds.join() === sizes.join() ? { circuit, ringDegree, perRound, unitHeight, specialPrimeBits: best.specialPrimeBits, plan } : null;
  } catch (e) {
    if (isHeError(e, 'PLAN_INFEASIBLE') || isHeError(e, 'PARAMS_INSECURE') || isHeError(e, 'PARAMS_INVALID')) return null;
    throw e;
  }
}

/** Options of `predictTraining`. */
export interface PredictTrainingOptions {
  /** SEAL worker threads (1: the main thread). */
  readonly workers: number;
  /** Cores of the machine (default: workers). */
  readonly cores?: number;
  /** Bytes of each pool worker's heap written before it makes its keys (default 0). */
  readonly prefaultedHeapBytes?: number;
  /** Binary models trained on shared inputs (one-vs-rest: one per class; default 1): each round's work counts once per model. */
  readonly models?: number;
  readonly learningRate?: number;
  readonly sigmoid?: SigmoidApproximation;
  /** Dry runs of a round of k minibatches from zero or fresh weights (default: `analyze` of `roundCircuit`); the planner shares them between candidates. */
  readonly dryRun?: (k: number, start: 'zero' | 'fresh') => CircuitAnalysis;
  /**
   * Where a pool's Galois keys live (`SealPoolOptions.keyPlacement`): 'split' shares them out
   * (each worker makes fewer, and a rotation runs where its key is), 'replicate' gives every
   * worker all; default 'auto', as `createSealPool` decides.
   */
  readonly keyPlacement?: KeyPlacement;
}

/** A pool's placement of the Galois keys, as `createSealPool` takes it. */
export type KeyPlacement = 'replicate' | 'split' | 'auto';

/** Whether a pool of `workers` with `keyPlacement` splits `galoisKeys` keys of `keyBytes` in all between its workers ('auto': when they would crowd a heap). */
const splitsKeys = (workers: number, galoisKeys: number, keyBytes: number, keyPlacement: KeyPlacement): boolean =>
  workers > 1 && galoisKeys > 0 && (keyPlacement === 'split' || (keyPlacement === 'auto' && keyBytes > POOL_SPLIT_KEY_BYTES));

/** What `predictTraining` predicts for a plan. */
export interface TrainingPrediction {
  readonly seconds: PredictedSeconds;
  /** Uncompressed ciphertext bytes the client sends: every round's inputs and refreshed weights. */
  readonly inputBytes: number;
  /** Evaluation keys in SEAL's memory. */
  readonly keyBytes: number;
}

/**
 * Predicted seconds of `plan` on `batches` (folded rows) with `model`'s prices: key generation,
 * the pool's set-up (more than one worker), each round's dry run priced by `predictTime` on the
 * workers, the client's decryption of each round's weights, and their transfer from the workers.
 */
export function predictTraining(plan: TrainingPlan, batches: readonly (readonly Float64Array[])[], model: CostModel, options: PredictTrainingOptions): TrainingPrediction {
  const { workers, models = 1 } = options;
  const dryRun = options.dryRun ?? ((k: number, start: 'zero' | 'fresh'): CircuitAnalysis =>
    analyze(roundCircuit(plan.circuit, batches.slice(0, k), { ...(options.learningRate === undefined ? {} : { learningRate: options.learningRate }), ...(options.sigmoid === undefined ? {} : { sigmoid: options.sigmoid }), start, unitHeight: plan.unit.height, values: false }),
      { params: plan.params, rotations: plan.rotations }));
  const { ringDegree } = plan.params;
  const [dataPrimes, galoisKeys] = [plan.params.dataPrimes.length, plan.rotations.length];
  const keys = evaluationKeyBytes(ringDegree, dataPrimes, galoisKeys);
  const rounds = plan.rounds.map((k, r) => dryRun(k, r === 0 ? 'zero' : 'fresh'));
  const outputs = rounds.map((a) => a.outputs.map((o) => o.level));
  // Split as `hekit train`'s pool splits them: placed by the first round's rotations.
  const keysSplit = splitsKeys(workers, galoisKeys, keys, options.keyPlacement ?? 'auto');
  const placement = keysSplit ? { galoisSteps: shareSteps(plan.rotations, workers, rotationUse(rounds[0]!, plan.params, plan.rotations)) } : {};
  // Rounds of one size and start share their dry run, so their price too (a pool's replay is the costly part).
  const priced = new Map<CircuitAnalysis, number>();
  const roundSeconds = (a: CircuitAnalysis): number => {
    let seconds = priced.get(a);
    if (seconds === undefined) priced.set(a, (seconds = predictTime(a, model, workers, placement).seconds));
    return seconds;
  };
  const seconds: PredictedSeconds = {
    // A pool's workers make every key; its main thread none.
    keys: workers > 1 ? 0 : model.keyGenMs(ringDegree, dataPrimes, galoisKeys) / 1000,
    poolSetUp: workers > 1
      ? model.poolSetUpMs(workers, options.cores ?? workers, ringDegree, dataPrimes, keysSplit ? Math.ceil(galoisKeys / workers) : galoisKeys, options.prefaultedHeapBytes) / 1000 : 0,
    training: models * rounds.reduce((sum, a) => sum + roundSeconds(a), 0),
    refresh: (models * outputs.reduce((sum, o) => sum + o.reduce((t, level) => t + model.opMs('decrypt', ringDegree, level + 1), 0), 0)) / 1000,
    transfer: workers > 1 ? (models * outputs.reduce((sum, o) => sum + model.transferMs(o.reduce((b, level) => b + ciphertextBytes(ringDegree, level), 0)), 0)) / 1000 : 0,
  };
  const inputBytes = models * rounds.reduce((sum, a) => sum + a.nodes.filter((n) => n.op === 'encrypt').reduce((b, n) => b + ciphertextBytes(ringDegree, n.level), 0), 0);
  return { seconds, inputBytes, keyBytes: keys };
}

/**
 * Plans a training run on `data` by predicted time (see the module comment) with `model`'s prices:
 * the fastest candidate that meets the precision (or has the given scale) and the round-trip
 * limit. One-vs-rest runs are priced as one binary run per class. Throws PLAN_INFEASIBLE when no
 * candidate fits, with every reason in `details`; INVALID_ARGUMENT for a bad request.
 */
export function planModelByTime(data: PreparedData, request: TimedPlanRequest, simulator: SimulatorFactory, model: CostModel): TimedPlan {
  const { minibatches, batchSize } = minibatchShape(data.train.length, request);
  const positives = modelClasses(data.classes);
  const batches = foldedBatches(data, positives[0]!, minibatches, batchSize);
  const options = { learningRate: request.learningRate ?? TRAINING_DEFAULTS.learningRate, sigmoid: request.sigmoid ?? TRAINING_DEFAULTS.sigmoid };
  const security = request.security ?? 128;
  const maxWorkers = request.maxWorkers ?? 1;
  const cores = request.cores ?? maxWorkers;
  const maxRounds = request.maxRounds ?? Infinity;
  for (const [name, value] of Object.entries({ maxWorkers, cores, ...(request.workers === undefined ? {} : { workers: request.workers }) })) {
    if (!Number.isInteger(value) || value < 1) throw new HeError('INVALID_ARGUMENT', `${name} must be a positive integer; got ${value}`, { argument: name, [name]: value });
  }
  const prefaultedHeapBytes = request.prefaultedHeapBytes ?? 0;
  if (!(prefaultedHeapBytes >= 0 && Number.isFinite(prefaultedHeapBytes))) {
    throw new HeError('INVALID_ARGUMENT', `prefaultedHeapBytes must be a non-negative number; got ${prefaultedHeapBytes}`, { argument: 'prefaultedHeapBytes', prefaultedHeapBytes });
  }
  const shape = { minibatches, batchSize, features: data.features };
  const bits = { value: valueBits(batches, options.sigmoid), security, ...(request.scaleBits === undefined ? {} : { scale: request.scaleBits }) };

  const circuits: CircuitName[] = request.circuit === undefined ? ['lowdepth', 'baseline'] : [request.circuit];
  const rings = request.ringDegree === undefined ? RINGS : [request.ringDegree];
  const perRounds = request.minibatchesPerRound === undefined ? Array.from({ length: minibatches }, (_, i) => i + 1) : [request.minibatchesPerRound];
  const workerCounts = request.workers === undefined ? Array.from({ length: maxWorkers }, (_, i) => i + 1) : [request.workers];
  if (request.unitHeight !== undefined && !isPowerOfTwo(request.unitHeight)) {
    throw new HeError('INVALID_ARGUMENT', `unitHeight must be a power of two; got ${request.unitHeight}`, { argument: 'unitHeight', unitHeight: request.unitHeight });
  }
  const heightsAt = (ringDegree: number): number[] => {
    if (request.unitHeight !== undefined) return request.unitHeight <= ringDegree / 4 ? [request.unitHeight] : [];
    return unitHeights(batchSize, ringDegree / 2);
  };

  const rejected: string[] = [];
  const structures: Structure[] = [];
  for (const circuit of circuits) {
    for (const ringDegree of rings) {
      const seen = new Set<string>();
      for (const perRound of perRounds) {
        const sizes = split(minibatches, perRound).join();
        if (seen.has(sizes)) continue; // more per round than the run holds: the same structure
        seen.add(sizes);
        if (split(minibatches, perRound).length > maxRounds) {
          rejected.push(`${circuit}, N = ${ringDegree}, ${perRound} per round: more than ${maxRounds} round trips`);
          continue;
        }
        const heights = heightsAt(ringDegree);
        if (heights.length === 0) {
          rejected.push(`${circuit}, N = ${ringDegree}: a unit of height ${request.unitHeight} leaves no room for two columns`);
          continue;
        }
        const fits = heights.map((h) => fitStructure(circuit, ringDegree, perRound, h, shape, bits)).filter((s) => s !== null);
        if (fits.length === 0) rejected.push(`${circuit}, N = ${ringDegree}, ${perRound} per round: the chain cannot hold a round${request.scaleBits === undefined ? '' : ` at 2^${request.scaleBits}`}`);
        structures.push(...fits);
      }
    }
  }

  // Each distinct round (circuit, ring, chain, size, start) is dry-run once.
  const dryRuns = new Map<string, CircuitAnalysis>();
  const dryRunOf = (s: Structure) => (k: number, start: 'zero' | 'fresh'): CircuitAnalysis => {
    const key = `${s.circuit}/${s.ringDegree}/${s.plan.params.primes.length}/${s.unitHeight}/${k}/${start}`;
    let a = dryRuns.get(key);
    if (a === undefined) {
      a = analyze(roundCircuit(s.circuit, batches.slice(0, k), { ...options, start, unitHeight: s.unitHeight, values: false }), { params: s.plan.params, rotations: s.plan.rotations });
      dryRuns.set(key, a);
    }
    return a;
  };

  /**
   * Seconds of pool set-up that sharing the Galois keys out saves (each worker makes its share):
   * at most what it can gain, since a rotation then runs only where its key is.
   */
  const splitSaving = (plan: TrainingPlan, workers: number): number => {
    const { ringDegree, dataPrimes } = plan.params;
    const setUp = (galoisKeys: number) => model.poolSetUpMs(workers, cores, ringDegree, dataPrimes.length, galoisKeys, prefaultedHeapBytes);
    return (setUp(plan.rotations.length) - setUp(Math.ceil(plan.rotations.length / workers))) / 1000;
  };

  let candidates: PlanCandidate[] = [];
  for (const s of structures) {
    const { plan } = s;
    for (const workers of workerCounts) {
      // A pool may share its Galois keys out: each worker makes fewer, its rotations then run where their key is. Both are priced, the faster kept.
      const placements: KeyPlacement[] = workers > 1 && plan.rotations.length > 1 ? ['auto', 'split'] : ['auto'];
      let best: PlanCandidate | null = null;
      for (const keyPlacement of placements) {
        if (keyPlacement === 'split' && best !== null && splitSaving(plan, workers) < SPLIT_WORTH * best.predictedSeconds) continue;
        const { seconds, inputBytes, keyBytes: keys } = predictTraining(plan, batches, model, { workers, cores, prefaultedHeapBytes, models: positives.length, dryRun: dryRunOf(s), keyPlacement });
        const split = splitsKeys(workers, plan.rotations.length, keys, keyPlacement);
        // On one thread all keys share the heap; a pool's worker holds its share when they are split.
        if ((split ? keys / workers : keys) > HEAP_KEY_BYTES) continue;
        const candidate: PlanCandidate = {
          circuit: s.circuit, ringDegree: s.ringDegree, minibatchesPerRound: s.perRound, rounds: plan.rounds.length, roundSizes: plan.rounds, unitHeight: s.unitHeight,
          primes: plan.params.primes.length, scaleBits: request.scaleBits ?? null, largestScaleBits: Math.log2(plan.params.scale), workers, keyPlacement: split ? 'split' : 'replicate',
          predictedSeconds: seconds.keys + seconds.poolSetUp + seconds.training + seconds.refresh + seconds.transfer, seconds,
          inputBytes, keyBytes: keys, precision: request.scaleBits === undefined ? 'unchecked' : 'given', predictedWeightError: null,
        };
        if (best === null || candidate.predictedSeconds < best.predictedSeconds) best = candidate;
      }
      if (best === null) {
        rejected.push(`${s.circuit}, N = ${s.ringDegree}, ${s.perRound} per round, ${tile(s.plan)} tiles, ${workers} worker${workers > 1 ? 's' : ''}: keys do not fit the 4 GiB heap`);
        continue;
      }
      candidates.push(best);
    }
  }
  candidates.sort((a, b) => a.predictedSeconds - b.predictedSeconds);

  // Fastest first, find the smallest scale meeting the precision; the first candidate that has one wins.
  const checked = new Map<string, { plan: TrainingPlan; error: number } | null>();
  // A structure whose best scale missed the precision by more than MISS_MARGIN in one unit is not run in
  // the others: the unit changes the weights' error only through the rotations' key-switch noise.
  const missed = new Set<string>();
  const check = (c: PlanCandidate): { plan: TrainingPlan; error: number } | null => {
    const key = candidateKey(c);
    if (!checked.has(key) && missed.has(structureKey(c))) checked.set(key, null);
    if (!checked.has(key)) {
      let found: { plan: TrainingPlan; error: number } | null = null;
      let closest = Infinity;
      for (const specialPrimeBits of SPECIAL_PRIMES) {
        try {
          const p = planTrainingBySimulation({
            circuit: c.circuit, ...shape, ringDegree: c.ringDegree, minibatchesPerRound: c.minibatchesPerRound, unitHeight: c.unitHeight, security, specialPrimeBits,
            ...(request.precisionBits === undefined ? {} : { precisionBits: request.precisionBits }),
            ...(request.refresh === undefined ? {} : { refresh: request.refresh }),
          }, batches, simulator, options);
          if (p.rounds.join() === c.roundSizes.join()) found = { plan: p, error: p.predictedWeightError };
          break;
        } catch (e) {
          if (!isHeError(e, 'PLAN_INFEASIBLE')) throw e;
          const { trials = [], precisionBits } = (e.details ?? {}) as { trials?: readonly { weightError: number }[]; precisionBits?: number };
          if (precisionBits !== undefined) for (const t of trials) closest = Math.min(closest, t.weightError * 2 ** precisionBits);
        }
      }
      if (found === null && closest > MISS_MARGIN) missed.add(structureKey(c));
      checked.set(key, found);
    }
    return checked.get(key)!;
  };
  const given = (c: PlanCandidate): TrainingPlan =>
    structures.find((s) => s.circuit === c.circuit && s.ringDegree === c.ringDegree && s.perRound === c.minibatchesPerRound && s.unitHeight === c.unitHeight)!.plan;

  let chosen: { index: number; plan: TrainingPlan; error: number | null } | null = null;
  for (let i = 0; i < candidates.length && chosen === null; i++) {
    const c = candidates[i]!;
    if (c.precision === 'given') {
      chosen = { index: i, plan: given(c), error: null };
      break;
    }
    const found = check(c);
    if (found !== null) chosen = { index: i, plan: found.plan, error: found.error };
  }
  candidates = candidates.map((c) => {
    if (c.precision === 'given') return c;
    const key = candidateKey(c);
    if (!checked.has(key)) return c;
    const found = checked.get(key)!;
    return found === null ? { ...c, precision: 'not met' }
      : { ...c, precision: 'met', scaleBits: Math.log2(found.plan.params.scale), predictedWeightError: found.error };
  });
  if (chosen === null) {
    throw new HeError('PLAN_INFEASIBLE', `no candidate meets the request: ${[...rejected, ...candidates.map((c) => `${c.circuit}, N = ${c.ringDegree}, ${c.minibatchesPerRound} per round, ${c.unitHeight}-row tiles: precision not met`)].slice(0, 6).join('; ')}`,
      { rejected, candidates: candidates.length });
  }
  const { trials: _trials, predictedWeightError: _error, ...plan } = chosen.plan as TrainingPlan & { trials?: unknown; predictedWeightError?: unknown };
  return {
    plan: { ...plan, minibatches, batchSize, predictedWeightError: chosen.error, ringsRejected: [] },
    chosen: candidates[chosen.index]!, candidates, costSource: model.source,
  };
}
