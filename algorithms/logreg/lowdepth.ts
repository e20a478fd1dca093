/**
 * The low-depth circuit (PAPER.md §3.3): plain minibatch gradient ascent w_k = w_{k-1} + g·X_kᵀ σ(-u_k),
 * pipelined and duplicated so that the critical path never passes through the weights:
 *
 *   u_{k+1} = X_{k+1} w_{k-1} + M_k · g σ(-u_k),   M_k = X_{k+1} X_kᵀ (sent by the client)
 *
 * Every vector is carried in both encodings, because a row-vector product (R -> C) costs 1 level
 * and a matrix x column-vector product (C -> R) costs 2 (its mask), and the fused cubic 2 more:
 *   uC_{k+1} = sumRows[wR_{k-1} ∘ X_{k+1}ᵀ] + sumRows[M_kᵀ ∘ s(uR_k)]     (one sumRowsMany)
 *   uR_{k+1} = sumCols[X_{k+1} ∘ wC_{k-1}] + sumCols[M_k ∘ s(uC_k)]       (one sumColsMany, one mask)
 *   wC_k = wC_{k-1} + sumRows[X_k ∘ s(uR_k)],   wR_k = wR_{k-1} + sumCols[X_kᵀ ∘ s(uC_k)]
 * so each chain alternates +2 and +3 levels: 2.5 per minibatch. Every product feeding a sum stays
 * pending (neither relinearized nor rescaled) until its tile row or column is summed: one key
 * switch per sum, not one per product. The client sends X_k, X_kᵀ, M_k,
 * M_kᵀ, each at the level where it is first used. Why the client computes M_k: a server-side
 * matrix product costs 3 levels and b Hadamard products per minibatch; the cross-Gram matrices do
 * not depend on the model, so the client computes them in the clear for free.
 *
 * A round starts either from zero weights (u_1 = 0 and σ(0) = 1/2 are public, so the first step
 * depends on the data alone: the client sends its results w_1 = g·s(0)·X_1ᵀ1 and u_2 = X_2 w_1,
 * each already in the layout the circuit carries it in, and the server spends no rotation on it) or from
 * weights w_0 sent fresh by the client, with u_1 = X_1 w_0: the client has just decrypted w_0 and
 * holds X_1, so it computes u_1 in the clear and sends it one level down, as every step's u sits,
 * where the server's matrix x vector product would cost 2 levels (a fresh round of 1, 3 or 5
 * minibatches needs a level fewer: 3, 8, 13). A round of one sends u_1 at the top instead and
 * takes its one step's cubic first (`freshStartULevel`): the same depth, half the key switches.
 * Only what the last steps need is computed or sent.
 *
 * Shared inputs (one-vs-rest, shared.ts): given a `LabelSource`, the inputs are unfolded rows, the
 * fused products use the cubic's odd part only (c0 = 0), and the class's label vectors join the
 * sums where the folded circuit's c0 terms were: g·s0·X_kᵀy_k into both weight encodings,
 * g·s0·M_k y_k into both encodings of u_{k+1}. Each is cut (masked) from a vector packed with the
 * other classes', sent one level above the sum it joins and added before the sum's rotations,
 * so it costs no level and no rotation of its own: the depth is the binary circuit's. From zero
 * weights the first step is label vectors only (w_1 = g·s0·X_1ᵀy_1, u_2 = g·s0·M_1 y_1), one
 * set per class: no first-step vectors of the binary circuit are sent.
 */
import { HeError, type Evaluator } from '../../core/index.js';
import {
  cubicVector, encryptColVector, encryptRowVector, freeAll, fusedCubicColsSummands, fusedCubicRowsSummands, hadamardCols, hadamardRows, landAll, sumColsMany, sumRowsMany,
  type EncodingUnit, type EncryptedColVector, type EncryptedMatrix, type EncryptedRowVector,
} from '../linalg/index.js';
import { rowsTimes, type InputSource } from './inputs.js';
import { labelTerms, termsMatrix, termsVector, type LabelSource } from './shared.js';
import { addToKept, inputAt, levelOf, stepCubic, type RoundConfig } from './round.js';

/**
 * A round's start sent fresh by the client: weights w_0 at the top level and u_1 = X_1 w_0 at
 * `freshStartULevel`, each in the encodings the round reads (`freshStartNeeds`), null where it does not.
 */
