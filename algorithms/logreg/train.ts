/**
 * The training driver: splits K minibatches into rounds that fit the modulus chain, runs each
 * round's circuit, and refreshes the model between rounds through the client (decrypt, then
 * re-encrypt at the top level: SEAL has no bootstrapping). Runs unchanged on any evaluator.
 */
import { HeError, createParams, maxModulusBits, type CkksParams, type CkksParamsLiteral, type Evaluator, type SecurityLevel } from '../../core/index.js';
import { scaleLadder } from '../ladder.js';
import {
  decryptColVector, encodingUnit, encryptColVector, encryptRowVector, freeAll, sumColsRotations, sumRowsRotations, unitFor,
  type EncodingUnit, type EncryptedColVector, type EncryptedRowVector,
} from '../linalg/index.js';
import { sigmoidCubic8, type SigmoidApproximation } from '../poly/index.js';
import { baselineRound, BASELINE_DEPTH_PER_MINIBATCH } from './baseline.js';
import { EncryptingSource, plainInputs, type InputSource } from './inputs.js';
import { freshStart, lowDepthRound, type StartEncryptor } from './lowdepth.js';
import { PackingLabels, plainLabels, type BatchLabels, type LabelSource } from './shared.js';
import { stepCubic, type RoundConfig } from './round.js';

/** The training circuits: 'baseline' (HHCP's Nesterov rule, 5 levels per minibatch) and 'lowdepth' (gradient ascent, about 2.5). */
export type CircuitName = 'baseline' | 'lowdepth';

/** What `planTraining` sizes parameters for. */
export interface TrainingPlanRequest {
  readonly circuit: CircuitName;
  /** Minibatches in the whole run (K), a positive integer. */
  readonly minibatches: number;
  /** Rows per minibatch (b), a positive integer. */
  readonly batchSize: number;
  /** Features including the bias. */
  readonly features: number;
  /** Default 16384: at 32768 each Galois key of a deep chain costs over 100 MB of WASM heap. */
  readonly ringDegree?: number;
  /** log2 of the scale, default 36 (weights within about 1e-3 of the plaintext twin at b = 256). */
  readonly scaleBits?: number;
  /** log2 of the largest |value| a round holds (default 8; `valueBits(batches)` measures it). */
  readonly valueBits?: number;
  /** Security level in bits (default 128): bounds the modulus, hence the levels per round. */
  readonly security?: SecurityLevel;
  /** At most this many minibatches per round (default: as many as the chain allows). */
  readonly minibatchesPerRound?: number;
  /** Bits of the special prime (default 60). Key switching's error shrinks with it; a smaller one leaves room for more levels. */
  readonly specialPrimeBits?: number;
  /**
   * Height m of the encoding unit, a power of two up to half the slots (default: `unitFor(batchSize)`,
   * as tall as a minibatch). A shorter, wider tile splits a minibatch over several tile rows,
   * added before the rotations that sum down a tile: fewer rotations for the products that sum
   * rows, more for those that sum columns (`logreg.planModelByTime` prices both).
   */
  readonly unitHeight?: number;
}

/** Parameters and the split into rounds for a training run, from `planTraining`. */
export interface TrainingPlan {
  readonly circuit: CircuitName;
  /** The parameters as a literal (for JSON, or to create a backend elsewhere). */
  readonly literal: CkksParamsLiteral;
  /** The same parameters, checked. */
  readonly params: CkksParams;
  /** Minibatches per round, in order. */
  readonly rounds: readonly number[];
  /** Levels the deepest round consumes (= the chain's depth). */
  readonly depth: number;
  /** The encoding unit of every matrix and vector (default `unitFor(batchSize, slots)`; `unitHeight` in the request). */
  readonly unit: EncodingUnit;
  /** Rotation steps the rounds use (`roundRotations`): the Galois keys to create. */
  readonly rotations: readonly number[];
  /** Features including the bias. */
  readonly features: number;
}

/**
 * Levels a round of k minibatches consumes. Baseline: 5k. Low-depth: the recurrence of PAPER.md
 * §3.3 (R -> C products +1, C -> R +2, the fused cubic +2), from zero weights or fresh ones.
 */
