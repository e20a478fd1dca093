/**
 * The baseline: HHCP's update with Nesterov momentum (PAPER.md §2.2, §2.5), written with the
 * linear-algebra toolkit, exactly 5 levels per minibatch:
 *   u  = Z v                       matrix x column vector, masked       2 levels
 *   G  = Z ∘ g·σ(-u)               cubic fused into the Hadamard         2 levels
 *   w' = v + sumRows(G)            column sums, no mask                 0 levels
 *   v' = (1-η_t)·w' + η_t·w        momentum constants                   1 level
 * w and v are column vectors of length d; minibatch k is requested at v's level.
 *
 * Shared inputs (one-vs-rest, shared.ts): given a `LabelSource`, Z is the unfolded X, the fused
 * product takes the cubic's odd part only, and the class's g·s0·X_kᵀy_k (`Xy{k}`, cut from the
 * vector packed with the other classes' one level up) joins the column sums: same depth, and the
 * momentum step is label-free.
 */
import type { Evaluator } from '../../core/index.js';
import { add, freeAll, fusedCubicRowsSummands, landAll, matrixTimesCol, sumRowsMany, type EncryptedColVector } from '../linalg/index.js';
import type { InputSource } from './inputs.js';
import { labelTerms, termsMatrix, type LabelSource } from './shared.js';
import { momentum } from './plain.js';
import { inputAt, levelOf, stepCubic, type RoundConfig } from './round.js';

/** The baseline circuit's encrypted model between minibatches, as in the float64 Nesterov rule. */
export interface BaselineState<C> {
  /** The weights w. */
  readonly w: EncryptedColVector<C>;
  /** The look-ahead point v the next gradient is taken at (one level below w after a round). */
  readonly v: EncryptedColVector<C>;
  /** Minibatches trained before this state (the momentum schedule's t). */
  readonly step: number;
}

/** Levels one baseline minibatch consumes. */
export const BASELINE_DEPTH_PER_MINIBATCH = 5;

/**
 * Trains `minibatches` minibatches (`X1`..`XK` from `source`) from `start`, which is kept.
 * With `labels`, `source` holds unfolded rows and the model is the one those labels define.
 * Out: w at 5K - 1 levels below v's start, v at 5K below. Depth 5 per minibatch · Rotations
 * `sumRowsRotations`, `sumColsRotations` of the unit · Throws what the ops throw
 * (LEVEL_EXHAUSTED when the chain is too short).
 */
export function baselineRound<C>(
  ev: Evaluator<C>, source: InputSource<C>, minibatches: number, config: RoundConfig, start: BaselineState<C>, labels: LabelSource<C> | null = null,
): BaselineState<C> {
  const { ladder } = config;
  const step0 = stepCubic(config);
  const cubic: [number, number, number, number] = labels ? [0, step0[1], 0, step0[3]] : step0;
  let { w, v, step } = start;
  for (let k = 1; k <= minibatches; k++) {
    const level = levelOf(ev, v);
    const x = inputAt(ev, source, `X${k}`, level, ladder);
    const z = x.matrix;
    const u = matrixTimesCol(ev, z, v, 1, ladder[level - 1]);
    // Pending products: each tile column of the gradient is relinearized once, after its sum.
    const g = fusedCubicRowsSummands(ev, u, z, cubic, ladder);
    // Shared inputs: the class's g·s0·X_kᵀy_k, cut from its packed vector one level up, joins the column sums.
    if (labels) g.push(termsMatrix(z, labelTerms(ev, labels.packed(`Xy${k}`, 'col', level - 3), config.unit, ladder), 'col'));
    x.done();
    freeAll(ev, u);
    const gradient = sumRowsMany(ev, g);
    g.forEach((m) => freeAll(ev, m));
    const vLow = landAll(ev, v, level - 4, ladder);
    const wNext = add(ev, vLow, gradient);
    freeAll(ev, vLow);
    freeAll(ev, gradient);
    const eta = momentum(step);
    const a = landAll(ev, wNext, level - 5, ladder, 1 - eta);
    const b = landAll(ev, w, level - 5, ladder, eta);
    const vNext = add(ev, a, b);
    freeAll(ev, a);
    freeAll(ev, b);
    if (k > 1) {
      freeAll(ev, w);
      freeAll(ev, v);
    }
    [w, v, step] = [wNext, vNext, step + 1];
  }
  return { w, v, step };
}
