/**
 * Encrypted inference with a trained model. The client encrypts its rows (`encryptRows`), the
 * server scores them with the model's public weights without seeing them (`scoreEncrypted`),
 * the client decrypts the scores (`decryptScores`) and turns them into classes and
 * probabilities in plaintext, with the exact sigmoid. `predictEncrypted` runs all three on one
 * evaluator.
 *
 * Layout: the scaled rows (1, x') transposed into one matrix of HIT tiles, features (bias
 * first) down the tile rows and rows across the tile columns, so each tile column holds n whole
 * rows. A score is then a product with a public plaintext (weight i along tile row i) and a sum
 * down the columns (`sumRows`): depth 1, log2(m) rotations, no mask. The other orientation
 * would need `sumCols`, whose mask costs a second level.
 */
import { HeError, type EncryptOptions, type Evaluator } from '../../core/index.js';
import { decryptColVector } from '../linalg/encrypt.js';
import { sameUnit, unitFor, type EncodingUnit, type EncryptedColVector, type EncryptedMatrix } from '../linalg/layout.js';
import { freeAll, sumRowsRotations } from '../linalg/ops.js';
import { settle, sumAndRotate } from '../steps.js';
import { classOfScores, probabilitiesOfScores, type Model } from './model.js';
import { applyTransform } from './prepare.js';

/** A client's rows, scaled with the model's transform and encrypted for `scoreEncrypted`. */
export interface EncryptedRows<C> {
  /** Data rows encrypted (the matrix's columns). */
  readonly rows: number;
  /**
   * (1, x') of every row, transposed: a (features + 1) x rows matrix in the `inferenceUnit`,
   * entry i of row j in tile row ⌊i/m⌋, tile column ⌊j/n⌋, slot (i mod m)·n + (j mod n).
   */
  readonly matrix: EncryptedMatrix<C>;
}

/** Encrypted scores from `scoreEncrypted`, read by `decryptScores`. */
export interface EncryptedScores<C> {
  /** Data rows scored. */
  readonly rows: number;
  /**
   * One column vector per binary model, in `model.weights` order: entry j is row j's score
   * (1, x_j')·w, copied into every tile row.
   */
  readonly models: readonly EncryptedColVector<C>[];
}

/** What `predictEncrypted` returns, one entry per row. */
export interface EncryptedPrediction {
  /** The predicted class label (as `Model.predict`). */
  readonly classes: string[];
  /** Class probabilities in `model.classes` order, exact sigmoid (as `Model.predictProbability`). */
  readonly probabilities: number[][];
  /** Decrypted scores, one per binary model (as `Model.decisionFunction`, up to CKKS error). */
  readonly scores: number[][];
}

/**
 * The encoding unit rows are encrypted in for `model` with `slots` slots: as tall as the
 * features plus the bias need (a power of two), as wide as the rest. Client and server both
 * derive it; the client makes Galois keys for `scoreRotations(inferenceUnit(...))`.
 */
export function inferenceUnit(model: Model, slots: number): EncodingUnit {
  return unitFor(model.features + 1, slots);
}

/**
 * The rotation steps `scoreEncrypted` uses in `unit`: n, 2n, ..., (m/2)·n (those of `sumRows`).
 * Each has its own key in a minimal key set, so none costs more than one key switch.
 */
export function scoreRotations(unit: EncodingUnit): number[] {
  return sumRowsRotations(unit);
}

/**
 * Client: scales raw rows with the model's transform (bias first) and encrypts them, n rows
 * per ciphertext (n = slots / m, m from `inferenceUnit`).
 * Out: ⌈(features + 1)/m⌉ x ⌈rows/n⌉ ciphertexts, degree 1, level `options.level` (default
 * min(1, maxLevel): scoring needs one level, and every level more only makes the upload
 * bigger), scale `options.scale` (default params.scale). Depth 0 · Rotations none.
 * Throws SHAPE_MISMATCH (no rows, or a row not `model.features` wide; `details.row`),
 * INVALID_VALUES (a non-finite value; `details.row`, `details.column`), LEVEL_EXHAUSTED (level
 * below 1), and what `encrypt` throws (VALUES_TOO_LARGE for rows far outside the training
 * range). Frees what it encrypted when it throws.
 */