export interface LowDepthStart<C> {
  readonly wC: EncryptedColVector<C>;
  readonly wR: EncryptedRowVector<C> | null;
  readonly uC: EncryptedColVector<C> | null;
  readonly uR: EncryptedRowVector<C>;
}

/**
 * Which optional start vectors a fresh round of `minibatches` reads: u_1's column form from 2
 * minibatches (it feeds u_2's row form), w_0's row form from 3 (it feeds u_2's column form).
 */
export const freshStartNeeds = (minibatches: number): { readonly wR: boolean; readonly uC: boolean } =>
  ({ wR: minibatches >= 3, uC: minibatches >= 2 });

/** Encrypts a start vector at `level`, on the ladder scale. */
export interface StartEncryptor<C> {
  /** `values` as a column vector (w's C encoding, u_1's C encoding). */
  col(values: Float64Array, level: number): EncryptedColVector<C>;
  /** `values` as a row vector (w's R encoding, u_1's R encoding). */
  row(values: Float64Array, level: number): EncryptedRowVector<C>;
}

/** `ev`'s `StartEncryptor` in `unit` on `ladder`, under the secret key (the client's), each vector handed to `track` as it is made (so the caller can free them on failure). */
export function startEncryptor<C>(
  ev: Evaluator<C>, unit: EncodingUnit, ladder: readonly number[], track: <T extends EncryptedColVector<C> | EncryptedRowVector<C>>(x: T) => T,
): StartEncryptor<C> {
  const at = (level: number) => ({ level, scale: ladder[level]!, symmetric: true });
  return {
    col: (values, level) => track(encryptColVector(ev, unit, values, at(level))),
    row: (values, level) => track(encryptRowVector(ev, unit, values, at(level))),
  };
}

/**
 * The start of a fresh round of `minibatches` from weights `w` and the round's first minibatch
 * (the rows its circuit reads): w at `top`, u_1 = X_1 w at `freshStartULevel`, each in the encodings
 * `freshStartNeeds` says. The caller frees what `encrypt` made, on failure too.
 */
export function freshStart<C>(encrypt: StartEncryptor<C>, top: number, minibatches: number, w: Float64Array, firstBatch: readonly Float64Array[]): LowDepthStart<C> {
  const u = rowsTimes(firstBatch, w);
  const needs = freshStartNeeds(minibatches);
  const uLevel = freshStartULevel(top, minibatches);
  return {
    wC: encrypt.col(w, top),
    wR: needs.wR ? encrypt.row(w, top) : null,
    uC: needs.uC ? encrypt.col(u, uLevel) : null,
    uR: encrypt.row(u, uLevel),
  };
}

/**
 * The level a fresh round of `minibatches` reads u_1 at: one below the top, where every step's u
 * sits for the fused products with matrices above it; the top itself for a round of one, whose
 * one step takes the cubic first (`cubicVector`: at 256 x 197 over 64 x 64 tiles, 12
 * relinearizations instead of 24 and 24 ciphertext products instead of 36, X_1 sent two levels
 * lower), at the same depth.
 */
export const freshStartULevel = (top: number, minibatches: number): number => (minibatches === 1 ? top : top - 1);

interface Step<C> {
  wC: EncryptedColVector<C>;
  wR: EncryptedRowVector<C> | null;
  uC: EncryptedColVector<C> | null;
  uR: EncryptedRowVector<C>;
}

/**
 * Trains `minibatches` minibatches from `start` (null: zero weights); `start` is kept. With
 * `labels`, `source` holds unfolded rows and the model is the one those labels define (see above).
 * In: `start` as `freshStart` makes it (wR may be lower). Out: the weights as a column vector,
 * `roundDepth('lowdepth', minibatches, start ? 'fresh' : 'zero')` levels below the top.
 * Depth as `roundDepth` · Rotations `sumRowsRotations`, `sumColsRotations` of the unit ·
 * Throws INVALID_ARGUMENT and what the ops throw (LEVEL_EXHAUSTED on a short chain).
 */
