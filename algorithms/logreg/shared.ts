/**
 * One-vs-rest with shared inputs: K binary models trained on one encryption of the rows.
 *
 * A folded row is z = y·x with y = ±1. When σ(-t) (or its surrogate) is s(t) = s0 + o(t) with o
 * odd (s0 = s(0) = 1/2 for σ and for every odd cubic surrogate), then o(y·u) = y·o(u) and y² = 1 give
 *
 *   z·s(z·w) = y·x·(s0 + y·o(x·w)) = s0·y·x + x·o(x·w),
 *
 * so a minibatch gradient for class c is Zᵀ s(Z w) = s0·Xᵀy_c + Xᵀ o(X w): the label enters only
 * through the d-vector Xᵀy_c, and the low-depth circuit's look-ahead
 *   u_{k+1} = X_{k+1} w_k = X_{k+1} w_{k-1} + g·(s0·M_k y_k + M_k o(u_k)),   M_k = X_{k+1} X_kᵀ,
 * only through the b-vector M_k y_k. The client computes both in the clear and sends them per
 * class (small vectors); the big inputs X_k, X_kᵀ, M_k, M_kᵀ are unfolded and sent once for all
 * classes. Momentum (the baseline's Nesterov rule) is linear and label-free, so it is unchanged.
 *
 * Here: the float64 twin of that formulation, the client's per-class label vectors, and the
 * source that encrypts them. The circuits take a `LabelSource` (`lowDepthRound`, `baselineRound`).
 */
import { HeError, type Evaluator } from '../../core/index.js';
import { encryptColVector, encryptRowVector, freeAll, type EncodingUnit, type EncryptedColVector, type EncryptedRowVector } from '../linalg/index.js';
import { ciphertextBytes } from './inputs.js';
import { initialState, momentum, surrogate, type ModelState, type TrainingOptions } from './plain.js';

/**
 * The per-class label inputs of a shared-input round, by name (minibatches numbered from 1 in the round):
 * - `Xy{k}`: g·s0·X_kᵀ y_k (d entries), as a column vector (`col`) or a row vector (`row`);
 * - `My{k}`: g·s0·M_k y_k = g·s0·X_{k+1}(X_kᵀ y_k) (b entries), in either encoding (low-depth circuit only).
 * g·s0 is `stepCubic(config)[0]`. The source owns the vectors: circuits never free them.
 */
export interface LabelSource<C> {
  /** The named vector as a column vector, at exactly `level` on the ladder. */
  col(name: string, level: number): EncryptedColVector<C>;
  /** The named vector as a row vector, at exactly `level` on the ladder. */
  row(name: string, level: number): EncryptedRowVector<C>;
}

const LABEL_NAME = /^(Xy|My)([1-9][0-9]*)$/;

/** A class's labels for one minibatch of a round: ±1 per row. */
export type BatchLabels = ArrayLike<number>;

/** Throws INVALID_ARGUMENT unless every entry is +1 or -1 and each minibatch has a label per row. */
export function checkLabels(batches: readonly (readonly Float64Array[])[], labels: readonly BatchLabels[]): void {
  if (labels.length !== batches.length) {
    throw new HeError('INVALID_ARGUMENT', `labels for ${labels.length} minibatches; the round has ${batches.length}`, { batches: batches.length, labels: labels.length });
  }
  labels.forEach((y, k) => {
    if (y.length !== batches[k]!.length || Array.from(y).some((v) => v !== 1 && v !== -1)) {
      throw new HeError('INVALID_ARGUMENT', `minibatch ${k + 1} needs ${batches[k]!.length} labels of +1 or -1`, { minibatch: k + 1, rows: batches[k]!.length });
    }
  });
}

/**
 * The plain vector behind a label input name, for one class: `scale`·X_kᵀ y_k or `scale`·M_k y_k
 * (`scale` = g·s0). Each is computed once per name. Throws INVALID_ARGUMENT on an unknown name.
 */
export function plainLabels(batches: readonly (readonly Float64Array[])[], labels: readonly BatchLabels[], scale: number): (name: string) => Float64Array {
  checkLabels(batches, labels);
  const xty = new Map<number, Float64Array>();
  const xtyOf = (k: number): Float64Array => {
    let v = xty.get(k);
    if (!v) {
      const batch = batches[k - 1]!, y = labels[k - 1]!;
      v = new Float64Array(batch[0]!.length);
      batch.forEach((x, i) => { const yi = y[i]!; for (let j = 0; j < v!.length; j++) v![j]! += yi * x[j]!; });
      xty.set(k, v);
    }
    return v;
  };
  return (name) => {
    const match = LABEL_NAME.exec(name);
    const k = Number(match?.[2]);
    if (!match || !batches[k - 1] || (match[1] === 'My' && !batches[k])) {
      throw new HeError('INVALID_ARGUMENT', `no label input "${name}" in a round of ${batches.length} minibatches`, { name });
    }
    const v = xtyOf(k);
    if (match[1] === 'Xy') return v.map((t) => scale * t);
    return Float64Array.from(batches[k]!, (x) => scale * x.reduce((s, xj, j) => s + xj * v[j]!, 0));
  };
}

/**
 * A client in the same process sending one class's label vectors: each encrypted on its first
 * request, at exactly the requested level with that level's ladder scale; bytes counted. A second
 * request at another level is a circuit bug: INVALID_LEVEL.
 */
