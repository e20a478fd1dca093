/**
 * HIT's mixed-unit forms: with a wide unit m x n (m <= n) and few columns (g <= m), a
 * product can leave its result in the transposed unit n x m, and a column vector in n x m can
 * be read as one in m x n. They change rotation counts and layouts, not depth.
 */
import { HeError, type Evaluator } from '../../core/index.js';
import { accumulate, atLevel, rotateAndAdd, settle, sumAndRotate } from '../steps.js';
import { shapeMismatch, type EncodingUnit, type EncryptedColVector, type EncryptedMatrix, type EncryptedRowVector } from './layout.js';
import { freeAll, hadamardRows, matrixTimesCol } from './ops.js';

/** The n x m unit of an m x n one: height and width swapped. */
export const transposedUnit = (u: EncodingUnit): EncodingUnit => Object.freeze({ height: u.width, width: u.height });

/** Relabels a column vector's unit (no computation). Meaningful only in the mixed-unit patterns. */
export const transposeUnit = <C>(v: EncryptedColVector<C>): EncryptedColVector<C> => ({ ...v, unit: transposedUnit(v.unit) });

/** Rotation steps of `rowTimesMatrixMixedUnit`: m, 2m, ..., (n/2)·m. */
export const mixedUnitRotations = ({ height, width }: EncodingUnit): number[] =>
  Array.from({ length: Math.log2(width) }, (_, k) => height * 2 ** k);

/**
 * vᵀA for A (f x g) in a unit m x n with g <= m <= n: the result, a column vector of length g,
 * comes out in the transposed unit n x m. In: level l >= 1. Out: level l - 1.
 * Depth 1 · Rotations m·2^k, k < log2 n · Throws SHAPE_MISMATCH.
 */
export function rowTimesMatrixMixedUnit<C>(ev: Evaluator<C>, v: EncryptedRowVector<C>, a: EncryptedMatrix<C>): EncryptedColVector<C> {
  const { height: m, width: n } = a.unit;
  if (!(a.cols <= m && m <= n)) {
    throw new HeError('SHAPE_MISMATCH', `rowTimesMatrixMixedUnit: needs columns <= tile height <= tile width; got ${a.cols} columns in a ${m}x${n} unit`,
      { op: 'rowTimesMatrixMixedUnit', cols: a.cols, unit: a.unit });
  }
  const h = hadamardRows(ev, v, a);
  // Read as n rows of width m, the data rows sit every n/m rows: summing all rows sums the columns.
  const out = sumAndRotate(ev, h.tiles.map((row) => row[0] as C), mixedUnitRotations(a.unit));
  freeAll(ev, h);
  return { kind: 'col', length: a.cols, unit: transposedUnit(a.unit), tiles: [out] };
}

/**
 * c·Av for A (f x g) in a unit m x n and v (length g <= m) in the transposed unit n x m:
 * v's unit is relabelled to m x n (A's zero padding cancels the extra copies), then
 * `matrixTimesCol`. Out: a row vector in m x n, level l - 2. Depth 2 · Throws SHAPE_MISMATCH.
 */
export function matrixTimesColMixedUnit<C>(ev: Evaluator<C>, a: EncryptedMatrix<C>, v: EncryptedColVector<C>, c = 1): EncryptedRowVector<C> {
  const relabelled = transposeUnit(v);
  if (relabelled.unit.height !== a.unit.height || v.length > a.unit.height) {
    throw shapeMismatch('matrixTimesColMixedUnit', a, v, `need the vector in the transposed ${a.unit.width}x${a.unit.height} unit, at most ${a.unit.height} long`);
  }
  return matrixTimesCol(ev, a, relabelled, c);
}

/**
 * c·AB from Aᵀ (g x f) and B (g x h) in a tall unit n x m (n >= m) with f, h <= m: the whole
 * f x h result in one ciphertext, in the unit m x n. For each row k of A: column k of Aᵀ alone,
 * moved to column 0 and copied across; times B and summed over all rows (a column vector in
 * n x m); read as m x n, row k keeps its first copy, times c.
 * In: Aᵀ at level l >= 3, B at level >= l - 1. Out: level l - 3. Depth 3 · Throws SHAPE_MISMATCH, LEVEL_EXHAUSTED.
 */
export function matrixProductRowMajorMixedUnit<C>(ev: Evaluator<C>, aT: EncryptedMatrix<C>, b: EncryptedMatrix<C>, c = 1): EncryptedMatrix<C> {
  const { height: n, width: m } = aT.unit;
  const [f, h] = [aT.cols, b.cols];
  if (!(n >= m && f <= m && h <= m) || aT.rows !== b.rows || b.unit.height !== n) {
    throw new HeError('SHAPE_MISMATCH', `matrixProductRowMajorMixedUnit: needs Aᵀ (${aT.rows}x${f}) and B (${b.rows}x${h}) in one tall unit with both widths <= ${m}`,
      { op: 'matrixProductRowMajorMixedUnit', shapes: [[aT.rows, f], [b.rows, h]], unit: aT.unit });
  }
  const top = Math.min(...aT.tiles.flat().map((t) => ev.meta(t).level));
  if (top < 3) throw new HeError('LEVEL_EXHAUSTED', `a matrix product needs 3 levels; Aᵀ has ${top}`, { level: top, depth: 3 });
  const bLow = b.tiles.map((row) => atLevel(ev, row[0] as C, top - 1, false));
  const across = Array.from({ length: Math.log2(m) }, (_, i) => -(2 ** i));
  const down = Array.from({ length: Math.log2(n) }, (_, i) => m * 2 ** i);
  let out: C | undefined;
  try {
    for (let k = 0; k < f; k++) {
      const columnMask = new Float64Array(n * m);
      for (let r = 0; r < n; r++) columnMask[r * m + k] = 1;
      const products = aT.tiles.map((row, i) => {
        const source = atLevel(ev, row[0] as C, top, false);
        const masked = settle(ev, ev.mulPlain(source, columnMask));
        if (source !== row[0]) ev.free(source);
        const moved = k === 0 ? masked : ev.rotate(masked, k);
        if (moved !== masked) ev.free(masked);
        const copied = rotateAndAdd(ev, moved, across);
        if (copied !== moved) ev.free(moved);
        const p = settle(ev, ev.mul(copied, bLow[i] as C));
        ev.free(copied);
        return p;
      });
      const total = sumAndRotate(ev, products, down);
      products.forEach((p) => ev.free(p));
      // As m x n, row k (k < m) holds n/m copies of row k of AB: keep the first, times c.
      const rowMask = new Float64Array(n * m).fill(c, k * n, k * n + m);
      out = accumulate(ev, out, settle(ev, ev.mulPlain(total, rowMask)));
      ev.free(total);
    }
  } finally {
    bLow.forEach((t, i) => { if (t !== (b.tiles[i] as readonly C[])[0]) ev.free(t); });
  }
  return { kind: 'matrix', rows: f, cols: h, unit: transposedUnit(aT.unit), tiles: [[out as C]] };
}