export function lowDepthRound<C>(
  ev: Evaluator<C>, source: InputSource<C>, minibatches: number, config: RoundConfig, start: LowDepthStart<C> | null, labels: LabelSource<C> | null = null,
): EncryptedColVector<C> {
  if (!Number.isInteger(minibatches) || minibatches < 1) {
    throw new HeError('INVALID_ARGUMENT', `a round trains at least one minibatch; got ${minibatches}`, { minibatches });
  }
  const K = minibatches;
  const { ladder } = config;
  const top = ev.params.maxLevel;
  const step = stepCubic(config);
  // Shared inputs: the constant term comes with the labels, so the fused products take the odd part only.
  const cubic: [number, number, number, number] = labels ? [0, step[1], 0, step[3]] : step;
  // The class's label vector `name` as one more summand of a sum like `a`'s settling at `level`: its
  // sumRows ('col') or sumCols ('row') gains the vector; the packed vector is sent one level above
  // (its mask). Without labels, nothing.
  const plus = (a: EncryptedMatrix<C>, level: number, name: string, kind: 'col' | 'row'): EncryptedMatrix<C>[] =>
    labels ? [termsMatrix(a, labelTerms(ev, labels.packed(name, kind, level + 1), config.unit, ladder), kind)] : [];
  const freeEach = (ms: readonly EncryptedMatrix<C>[]): void => ms.forEach((m) => freeAll(ev, m));
  // The first step's vectors become round state (freed by it, or returned): copies of the source's.
  const input = (name: string, level: number): EncryptedMatrix<C> => landAll(ev, source.matrix(name, level), level, ladder);
  const sent = (name: string, level: number) => inputAt(ev, source, name, level, ladder);
  // An m x d (or m x b) matrix whose every row is the vector is its column layout; a d x n (or b x n)
  // one whose every column is the vector, its row layout.
  const asCol = (m: EncryptedMatrix<C>): EncryptedColVector<C> => ({ kind: 'col', length: m.cols, unit: m.unit, tiles: m.tiles[0]! });
  const asRow = (m: EncryptedMatrix<C>): EncryptedRowVector<C> => ({ kind: 'row', length: m.rows, unit: m.unit, tiles: m.tiles.map((row) => row[0]!) });
  const owned = new Set<unknown>();
  const release = (x: { tiles: readonly unknown[] } | null): void => {
    if (x && owned.delete(x)) freeAll(ev, x as EncryptedMatrix<C>);
  };
  const own = <T>(x: T): T => (owned.add(x), x);

  // State entering step k: w_{k-1} (both encodings while needed) and u_k (both while needed).
  let s: Step<C>;
  let k: number;
  if (start === null && labels) {
    // w_1 = g·s0·X_1ᵀy_1 and u_2 = g·s0·M_1 y_1, cut from the packed vectors sent at the top: one
    // level down, where the folded circuit computes all but w_1 (which has a level of slack).
    if (K === 1) {
      const w1 = labels.fresh('Xy1', top);
      return landAll(ev, w1, top, ladder);
    }
    const vector = (name: string, kind: 'col' | 'row') => {
      const p = labels.packed(name, kind, top);
      return termsVector(ev, p, labelTerms(ev, p, config.unit, ladder), config.unit);
    };
    const wC = own(vector('Xy1', 'col') as EncryptedColVector<C>);
    const wR = K >= 4 ? own(vector('Xy1', 'row') as EncryptedRowVector<C>) : null;
    const uC = K >= 3 ? own(vector('My1', 'col') as EncryptedColVector<C>) : null;
    const uR = own(vector('My1', 'row') as EncryptedRowVector<C>);
    s = { wC, wR, uC, uR };
    k = 2;
  } else if (start === null) {
    // The first step depends on the data alone: the client sends w_1 and u_2 in their layouts.
    // The u vectors sit one level down, as every step's do: a fused product needs its matrix above them.
    const wC = asCol(input('WC1', top));
    if (K === 1) return wC;
    own(wC);
    const wR = K >= 4 ? own(asRow(input('WR1', top - 1))) : null;
    const uC = K >= 3 ? own(asCol(input('UC1', top - 1))) : null;
    const uR = own(asRow(input('UR1', top - 1)));
    s = { wC, wR, uC, uR };
    k = 2;
  } else {
    const needs = freshStartNeeds(K);
    const missing = [needs.wR && start.wR === null ? 'wR' : null, needs.uC && start.uC === null ? 'uC' : null].filter((name) => name !== null);
    if (missing.length > 0) {
      throw new HeError('INVALID_ARGUMENT', `a fresh round of ${K} minibatches reads ${missing.join(' and ')}; the start has none`, { minibatches: K, missing });
    }
    s = { wC: start.wC, wR: start.wR, uC: start.uC, uR: start.uR };
    k = 1;
  }

  for (; k <= K; k++) {
    const { wC, wR, uC, uR } = s;
    const lR = levelOf(ev, uR);
    // Gradient into C: wC_k = wC_{k-1} + sumRows[X_k ∘ s(uR_k)]. Fused, X_k a level above u; with u
    // at the top (a fresh round of one) there is no such level: s(u) first, X_k sent two below.
    let gR: EncryptedMatrix<C>[];
    if (lR < top) {
      const xk = sent(`X${k}`, lR + 1);
      gR = [...fusedCubicRowsSummands(ev, uR, xk.matrix, cubic, ladder), ...plus(xk.matrix, lR - 2, `Xy${k}`, 'col')];
      xk.done();
    } else {
      const su = cubicVector(ev, uR, cubic, ladder);
      const xk = sent(`X${k}`, lR - 2);
      gR = [hadamardRows(ev, su, xk.matrix, 'pending'), ...plus(xk.matrix, lR - 3, `Xy${k}`, 'col')];
      freeAll(ev, su);
      xk.done();
    }
    const gradC = sumRowsMany(ev, gR);
    freeEach(gR);
    const wCnext = own(addToKept(ev, wC, gradC, ladder));
    if (k === K) {
      release(wC);
      release(wR);
      release(uC);
      release(uR);
      return wCnext;
    }
    const lC = levelOf(ev, uC!);
    // wR_k feeds only wR_{k+1} and u_{k+2}'s column form: needed while k <= K - 3.
    let wRnext: EncryptedRowVector<C> | null = null;
    if (k <= K - 3) {
      const xtk = sent(`XT${k}`, lC + 1);
      const gC = [...fusedCubicColsSummands(ev, xtk.matrix, uC!, cubic, ladder), ...plus(xtk.matrix, lC - 2, `Xy${k}`, 'row')];
      xtk.done();
      const gradR = sumColsMany(ev, gC, 1, ladder[lC - 2]);
      freeEach(gC);
      wRnext = own(addToKept(ev, wR!, gradR, ladder));
    }
    // u_{k+1}, column form (R -> C products, no mask): needed by step k + 1 unless it is the last.
    // The older weights have slack: they are landed where the cross products are pending (one
    // vector tile moved, not a product per matrix tile), so every product of the sum is pending.
    let uCnext: EncryptedColVector<C> | null = null;
    if (k + 1 < K) {
      const mtk = sent(`MT${k}`, lR + 1);
      const cross = fusedCubicRowsSummands(ev, uR, mtk.matrix, cubic, ladder);
      mtk.done();
      const w = landAll(ev, wR!, lR - 1, ladder);
      const xtNext = sent(`XT${k + 1}`, lR - 1);
      const forward = hadamardRows(ev, w, xtNext.matrix, 'pending');
      freeAll(ev, w);
      xtNext.done();
      const terms = [forward, ...cross, ...plus(forward, lR - 2, `My${k}`, 'col')];
      uCnext = own(sumRowsMany(ev, terms));
      freeEach(terms);
    }
    // u_{k+1}, row form: C -> R products, one shared mask.
    const mk = sent(`M${k}`, lC + 1);
    const crossR = fusedCubicColsSummands(ev, mk.matrix, uC!, cubic, ladder);
    mk.done();
    const w = landAll(ev, wC, lC - 1, ladder);
    const xNext = sent(`X${k + 1}`, lC - 1);
    const forwardR = hadamardCols(ev, xNext.matrix, w, 'pending');
    freeAll(ev, w);
    xNext.done();
    const terms = [forwardR, ...crossR, ...plus(forwardR, lC - 2, `My${k}`, 'row')];
    const uRnext = own(sumColsMany(ev, terms, 1, ladder[lC - 2]));
    freeEach(terms);

    release(wC);
    release(wR);
    release(uC);
    release(uR);
    s = { wC: wCnext, wR: wRnext, uC: uCnext, uR: uRnext };
  }
  throw new HeError('BACKEND_INTERNAL', 'unreachable: the last step returns', {});
}