export function roundDepth(circuit: CircuitName, k: number, start: 'zero' | 'fresh'): number {
  if (circuit === 'baseline') return BASELINE_DEPTH_PER_MINIBATCH * k;
  // [wC_{j-1}, wR_{j-1}, uC_j, uR_j] entering step j.
  let [wC, wR, uC, uR, j] = start === 'zero' ? [0, 1, 1, 1, 2] : [0, 0, 1, 1, 1];
  if (start === 'zero' && k === 1) return 0;
  for (; j < k; j++) [wC, wR, uC, uR] = [Math.max(wC, uR + 2), Math.max(wR, uC + 3), Math.max(wR + 1, uR + 2), Math.max(wC + 2, uC + 3)];
  return Math.max(wC, uR + 2);
}

/** Minibatches per round: as many as fit `maxLevel` levels (and `perRound`), zero start first, then fresh starts. Throws PLAN_INFEASIBLE. */
export function roundSizes(circuit: CircuitName, total: number, maxLevel: number, perRound = total): number[] {
  const sizes: number[] = [];
  for (let left = total; left > 0;) {
    const start = sizes.length === 0 ? 'zero' : 'fresh';
    let k = 0;
    while (k < Math.min(left, perRound) && roundDepth(circuit, k + 1, start) <= maxLevel) k++;
    if (k === 0) {
      throw new HeError('PLAN_INFEASIBLE', `one ${circuit} minibatch needs ${roundDepth(circuit, 1, start)} levels; the chain has ${maxLevel}`, { circuit, maxLevel });
    }
    sizes.push(k);
    left -= k;
  }
  return sizes;
}

/**
 * Parameters for a training run: the scale, the ring, and as many levels as the security
 * limit allows, then trimmed to what the rounds use. Throws PLAN_INFEASIBLE, INVALID_ARGUMENT.
 */
export function planTraining(request: TrainingPlanRequest): TrainingPlan {
  const { circuit, minibatches, batchSize, features } = request;
  const ringDegree = request.ringDegree ?? 16384;
  const scaleBits = request.scaleBits ?? 36;
  const security = request.security ?? 128;
  const perRound = request.minibatchesPerRound ?? minibatches;
  for (const [name, value] of Object.entries({ minibatches, batchSize, features, minibatchesPerRound: perRound })) {
    if (!Number.isInteger(value) || value < 1) throw new HeError('INVALID_ARGUMENT', `${name} must be a positive integer; got ${value}`, { [name]: value });
  }
  const first = Math.min(60, scaleBits + (request.valueBits ?? 8) + 2);
  const special = request.specialPrimeBits ?? 60;
  const maxLevel = Math.floor((maxModulusBits(ringDegree, security) - first - special) / scaleBits);
  const rounds = roundSizes(circuit, minibatches, maxLevel, perRound);
  const depth = Math.max(...rounds.map((k, r) => roundDepth(circuit, k, r === 0 ? 'zero' : 'fresh')));
  const literal: CkksParamsLiteral = { ringDegree, bitSizes: [first, ...Array.from({ length: Math.max(depth, 1) }, () => scaleBits), special], scale: 2 ** scaleBits, security };
  const params = createParams(literal);
  const unit = request.unitHeight === undefined ? unitFor(batchSize, params.slots) : unitOfHeight(request.unitHeight, params.slots);
  return { circuit, literal, params, rounds, depth, unit, features, rotations: roundRotations(circuit, rounds, unit) };
}

/**
 * The rotation steps `circuit`'s rounds of `rounds` minibatches use in `unit`: the Galois keys a run
 * needs, no more (each costs key generation and heap). The baseline sums both ways. A low-depth round
 * sums down a tile (`sumRowsRotations`) unless it is a lone first minibatch (the client sends w_1), and
 * across (`sumColsRotations`) from two minibatches: u's row form for the next step (one-vs-rest's
 * packed labels give the zero start's u_2 that form too).
 */
export function roundRotations(circuit: CircuitName, rounds: readonly number[], unit: EncodingUnit): number[] {
  const rows = circuit === 'baseline' || rounds.length > 1 || (rounds[0] ?? 0) > 1;
  const cols = circuit === 'baseline' || rounds.some((k) => k >= 2);
  return [...(rows ? sumRowsRotations(unit) : []), ...(cols ? sumColsRotations(unit) : [])];
}