export function encryptRows<C>(ev: Evaluator<C>, model: Model, rows: readonly ArrayLike<number>[], options: EncryptOptions = {}): EncryptedRows<C> {
  const scaled = scaleRows(model, rows);
  const level = options.level ?? Math.min(1, ev.params.maxLevel);
  if (level < 1) {
    throw new HeError('LEVEL_EXHAUSTED', `encrypted inference needs rows at level 1 or above (one rescale); got level ${level}; use a chain with two data primes or more`, { level, needed: 1 });
  }
  const unit = inferenceUnit(model, ev.params.slots);
  const { height: m, width: n } = unit;
  const width = model.features + 1;
  const tiles: C[][] = [];
  try {
    for (let i = 0; i * m < width; i++) {
      const tileRow: C[] = [];
      tiles.push(tileRow);
      for (let j = 0; j * n < scaled.length; j++) {
        const slots = new Float64Array(m * n);
        for (let c = 0; c < n && j * n + c < scaled.length; c++) {
          const z = scaled[j * n + c]!;
          for (let r = 0; r < m && i * m + r < width; r++) slots[r * n + c] = z[i * m + r]!;
        }
        tileRow.push(ev.encrypt(slots, { ...options, level }));
      }
    }
  } catch (e) {
    tiles.flat().forEach((t) => ev.free(t));
    throw e;
  }
  return { rows: rows.length, matrix: { kind: 'matrix', rows: width, cols: rows.length, unit, tiles } };
}

/** (1, x') per row, after checking every row's width and values. */
function scaleRows(model: Model, rows: readonly ArrayLike<number>[]): Float64Array[] {
  if (rows.length === 0) throw new HeError('SHAPE_MISMATCH', 'encryptRows: no rows to encrypt', { rows: 0 });
  return rows.map((x, row) => {
    if (x.length !== model.features) {
      throw new HeError('SHAPE_MISMATCH', `row ${row} has ${x.length} values; the model takes ${model.features} features (${model.featureNames.join(', ')})`, { row, expected: model.features, got: x.length });
    }
    for (let j = 0; j < x.length; j++) {
      if (!Number.isFinite(x[j])) throw new HeError('INVALID_VALUES', `row ${row}, column ${j + 1}: ${x[j]} is not a finite number`, { row, column: j });
    }
    return applyTransform(model.transform, x);
  });
}

/**
 * Server: every row's score (1, x')·w for every binary model, from the public weights alone.
 * In: `encryptRows` output for this model, degree 1, level l >= 1, scale s.
 * Out: one column vector per model, ⌈rows/n⌉ ciphertexts each, degree 1, level l - 1, scale
 * s·params.scale/q_l. Depth 1 (one plaintext product, one rescale) · Rotations
 * `scoreRotations(unit)`: log2(m) per tile column and model.
 * Throws SHAPE_MISMATCH (rows encrypted for another model's width or in another unit),
 * LEVEL_EXHAUSTED (rows at level 0), INVALID_ARGUMENT (an all-zero weight vector: its scores
 * are 0 and need no encryption), MISSING_ROTATION_KEY, and TRANSPARENT_RESULT (weights that
 * all round to zero at params.scale). Frees every intermediate, and its output when it throws.
 */
