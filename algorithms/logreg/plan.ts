/**
 * Planning a training run by simulation: the depth and rounds come from the circuit's recurrence
 * (tests hold it equal to the levels SEAL consumes), the value range from the client's inputs,
 * and the scale from the simulator: the smallest scale whose trained weights stay within
 * 2^-precisionBits of the float64 twin. By default each trial is one tracked run, the weights'
 * error read from the simulator's estimate (correlation-aware, issue 17); `noise: 'inject'`
 * trains with SEAL's errors drawn instead (slower; one realisation). A run that overflows any
 * prime fails on the simulator (OVERFLOW) before any key exists.
 */
import { floodingFactor, HeError, isHeError, type Backend, type CkksParams, type FloodingOptions } from '../../core/index.js';
import type { Ciphertext } from '../../core/handle.js';
import type { EncryptedColVector } from '../linalg/index.js';
import type { SigmoidApproximation } from '../poly/index.js';
import { plainInput } from './inputs.js';
import { trainPlain } from './plain.js';
import { localClient, planTraining, trainEncrypted, TRAINING_DEFAULTS, type ProgressEvent, type TrainingOptions, type TrainingPlan, type TrainingPlanRequest } from './train.js';

/**
 * Makes a simulator (e.g. `createSimBackend` from hekit/sim); algorithms never import a backend.
 * With noise 'track' its backend should offer `noise(ct)` (a per-slot `std`), as hekit/sim's does;
 * one that does not is run with noise 'inject' instead.
 */
export type SimulatorFactory = (params: CkksParams, options: { rotations: readonly number[]; noise: 'inject' | 'track'; seed: number }) => Backend;

/** What a tracking simulator adds to `Backend`. */
interface Tracking {
  noise(ct: Ciphertext): { readonly std: Float64Array };
}
const tracks = (b: Backend): b is Backend & Tracking => typeof (b as Partial<Tracking>).noise === 'function' && b.capabilities.predictsNoise;

/**
 * How the client refreshes the weights between rounds, for the tracked run to model: with
 * `flooding`, as `hekit/client`'s `refresh` does by default (and so `trainRemote`), it adds
 * Gaussian noise of std `floodingStd(σ_e, { decryptions: rounds, ...flooding })` to every weight,
 * σ_e the largest tracked std of the round's decrypted weights. Default: a plain refresh (a local
 * run decrypts and re-encrypts without flooding).
 */
export interface RefreshModel {
  readonly flooding: FloodingOptions;
}

/**
 * Trains at `plan` on a tracking simulator and returns the weights with the tracked std of each:
 * each round's error carried into the next in variance (a refresh re-encrypts the weights with
 * their error), and with `refresh.flooding` the flooding noise of every refresh but the last
 * round's added likewise. The weights are the first vector each round decrypts (the baseline's
 * w, then v). With `stopAbove`, it stops after the first round whose weights' median max error
 * (`medianMaxAbs` of the std so far) exceeds it: the variance only grows, so the whole run would
 * too; `rounds` says how many ran. Throws INVALID_ARGUMENT when `sim` does not track noise or the
 * flooding options are bad (`floodingFactor`).
 */
export function trainTracked(
  sim: Backend,
  plan: TrainingPlan,
  batches: readonly (readonly Float64Array[])[],
  options: Omit<TrainingOptions, 'onProgress' | 'client'> & { readonly refresh?: RefreshModel; readonly stopAbove?: number } = {},
): { readonly weights: Float64Array; readonly std: Float64Array; readonly rounds: number } {
  if (!tracks(sim)) throw new HeError('INVALID_ARGUMENT', 'trainTracked needs a simulator that tracks noise (noise: \'track\')', { argument: 'sim' });
  const { refresh, stopAbove, ...training } = options;
  // σ_flood / σ_e as the client sizes it (t = the plan's rounds); checked before any run.
  const factor = refresh === undefined ? null : floodingFactor({ decryptions: plan.rounds.length, ...refresh.flooding });
  const variance = new Float64Array(plan.features);
  // worst: the largest std of any slot the client decrypted this round (the baseline's w and v), what its flooding is sized from.
  let decrypted = 0, worst = 0;
  let last: Float64Array = new Float64Array(plan.features);
  const local = localClient(sim, plan, training);
  const client = {
    ...local,
    decrypt: (x: EncryptedColVector<Ciphertext>): Float64Array => {
      const weights = decrypted++ === 0;
      const n = x.unit.width;
      x.tiles.forEach((tile, t) => {
        const { std } = sim.noise(tile);
        for (let c = 0; c < n && t * n + c < variance.length; c++) {
          if (weights) variance[t * n + c]! += (std[c] as number) ** 2;
          worst = Math.max(worst, std[c] as number);
        }
      });
      const values = local.decrypt(x);
      if (weights) last = values;
      return values;
    },
  };
  let rounds = 0;
  const onProgress = (e: ProgressEvent): void => {
    if (e.kind === 'round-end') {
      rounds++;
      if (stopAbove !== undefined && rounds < plan.rounds.length && medianMaxAbs(variance.map(Math.sqrt)) > stopAbove) throw new Stopped();
    }
    if (e.kind !== 'round-start') return;
    // A round after the first starts from a refresh, which flooded every weight alike (the baseline's v
    // by its own, smaller or larger, std: counted at the larger, so the estimate errs high).
    if (factor !== null && e.round > 0) {
      const flood = (factor * worst) ** 2;
      variance.forEach((_, j) => { variance[j]! += flood; });
    }
    decrypted = 0;
    worst = 0;
  };
  try {
    trainEncrypted(sim, plan, batches, { ...training, client, onProgress });
  } catch (e) {
    if (!(e instanceof Stopped)) throw e;
  }
  return { weights: last, std: variance.map(Math.sqrt), rounds };
}