/** The m x n unit of height `height`, leaving a width of at least 2. Throws INVALID_ARGUMENT. */
function unitOfHeight(height: number, slots: number): EncodingUnit {
  if (!(height <= slots / 2)) {
    throw new HeError('INVALID_ARGUMENT', `unitHeight must be a power of two up to ${slots / 2} (half the slots); got ${height}`, { unitHeight: height, slots });
  }
  return encodingUnit(height, slots);
}

/** The client's defaults: α = 2 and HHCP's [-8, 8] cubic train best on centred data (docs/training.md, "What happens"). */
export const TRAINING_DEFAULTS = Object.freeze({ learningRate: 2, sigmoid: sigmoidCubic8 });

/** Options of `trainEncrypted` (exported from `logreg` as `EncryptedTrainingOptions`). */
export interface TrainingOptions<C = unknown> {
  /** α: each step adds α/b times the minibatch gradient (default `TRAINING_DEFAULTS.learningRate`). */
  readonly learningRate?: number;
  /** An odd cubic surrogate of σ (default `TRAINING_DEFAULTS.sigmoid`); anything else throws INVALID_ARGUMENT. */
  readonly sigmoid?: SigmoidApproximation;
  /** The client called back for inputs and refreshes (default: `localClient(ev, plan)`). */
  readonly client?: TrainingClient<C>;
  /** Called after each minibatch's inputs are consumed and after each round. */
  readonly onProgress?: (event: ProgressEvent) => void;
}

/**
 * What `trainEncrypted` reports through `onProgress`. `round` counts from 0; a round's end
 * gives its wall-clock seconds (client included) and the levels it used.
 */
export type ProgressEvent =
  | { readonly kind: 'round-start'; readonly round: number; readonly minibatches: number }
  /** Minibatch `minibatch` (1-based within the round) reached the server: its first input was requested. */
  | { readonly kind: 'minibatch'; readonly round: number; readonly minibatch: number }
  | { readonly kind: 'round-end'; readonly round: number; readonly seconds: number; readonly levelsUsed: number };

/** One round's figures, in `TrainingResult.rounds`. */
export interface RoundReport {
  /** Minibatches the round trained. */
  readonly minibatches: number;
  /** Levels from the top to the round's output (baseline: to v, the lower of w and v). */
  readonly levelsUsed: number;
  /** Uncompressed ciphertext bytes of the round's inputs. */
  readonly inputBytes: number;
  /** Wall-clock time of the round, client calls included. */
  readonly seconds: number;
  /** Levels each input was sent at. */
  readonly inputLevels: Readonly<Record<string, number>>;
  /** The weights the client decrypted at the round's end (bias first). */
  readonly weights: Float64Array;
}

/** What `trainEncrypted` returns. */
export interface TrainingResult {
  /** The final weights, as the client decrypted them (bias first). */
  readonly weights: Float64Array;
  readonly rounds: readonly RoundReport[];
  /** Sum of the rounds' `inputBytes`. */
  readonly inputBytes: number;
}

/** A round's inputs as the client sends them. */
export interface RoundInputs<C> extends InputSource<C> {
  /** Uncompressed ciphertext bytes sent so far. */
  readonly bytes: number;
  /** Level each input was sent at. */
  levels(): Map<string, number>;
  /** Frees every input encrypted for the round; the driver calls it when the round ends, even on failure. */
  free(): void;
}

/**
 * The client's side of training, called back by the driver: it owns the data and the secret key,
 * sends each round's inputs, and refreshes the model between rounds (decrypts what the server
 * returns, encrypts it afresh at the top level). `localClient` is the in-process one.
 */
export interface TrainingClient<C> {
  /** The inputs of one round of `batches` (numbered from 1 within it); `firstRequest(k)` fires when minibatch k's first input is asked for. */
  roundInputs(batches: readonly (readonly Float64Array[])[], firstRequest: (minibatch: number) => void): RoundInputs<C>;
  /** Decrypts the weights a round returns (a column vector of `features` entries). */
  decrypt(x: EncryptedColVector<C>): Float64Array;
  /**
   * Encrypts a vector afresh at `level` (default the top), on the ladder scale, as a column vector
   * in the plan's unit: the weights, and for the low-depth circuit u_1 = X_1·w one level down.
   */
  encryptCol(values: Float64Array, level?: number): EncryptedColVector<C>;
  /** As `encryptCol`, as a row vector (the low-depth circuit carries both). */
  encryptRow(values: Float64Array, level?: number): EncryptedRowVector<C>;
}

