/**
 * Float64 reference trainers: the exact update rules the encrypted circuits compute, so an
 * encrypted run can be compared weight for weight with its plaintext twin.
 *
 * Both maximise Σ log σ(z_i·w) over folded rows z_i by minibatch gradient ascent; the gradient
 * of a minibatch Z (b x d) is Zᵀ σ(-Z w), with σ(-t) exact or a polynomial surrogate.
 * - `gradient`: w ← w + (α/b)·Zᵀ σ(-Z w), the rule of the low-depth circuit;
 * - `nesterov`: HHCP's rule (PAPER.md §2.2), w' = v + (α/b)·Zᵀ σ(-Z v), v' = (1-η_t)·w' + η_t·w.
 */
import { HeError } from '../../core/index.js';
import { sigmoid, type SigmoidApproximation } from '../poly/index.js';

/** 'gradient': plain minibatch gradient ascent (the low-depth circuit); 'nesterov': HHCP's accelerated rule (the baseline). */
export type UpdateRule = 'gradient' | 'nesterov';

/** How the float64 trainers update: the rule, the step size and σ. */
export interface TrainingOptions {
  readonly rule: UpdateRule;
  /** α: the step is α/b times the minibatch gradient. */
  readonly learningRate: number;
  /** σ itself, or a polynomial surrogate of it. */
  readonly sigmoid: 'exact' | SigmoidApproximation;
}

/** Model state between minibatches: the weights, and for Nesterov the look-ahead point and step count. */
export interface ModelState {
  readonly w: Float64Array;
  readonly v: Float64Array;
  /** Minibatches trained so far (drives the momentum schedule). */
  readonly step: number;
}

/** The zero model with `features` weights (bias included), at step 0: where both trainers start. */
export const initialState = (features: number): ModelState => ({ w: new Float64Array(features), v: new Float64Array(features), step: 0 });

/** HHCP's momentum schedule: a_0 = 0.01, a_{t+1} = (1 + √(1 + 4a_t²))/2, η_t = (1 - a_t)/a_{t+1}. */
export function momentum(step: number): number {
  let a = 0.01;
  let next = (1 + Math.sqrt(1 + 4 * a * a)) / 2;
  for (let t = 0; t < step; t++) [a, next] = [next, (1 + Math.sqrt(1 + 4 * next * next)) / 2];
  return (1 - a) / next;
}

/** t ↦ σ(-t) as the rule evaluates it. */
export function surrogate(sig: TrainingOptions['sigmoid']): (t: number) => number {
  if (sig === 'exact') return (t) => sigmoid(-t);
  const c = sig.coefficients;
  return (t) => c.reduceRight((acc, ck) => acc * -t + ck, 0);
}

/** One minibatch step of `options.rule` from `state`. */
export function trainStep(state: ModelState, batch: readonly Float64Array[], options: TrainingOptions): ModelState {
  const s = surrogate(options.sigmoid);
  const d = state.w.length;
  if (batch.length === 0 || batch.some((z) => z.length !== d)) {
    throw new HeError('SHAPE_MISMATCH', `a minibatch of rows of ${d} features was expected`, { features: d });
  }
  const from = options.rule === 'nesterov' ? state.v : state.w;
  const step = options.learningRate / batch.length;
  const next = Float64Array.from(from);
  for (const z of batch) {
    let u = 0;
    for (let j = 0; j < d; j++) u += z[j]! * from[j]!;
    const g = step * s(u);
    for (let j = 0; j < d; j++) next[j]! += g * z[j]!;
  }
  if (options.rule === 'gradient') return { w: next, v: next, step: state.step + 1 };
  const eta = momentum(state.step);
  const v = next.map((wj, j) => (1 - eta) * wj + eta * state.w[j]!);
  return { w: next, v, step: state.step + 1 };
}

/** Trains over `batches` in order from `state` (default: zeros). */
export function trainPlain(batches: readonly (readonly Float64Array[])[], options: TrainingOptions, state?: ModelState): ModelState {
  if (!(Number.isFinite(options.learningRate) && options.learningRate > 0)) {
    throw new HeError('INVALID_ARGUMENT', `learningRate ${options.learningRate} must be a positive number`, { learningRate: options.learningRate });
  }
  return batches.reduce((st, batch) => trainStep(st, batch, options), state ?? initialState(batches[0]?.[0]?.length ?? 0));
}