export class EncryptingLabels<C> implements LabelSource<C> {
  readonly #cache = new Map<string, EncryptedColVector<C> | EncryptedRowVector<C>>();
  #bytes = 0;

  constructor(
    private readonly ev: Evaluator<C>,
    private readonly unit: EncodingUnit,
    private readonly ladder: readonly number[],
    private readonly plain: (name: string) => Float64Array,
  ) {}

  col(name: string, level: number): EncryptedColVector<C> {
    return this.#get(name, 'col', level) as EncryptedColVector<C>;
  }

  row(name: string, level: number): EncryptedRowVector<C> {
    return this.#get(name, 'row', level) as EncryptedRowVector<C>;
  }

  #get(name: string, kind: 'col' | 'row', level: number): EncryptedColVector<C> | EncryptedRowVector<C> {
    const key = `${name}.${kind}`;
    const cached = this.#cache.get(key);
    if (cached) {
      const have = this.ev.meta(cached.tiles[0]!).level;
      if (have !== level) throw new HeError('INVALID_LEVEL', `label input ${key} was sent at level ${have}; a later use needs level ${level}`, { name: key, have, level });
      return cached;
    }
    const options = { level, scale: this.ladder[level]! };
    const values = this.plain(name);
    const v = kind === 'col' ? encryptColVector(this.ev, this.unit, values, options) : encryptRowVector(this.ev, this.unit, values, options);
    this.#bytes += v.tiles.length * ciphertextBytes(this.ev.params.ringDegree, level);
    this.#cache.set(key, v);
    return v;
  }

  /** Levels each vector was sent at, by `name.col` / `name.row`. */
  levels(): Map<string, number> {
    return new Map([...this.#cache].map(([name, v]) => [name, this.ev.meta(v.tiles[0]!).level]));
  }

  /** Uncompressed ciphertext bytes sent so far. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Frees every vector sent. */
  free(): void {
    for (const v of this.#cache.values()) freeAll(this.ev, v);
    this.#cache.clear();
  }
}

/**
 * s(t) - s(0) for the rule's σ(-t): odd for σ itself and for surrogates with no even terms past
 * the constant. Throws INVALID_ARGUMENT otherwise (the labels would not factor out).
 */
function oddPart(sig: TrainingOptions['sigmoid']): { s0: number; odd: (t: number) => number } {
  if (sig !== 'exact' && sig.coefficients.some((c, k) => k > 0 && k % 2 === 0 && c !== 0)) {
    throw new HeError('INVALID_ARGUMENT', `shared inputs need σ(-t) - 1/2 odd; ${sig.name} has even terms`, { sigmoid: sig.name });
  }
  const s = surrogate(sig);
  const s0 = s(0);
  return { s0, odd: (t) => s(t) - s0 };
}

/**
 * Float64 twin of shared-input one-vs-rest training: `batches` are unfolded rows (1, x'),
 * `labels[c][k]` the ±1 labels of class c's binary model on minibatch k. Each step computes
 * w' = from + (α/b)·(s0·Xᵀy_c + Xᵀ o(X·from)) (from = w, or v for Nesterov, whose momentum step is
 * `trainStep`'s), which equals `trainPlain` on the rows folded for class c up to rounding.
 * Returns one state per class. Throws INVALID_ARGUMENT, SHAPE_MISMATCH.
 */
export function trainPlainShared(
  batches: readonly (readonly Float64Array[])[], labels: readonly (readonly BatchLabels[])[], options: TrainingOptions,
): ModelState[] {
  if (!(Number.isFinite(options.learningRate) && options.learningRate > 0)) {
    throw new HeError('INVALID_ARGUMENT', `learningRate ${options.learningRate} must be a positive number`, { learningRate: options.learningRate });
  }
  const d = batches[0]?.[0]?.length ?? 0;
  if (batches.some((b) => b.length === 0 || b.some((x) => x.length !== d))) {
    throw new HeError('SHAPE_MISMATCH', `every minibatch needs rows of ${d} features`, { features: d });
  }
  labels.forEach((y) => checkLabels(batches, y));
  const { s0, odd } = oddPart(options.sigmoid);
  return labels.map((y) => batches.reduce((state, batch, k) => {
    const from = options.rule === 'nesterov' ? state.v : state.w;
    const step = options.learningRate / batch.length;
    const next = Float64Array.from(from);
    // The label term, as the client sends it: (α/b)·s0·Xᵀy_c.
    const labelTerm = new Float64Array(d);
    batch.forEach((x, i) => { const yi = y[k]![i]!; for (let j = 0; j < d; j++) labelTerm[j]! += yi * x[j]!; });
    // The shared term: (α/b)·Xᵀ o(X·from).
    for (const x of batch) {
      let u = 0;
      for (let j = 0; j < d; j++) u += x[j]! * from[j]!;
      const g = step * odd(u);
      for (let j = 0; j < d; j++) next[j]! += g * x[j]!;
    }
    for (let j = 0; j < d; j++) next[j]! += step * s0 * labelTerm[j]!;
    if (options.rule === 'gradient') return { w: next, v: next, step: state.step + 1 };
    const eta = momentum(state.step);
    return { w: next, v: next.map((wj, j) => (1 - eta) * wj + eta * state.w[j]!), step: state.step + 1 };
  }, initialState(d)));
}