/** Every class's label vectors for a round (shared.ts), as the client sends them (packed). */
export interface RoundLabels<C> {
  /** Class c's view, for its circuit. */
  forClass(c: number): LabelSource<C>;
  /** Uncompressed ciphertext bytes sent so far. */
  readonly bytes: number;
  /** Level each packed vector was sent at, by `name.kind`. */
  levels(): Map<string, number>;
  /** Frees every vector sent; the driver calls it when the round ends, even on failure. */
  free(): void;
}

/** A client that also sends per-class label vectors, for one-vs-rest training on shared inputs (`trainEncryptedShared`). */
export interface SharedTrainingClient<C> extends TrainingClient<C> {
  /**
   * Every class's label vectors for a round: `labels[c][k]` are class c's ±1 labels of `batches[k]`
   * (unfolded rows); `firstRequest(k)` as in `roundInputs`.
   */
  roundLabels(batches: readonly (readonly Float64Array[])[], labels: readonly (readonly BatchLabels[])[], firstRequest: (minibatch: number) => void): RoundLabels<C>;
}

/** A client sharing the server's evaluator: inputs on the ladder at their first use, fresh vectors at the top level, all under the secret key. */
export function localClient<C>(ev: Evaluator<C>, plan: TrainingPlan, options: Omit<TrainingOptions, 'onProgress' | 'client'> = {}): SharedTrainingClient<C> {
  const ladder = scaleLadder(ev.params);
  const top = ev.params.maxLevel;
  const at = (level = top) => ({ level, scale: ladder[level]!, symmetric: true });
  return {
    roundInputs: (batches, firstRequest) => {
      const scale = stepCubic(roundConfig(plan, ladder, batches[0]!.length, options))[0];
      const plain = plainInputs(batches, scale, plan.unit);
      return new EncryptingSource(ev, plan.unit, ladder, (name) => {
        firstRequest(Number(/\d+/.exec(name)?.[0]));
        return plain(name);
      });
    },
    roundLabels: (batches, labels, firstRequest) => {
      const scale = stepCubic(roundConfig(plan, ladder, batches[0]!.length, options))[0];
      const plain = labels.map((y) => plainLabels(batches, y, scale));
      return new PackingLabels(ev, plan.unit, ladder, plain.map((p) => (name: string) => {
        firstRequest(Number(/\d+/.exec(name)?.[0]));
        return p(name);
      }));
    },
    decrypt: (x) => decryptColVector(ev, x),
    encryptCol: (values, level) => encryptColVector(ev, plan.unit, values, at(level)),
    encryptRow: (values, level) => encryptRowVector(ev, plan.unit, values, at(level)),
  };
}

/** @internal `client`'s encryptors as a `StartEncryptor`, each vector handed to `track` as it is made. */
export function trackedEncryptor<C>(client: TrainingClient<C>, track: <T extends EncryptedColVector<C> | EncryptedRowVector<C>>(x: T) => T): StartEncryptor<C> {
  return { col: (values, level) => track(client.encryptCol(values, level)), row: (values, level) => track(client.encryptRow(values, level)) };
}

/** @internal The round configuration of `plan` with `options`' step size and surrogate. */
export function roundConfig(plan: TrainingPlan, ladder: readonly number[], batchSize: number, options: Omit<TrainingOptions, 'onProgress' | 'client'>): RoundConfig {
  return {
    unit: plan.unit, ladder, batchSize, features: plan.features,
    learningRate: options.learningRate ?? TRAINING_DEFAULTS.learningRate, sigmoid: options.sigmoid ?? TRAINING_DEFAULTS.sigmoid,
  };
}

