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
import { sumRows, type EncodingUnit, type EncryptedColVector, type EncryptedMatrix, type EncryptedRowVector } from '../linalg/index.js';
import { rotateAndAdd, settle } from '../steps.js';
import { ciphertextBytes } from './inputs.js';
import { initialState, momentum, surrogate, type ModelState, type TrainingOptions } from './plain.js';

/**
 * One class's view of a packed label vector. The client packs every class's copy of a label vector
 * into as few ciphertexts as fit (tile t of class c at row, or column, c·T + t), so K classes cost
 * about one ciphertext where K replicated vectors cost K·T; the server cuts its class out with a
 * mask (`labelTerms`: one level, hence the client sends it one level above its use).
 * - kind 'col' (for column vectors, T = ⌈length/n⌉): tile t's n entries fill one row;
 * - kind 'row' (for row vectors, T = ⌈length/m⌉): tile t's m entries run down one column.
 */
export interface PackedVector<C> {
  readonly kind: 'col' | 'row';
  /** Entries of the vector. */
  readonly length: number;
  /** The packed ciphertexts, on the ladder; the source owns them. */
  readonly tiles: readonly C[];
  /** Where this class's tile t sits: packed ciphertext `tile`, and the row ('col') or column ('row') `index` in it. */
  readonly slots: readonly { readonly tile: number; readonly index: number }[];
}

/**
 * One class's label inputs of a shared-input round, by name (minibatches numbered from 1 in the round):
 * - `Xy{k}`: g·s0·X_kᵀ y_k (d entries);
 * - `My{k}`: g·s0·M_k y_k = g·s0·X_{k+1}(X_kᵀ y_k) (b entries; low-depth circuit only).
 * g·s0 is `stepCubic(config)[0]`. The source owns what it returns: circuits never free it.
 */
export interface LabelSource<C> {
  /** The named vector packed with the other classes' (`PackedVector`), at `level` (at least 1). */
  packed(name: string, kind: 'col' | 'row', level: number): PackedVector<C>;
  /** The named vector alone, as a column vector at `level` (the zero-start w_1 = Xy1 of a one-minibatch round). */
  fresh(name: string, level: number): EncryptedColVector<C>;
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
 * (`scale` = g·s0). X_kᵀ y_k is computed once per minibatch. Throws INVALID_ARGUMENT on an unknown name.
 */
export function plainLabels(batches: readonly (readonly Float64Array[])[], labels: readonly BatchLabels[], scale: number): (name: string) => Float64Array {
  checkLabels(batches, labels);
  const xty = new Map<number, Float64Array>();
  const xtyOf = (k: number): Float64Array => {
    let v = xty.get(k);
    if (!v) {
      const batch = batches[k - 1]!, y = labels[k - 1]!;
      const sum = new Float64Array(batch[0]!.length);
      batch.forEach((x, i) => { const yi = y[i]!; for (let j = 0; j < sum.length; j++) sum[j]! += yi * x[j]!; });
      xty.set(k, (v = sum));
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

/** Where tile t of class c sits in the packing of `kind` for `length` entries in `unit`. */
function packedSlot(unit: EncodingUnit, kind: 'col' | 'row', length: number, c: number, t: number): { tile: number; index: number } {
  const [per, lanes] = kind === 'col' ? [unit.width, unit.height] : [unit.height, unit.width];
  const p = c * Math.ceil(length / per) + t;
  return { tile: Math.floor(p / lanes), index: p % lanes };
}

/**
 * A client in the same process sending every class's label vectors for one round, packed
 * (`PackedVector`): each packed vector is encrypted on its first request, under the secret key, at
 * exactly the requested level with that level's ladder scale; bytes counted. A second request at another level is a
 * circuit bug: INVALID_LEVEL.
 */
export class PackingLabels<C> {
  readonly #cache = new Map<string, readonly C[]>();
  #bytes = 0;

  /** `plain[c](name)`: class c's plain vector `name` (`plainLabels`). */
  constructor(
    private readonly ev: Evaluator<C>,
    private readonly unit: EncodingUnit,
    private readonly ladder: readonly number[],
    private readonly plain: readonly ((name: string) => Float64Array)[],
  ) {}

  /** Class c's view. */
  forClass(c: number): LabelSource<C> {
    return {
      packed: (name, kind, level) => {
        const tiles = this.#get(`${name}.${kind}`, level, () => this.#pack(name, kind));
        const length = this.plain[c]!(name).length;
        const per = kind === 'col' ? this.unit.width : this.unit.height;
        return { kind, length, tiles, slots: Array.from({ length: Math.ceil(length / per) }, (_, t) => packedSlot(this.unit, kind, length, c, t)) };
      },
      fresh: (name, level) => {
        const tiles = this.#get(`${name}.fresh${c}`, level, () => {
          const v = this.plain[c]!(name);
          return Array.from({ length: Math.ceil(v.length / this.unit.width) }, (_, j) => {
            const slots = new Float64Array(this.unit.height * this.unit.width);
            for (let r = 0; r < this.unit.height; r++) slots.set(v.subarray(j * this.unit.width, (j + 1) * this.unit.width), r * this.unit.width);
            return slots;
          });
        });
        return { kind: 'col', length: this.plain[c]!(name).length, unit: this.unit, tiles };
      },
    };
  }

  #pack(name: string, kind: 'col' | 'row'): Float64Array[] {
    const { height: m, width: n } = this.unit;
    const out: Float64Array[] = [];
    this.plain.forEach((plain, c) => {
      const v = plain(name);
      const per = kind === 'col' ? n : m;
      for (let t = 0; t < Math.ceil(v.length / per); t++) {
        const { tile, index } = packedSlot(this.unit, kind, v.length, c, t);
        while (out.length <= tile) out.push(new Float64Array(m * n));
        const slots = out[tile]!;
        for (let e = 0; e < per && t * per + e < v.length; e++) slots[kind === 'col' ? index * n + e : e * n + index] = v[t * per + e]!;
      }
    });
    return out;
  }

  #get(key: string, level: number, make: () => Float64Array[]): readonly C[] {
    const cached = this.#cache.get(key);
    if (cached) {
      const have = this.ev.meta(cached[0]!).level;
      if (have !== level) throw new HeError('INVALID_LEVEL', `label input ${key} was sent at level ${have}; a later use needs level ${level}`, { name: key, have, level });
      return cached;
    }
    const tiles = make().map((slots) => this.ev.encrypt(slots, { level, scale: this.ladder[level]!, symmetric: true }));
    this.#bytes += tiles.length * ciphertextBytes(this.ev.params.ringDegree, level);
    this.#cache.set(key, tiles);
    return tiles;
  }