export function scoreEncrypted<C>(ev: Evaluator<C>, model: Model, encrypted: EncryptedRows<C>): EncryptedScores<C> {
  const x = encrypted.matrix;
  const width = model.features + 1;
  if (x.rows !== width) {
    throw new HeError('SHAPE_MISMATCH', `scoreEncrypted: rows were encrypted with ${x.rows - 1} features; the model takes ${model.features}`, { expected: width, got: x.rows });
  }
  if (x.cols !== encrypted.rows) {
    throw new HeError('SHAPE_MISMATCH', `scoreEncrypted: ${encrypted.rows} rows announced, ${x.cols} encrypted`, { expected: encrypted.rows, got: x.cols });
  }
  sameUnit(x.unit, inferenceUnit(model, ev.params.slots), 'scoreEncrypted');
  const level = ev.meta(x.tiles[0]![0]!).level;
  if (level < 1) {
    throw new HeError('LEVEL_EXHAUSTED', `scoreEncrypted needs rows at level 1 or above (one rescale); they are at level ${level}; encrypt them higher`, { level, needed: 1 });
  }
  const plains = model.weights.map((w, k) => {
    const perTileRow = x.tiles.map((_, i) => weightTile(w, i, x.unit));
    if (perTileRow.every((p) => p === null)) {
      throw new HeError('INVALID_ARGUMENT', `scoreEncrypted: weights[${k}] are all zero; every score is 0, no encryption needed`, { model: k });
    }
    return perTileRow;
  });
  const steps = scoreRotations(x.unit);
  const columns = x.tiles[0]!.length;
  const out: C[][] = [];
  try {
    for (const plain of plains) {
      const tiles: C[] = [];
      out.push(tiles);
      for (let j = 0; j < columns; j++) {
        const products: C[] = [];
        try {
          plain.forEach((p, i) => { if (p !== null) products.push(settle(ev, ev.mulPlain(x.tiles[i]![j]!, p))); });
          tiles.push(sumAndRotate(ev, products, steps));
        } finally {
          products.forEach((t) => ev.free(t));
        }
      }
    }
  } catch (e) {
    out.flat().forEach((t) => ev.free(t));
    throw e;
  }
  return { rows: encrypted.rows, models: out.map((tiles) => ({ kind: 'col', length: encrypted.rows, unit: x.unit, tiles })) };
}

/** Tile row i's plaintext: w[i·m + r] along row r, all columns; null when every entry is 0 (the product would be transparent). */
function weightTile(w: Float64Array, i: number, { height: m, width: n }: EncodingUnit): Float64Array | null {
  const slots = new Float64Array(m * n);
  let any = false;
  for (let r = 0; r < m && i * m + r < w.length; r++) {
    const v = w[i * m + r]!;
    if (v !== 0) any = true;
    slots.fill(v, r * n, (r + 1) * n);
  }
  return any ? slots : null;
}

/**
 * Client: the decrypted scores, rows x models (as `Model.decisionFunction`). Leaves `scores`
 * alive; free them with `freeScores`. Throws what `decrypt` throws.
 */
export function decryptScores<C>(ev: Evaluator<C>, scores: EncryptedScores<C>): number[][] {
  const perModel = scores.models.map((v) => decryptColVector(ev, v));
  return Array.from({ length: scores.rows }, (_, row) => perModel.map((s) => s[row]!));
}

/** Frees the ciphertexts of `encryptRows` (idempotent). */
export function freeRows<C>(ev: Evaluator<C>, encrypted: EncryptedRows<C>): void {
  freeAll(ev, encrypted.matrix);
}

/** Frees the ciphertexts of `scoreEncrypted` (idempotent). */
export function freeScores<C>(ev: Evaluator<C>, scores: EncryptedScores<C>): void {
  scores.models.forEach((v) => freeAll(ev, v));
}

/**
 * `encryptRows`, `scoreEncrypted` and `decryptScores` on one evaluator, then classes and
 * exact-sigmoid probabilities in plaintext. Creates and frees every ciphertext it uses.
 * In: raw rows. Depth 1 · Rotations `scoreRotations(inferenceUnit(model, slots))` · Throws
 * what the three throw.
 */
export function predictEncrypted<C>(ev: Evaluator<C>, model: Model, rows: readonly ArrayLike<number>[], options?: EncryptOptions): EncryptedPrediction {
  const encrypted = encryptRows(ev, model, rows, options);
  let scored: EncryptedScores<C>;
  try {
    scored = scoreEncrypted(ev, model, encrypted);
  } finally {
    freeRows(ev, encrypted);
  }
  let scores: number[][];
  try {
    scores = decryptScores(ev, scored);
  } finally {
    freeScores(ev, scored);
  }
  return { classes: scores.map((s) => model.classes[classOfScores(s)]!), probabilities: scores.map(probabilitiesOfScores), scores };
}
