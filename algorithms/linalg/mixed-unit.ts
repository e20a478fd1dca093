/**
 * HIT's mixed-unit forms: with a wide unit m x n (m <= n) and few columns (g <= m), a
 * product can leave its result in the transposed unit n x m, and a column vector in n x m can
 * be read as one in m x n. They change rotation counts and layouts, not depth.
 */
import { HeError, type Evaluator } from '../../core/index.js';
import { rotateAndAdd } from '../steps.js';
import { shapeMismatch, type EncodingUnit, type EncryptedColVector, type EncryptedMatrix, type EncryptedRowVector } from './layout.js';
import { freeAll, hadamardRows, matrixTimesCol } from './ops.js';

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
  const column = h.tiles.map((row) => row[0] as C);
  let sum = column[0] as C;
  for (const t of column.slice(1)) {
    const next = ev.add(sum, t);
    if (sum !== column[0]) ev.free(sum);
    sum = next;
  }
  // Read as n rows of width m, the data rows sit every n/m rows: summing all rows sums the columns.
  const out = rotateAndAdd(ev, sum, mixedUnitRotations(a.unit));
  if (sum !== column[0] && out !== sum) ev.free(sum);
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