  /** Levels each packed vector was sent at, by `name.kind`. */
  levels(): Map<string, number> {
    return new Map([...this.#cache].map(([name, tiles]) => [name, this.ev.meta(tiles[0]!).level]));
  }

  /** Uncompressed ciphertext bytes sent so far. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Frees every ciphertext sent. */
  free(): void {
    for (const tiles of this.#cache.values()) tiles.forEach((t) => this.ev.free(t));
    this.#cache.clear();
  }
}

/**
 * The server's cut of one class out of a packed vector: per tile t, the packed ciphertext times a
 * 0/1 mask keeping the class's row ('col') or column ('row'). A 'col' term's rows sum to the tile's
 * entries (so `sumRows` of a matrix with the term added to tile (0, t) adds the vector to every
 * row); a 'row' term's columns sum to them (likewise for `sumCols` and tile (t, 0)).
 * In: the packed ciphertexts at level l >= 1 on `ladder`. Out: fresh terms at level l - 1 on the
 * ladder. Depth 1 · Rotations none.
 */
export function labelTerms<C>(ev: Evaluator<C>, p: PackedVector<C>, unit: EncodingUnit, ladder: readonly number[]): C[] {
  const { height: m, width: n } = unit;
  return p.slots.map(({ tile, index }) => {
    const mask = new Float64Array(m * n);
    if (p.kind === 'col') mask.fill(1, index * n, (index + 1) * n);
    else for (let r = 0; r < m; r++) mask[r * n + index] = 1;
    const ct = p.tiles[tile]!;
    return settle(ev, ev.mulPlain(ct, mask, ladder[ev.meta(ct).level]));
  });
}

/**
 * `labelTerms` as a matrix that joins a sum with `a` (same unit): 'col' terms as one tile row of
 * a's width, for `sumRowsMany`; 'row' terms as one tile column of a's height, for `sumColsMany`.
 * That sum gains the class's vector. Takes the terms (freeing the matrix frees them). Depth 0.
 */
export function termsMatrix<C>(a: EncryptedMatrix<C>, terms: readonly C[], kind: 'col' | 'row'): EncryptedMatrix<C> {
  return kind === 'col'
    ? { kind: 'matrix', rows: a.unit.height, cols: a.cols, unit: a.unit, tiles: [terms] }
    : { kind: 'matrix', rows: a.rows, cols: a.unit.width, unit: a.unit, tiles: terms.map((t) => [t]) };
}

/**
 * The class's vector itself from its terms: a column vector from 'col' terms (replicated down the
 * rows by `sumRows`' rotations), a row vector from 'row' terms (each column shifted to column 0,
 * then replicated across as `sumCols` does). Frees the terms. Depth 0 · Rotations those of
 * `sumRows` ('col'); 1, 2, ..., n/2 and their negatives ('row').
 */
export function termsVector<C>(ev: Evaluator<C>, p: PackedVector<C>, terms: readonly C[], unit: EncodingUnit): EncryptedColVector<C> | EncryptedRowVector<C> {
  if (p.kind === 'col') {
    const out = sumRows(ev, { kind: 'matrix', rows: unit.height, cols: p.length, unit, tiles: [terms] });
    terms.forEach((t) => ev.free(t));
    return out;
  }
  const right = Array.from({ length: Math.log2(unit.width) }, (_, k) => -(2 ** k));
  const tiles = terms.map((term, t) => {
    let x = term;
    // Left by the column index, one power of two at a time (the keys sumCols already has).
    for (let bit = 1; bit < unit.width; bit *= 2) {
      if ((p.slots[t]!.index & bit) === 0) continue;
      const next = ev.rotate(x, bit);
      ev.free(x);
      x = next;
    }
    const out = rotateAndAdd(ev, x, right);
    if (out !== x) ev.free(x);
    return out;
  });
  return { kind: 'row', length: p.length, unit, tiles };
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