/** Thrown out of a tracked run that has already missed its bound (`stopAbove`): between rounds, nothing is live. */
class Stopped extends Error {}

/**
 * The median of max_j |e_j| for independent Gaussian e_j ~ N(0, σ_j²): t with
 * P(max ≤ t) = Π_j (1 - erfc(t / (σ_j√2))) = 1/2. What one injected run's max |weight - twin| is
 * to be compared with.
 */
function medianMaxAbs(stds: ArrayLike<number>): number {
  const s = Array.from(stds).filter((x) => x > 0);
  if (s.length === 0) return 0;
  const logP = (t: number): number => s.reduce((acc, x) => acc + Math.log1p(-erfc(t / (x * Math.SQRT2))), 0);
  let lo = 0, hi = 12 * Math.max(...s);
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (logP(mid) < -Math.LN2) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Complementary error function (Numerical Recipes' erfcc, relative error < 1.2e-7). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
    t * (0.27886807 + t * (-1.13520398 + t * (1.48851526 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? r : 2 - r;
}

/** A `TrainingPlan` whose scale `planTrainingBySimulation` chose, with the evidence. */
export interface SimulatedPlan extends TrainingPlan {
  /** max |weight - twin weight| of the injected simulator run at these parameters. */
  readonly predictedWeightError: number;
  /**
   * Scales tried in order, with the error each gave (Infinity when the run overflowed: OVERFLOW);
   * a run at the last scale that fits stops after the round that misses the precision by more
   * than MISS_MARGIN (`stoppedAfterRound`), its error then a lower bound of the whole run's.
   */
  readonly trials: readonly Trial[];
}

/** One scale tried by `planTrainingBySimulation`. */
export interface Trial {
  readonly scaleBits: number;
  readonly weightError: number;
  /** Set when the run stopped early, after this many rounds, having missed the precision already. */
  readonly stoppedAfterRound?: number;
}

/**
 * How far (error over the precision asked) a run must miss to be judged hopeless: a run at the
 * last scale that fits stops once it is this far off, and the time planner does not check the
 * other encoding units of a structure that missed by this much in one (the unit changes the
 * error only through the rotations' key-switch noise).
 */
export const MISS_MARGIN = 2;

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
 * within 2e-3 of the twin, far inside what changes a prediction). `noise` (default 'track'): how
 * each trial judges the weights' error, from one tracked run's estimate or from one injected run.
 * `refresh`: how the client refreshes between rounds (`RefreshModel`; tracked runs only). Throws
 * PLAN_INFEASIBLE; INVALID_ARGUMENT for `refresh` with noise 'inject' or a simulator that does
 * not track noise.
 */
export function planTrainingBySimulation(
  request: Omit<TrainingPlanRequest, 'scaleBits' | 'valueBits'> & { readonly precisionBits?: number; readonly noise?: 'track' | 'inject'; readonly refresh?: RefreshModel },
  batches: readonly (readonly Float64Array[])[],
  simulator: SimulatorFactory,
  options: Omit<TrainingOptions, 'onProgress'> = {},
): SimulatedPlan {
  const { noise: mode = 'track', refresh, ...shape } = request;
  if (refresh !== undefined && mode !== 'track') throw new HeError('INVALID_ARGUMENT', 'a flooded refresh is modelled by tracked runs only: plan with noise \'track\'', { argument: 'refresh' });
  const precisionBits = request.precisionBits ?? 9;
  const roundValueBits = valueBits(batches, options.sigmoid);
  const rule = request.circuit === 'baseline' ? 'nesterov' : 'gradient';
  const twin = trainPlain(batches, { rule, learningRate: options.learningRate ?? TRAINING_DEFAULTS.learningRate, sigmoid: options.sigmoid ?? TRAINING_DEFAULTS.sigmoid }).w;
  const trials: Trial[] = [];
  const planAt = (scaleBits: number): TrainingPlan | null => {
    try {
      return planTraining({ ...shape, scaleBits, valueBits: roundValueBits });
    } catch (e) {
      if (isHeError(e, 'PLAN_INFEASIBLE')) return null;
      throw e;
    }
  };
  /**
   * Trains at `plan` on the simulator (Infinity on OVERFLOW). Injected: max |weight - twin|.
   * Tracked: the median max |weight - twin| the estimate predicts, each round's error carried
   * into the next in variance (a refresh re-encrypts the weights with their error, and floods
   * them when `refresh` says so).
   */
  const trial = (plan: TrainingPlan, last = false): number => {
    let sim = simulator(plan.params, { rotations: plan.rotations, noise: mode, seed: 1 });
    if (mode === 'track' && !tracks(sim)) {
      sim.dispose();
      if (refresh !== undefined) throw new HeError('INVALID_ARGUMENT', 'a flooded refresh is modelled by tracked runs only: the simulator does not track noise', { argument: 'refresh' });
      sim = simulator(plan.params, { rotations: plan.rotations, noise: 'inject', seed: 1 });
    }
    let weightError = Infinity;
    let stoppedAfterRound: number | undefined;
    try {
      if (tracks(sim) && mode === 'track') {
        // At the last scale that fits, a wide miss means no scale fits: it may as well show early.
        const run = trainTracked(sim, plan, batches, { ...options, ...(refresh === undefined ? {} : { refresh }), ...(last ? { stopAbove: MISS_MARGIN * 2 ** -precisionBits } : {}) });
        weightError = medianMaxAbs(run.std);
        if (run.rounds < plan.rounds.length) stoppedAfterRound = run.rounds;
      } else {
        const { weights } = trainEncrypted(sim, plan, batches, options);
        weightError = Math.max(...weights.map((w, j) => Math.abs(w - twin[j]!)));
      }
    } catch (e) {
      // At too small a scale the errors themselves push values past the first prime's room.
      if (!isHeError(e, 'OVERFLOW')) throw e;
    } finally {
      sim.dispose();
    }
    trials.push({ scaleBits: Math.log2(plan.params.scale), weightError, ...(stoppedAfterRound === undefined ? {} : { stoppedAfterRound }) });
    return weightError;
  };
  const meets = (weightError: number): boolean => -Math.log2(weightError) >= precisionBits;
  const infeasible = (largest: number): HeError => new HeError('PLAN_INFEASIBLE',
    `at N = ${request.ringDegree ?? 16384}, no scale up to the largest that fits a round (2^${largest}) keeps the weights within 2^-${precisionBits} of the plaintext twin ` +
      `(trials: ${trials.map((t) => `2^${t.scaleBits}: ${t.stoppedAfterRound === undefined ? '' : '>= '}${t.weightError.toExponential(1)}${t.stoppedAfterRound === undefined ? '' : ` after ${t.stoppedAfterRound} round${t.stoppedAfterRound > 1 ? 's' : ''}`}`).join(', ')}); ask for fewer bits or a larger ring`,
    { precisionBits, trials, largestScaleBits: largest });

  let largest = MAX_SCALE_BITS;
  while (largest > MIN_SCALE_BITS && planAt(largest) === null) largest--;
  const largestPlan = planAt(largest);
  if (largestPlan === null) planTraining({ ...shape, scaleBits: largest, valueBits: roundValueBits }); // throws why nothing fits
  // On a tight ring the largest scale that fits decides, in one run, whether any scale does.
  if (largest <= FIRST_TRIAL_BITS + TIGHT_RING_BITS) {
    const weightError = trial(largestPlan!, true);
    if (!meets(weightError)) throw infeasible(largest);
    if (largest <= FIRST_TRIAL_BITS) return { ...largestPlan!, predictedWeightError: weightError, trials };
  }
  let scaleBits = FIRST_TRIAL_BITS;
  for (;;) {
    const plan = planAt(scaleBits)!;
    const known = trials.find((t) => t.scaleBits === scaleBits);
    const weightError = known?.weightError ?? trial(plan, scaleBits === largest);
    if (meets(weightError)) return { ...plan, predictedWeightError: weightError, trials };
    if (scaleBits === largest) throw infeasible(largest);
    // Errors scale as 2^-scaleBits: jump to the predicted scale (never past the largest that fits), then creep.
    const bits = -Math.log2(weightError);
    scaleBits = Math.min(largest, scaleBits + (Number.isFinite(bits) ? Math.max(1, Math.ceil(precisionBits - bits)) : 2));
  }
}