/**
 * Trains `plan.circuit` on `batches` (folded rows): each round's circuit on `ev` (the server),
 * its inputs and the refreshes between rounds through `options.client` (default: `localClient`).
 * Frees everything it creates.
 *
 * @example
 * ```ts
 * import { logreg } from 'hekit/algorithms';
 * import { createSimBackend } from 'hekit/sim';
 *
 * const data = logreg.loadDataset({ seed: 1 }); // MNIST 3 vs 8, centred, scaled, labels folded in
 * const batches = logreg.minibatches(data, 2, 64);
 * const plan = logreg.planTraining({ circuit: 'lowdepth', minibatches: 2, batchSize: 64, features: data.features });
 * // The simulator with SEAL's errors drawn in; createSealBackend(plan.params, { rotations: plan.rotations }) runs it for real.
 * const ev = createSimBackend(plan.params, { rotations: plan.rotations, noise: 'inject' });
 * const trained = logreg.trainEncrypted(ev, plan, batches);
 * console.log(trained.rounds.length, logreg.accuracy(data.test, trained.weights));
 * ev.dispose();
 * ```
 */
export function trainEncrypted<C>(ev: Evaluator<C>, plan: TrainingPlan, batches: readonly (readonly Float64Array[])[], options: TrainingOptions<C> = {}): TrainingResult {
  const total = plan.rounds.reduce((a, b) => a + b, 0);
  if (batches.length !== total) throw new HeError('INVALID_ARGUMENT', `the plan is for ${total} minibatches; got ${batches.length}`, { planned: total, got: batches.length });
  const features = plan.features;
  if (batches.some((b) => b.length !== batches[0]!.length || b.some((z) => z.length !== features))) {
    throw new HeError('SHAPE_MISMATCH', `every minibatch must have ${batches[0]!.length} rows of ${features} features`, { features });
  }
  const config = roundConfig(plan, scaleLadder(ev.params), batches[0]!.length, options);
  const client = options.client ?? localClient(ev, plan, options);
  const top = ev.params.maxLevel;
  let w: Float64Array = new Float64Array(features);
  let v: Float64Array = new Float64Array(features);
  let step = 0;
  const reports: RoundReport[] = [];
  let offset = 0;
  plan.rounds.forEach((k, round) => {
    options.onProgress?.({ kind: 'round-start', round, minibatches: k });
    const t0 = performance.now();
    const roundBatches = batches.slice(offset, offset + k);
    offset += k;
    let reached = 0;
    const source = client.roundInputs(roundBatches, (minibatch) => {
      for (; reached < Math.min(minibatch, k); reached++) options.onProgress?.({ kind: 'minibatch', round, minibatch: reached + 1 });
    });
    let low = top;
    // Everything a round allocates is released even when the circuit throws (LEVEL_EXHAUSTED, bad_alloc, ...).
    const made: Array<EncryptedColVector<C> | EncryptedRowVector<C>> = [];
    let inputLevels: Record<string, number> = {};
    const track = <T extends EncryptedColVector<C> | EncryptedRowVector<C>>(x: T): T => (made.push(x), x);
    try {
      if (plan.circuit === 'lowdepth') {
        const start = round === 0 ? null : freshStart(trackedEncryptor(client, track), top, k, w, roundBatches[0]!);
        const out = track(lowDepthRound(ev, source, k, config, start));
        low = ev.meta(out.tiles[0]!).level;
        w = client.decrypt(out);
      } else {
        const start = { w: track(client.encryptCol(w)), v: track(client.encryptCol(v)), step };
        const out = baselineRound(ev, source, k, config, start);
        [out.w, out.v].forEach(track);
        low = ev.meta(out.v.tiles[0]!).level;
        w = client.decrypt(out.w);
        v = client.decrypt(out.v);
        step = out.step;
      }
    } finally {
      made.forEach((x) => freeAll(ev, x));
      inputLevels = Object.fromEntries(source.levels());
      source.free();
    }
    const seconds = (performance.now() - t0) / 1000;
    reports.push({ minibatches: k, levelsUsed: top - low, inputBytes: source.bytes, seconds, inputLevels, weights: w });
    options.onProgress?.({ kind: 'round-end', round, seconds, levelsUsed: top - low });
  });
  return { weights: w, rounds: reports, inputBytes: reports.reduce((s, r) => s + r.inputBytes, 0) };
}
