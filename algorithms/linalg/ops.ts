/**
 * Encrypted linear algebra on HIT's layouts, generic over the evaluator. Every operation
 * returns new objects and frees its intermediates; independent tiles are computed
 * independently (no shared mutable state), so a parallel executor can split them.
 * Contracts: "level l" is the level of the inputs (all at one level), products come out
 * relinearized and rescaled unless asked to stay pending for a sum (`Relinearization`).
 */
import { HeError, type Evaluator } from '../../core/index.js';
import { landOnLadder } from '../ladder.js';
import { rotateAndAdd, settle, sumAndRotate } from '../steps.js';
import {
  sameUnit, shapeMismatch, type EncodingUnit, type Encrypted, type EncryptedColVector, type EncryptedMatrix, type EncryptedRowVector,
} from './layout.js';

/** Frees every tile. */
export function freeAll<C>(ev: Evaluator<C>, x: Encrypted<C>): void {
  if (x.kind === 'matrix') x.tiles.forEach((row) => row.forEach((t) => ev.free(t)));
  else x.tiles.forEach((t) => ev.free(t));
}

function mapTiles<C, T extends Encrypted<C>>(x: T, f: (t: C, i: number, j: number) => C): T {
  if (x.kind === 'matrix') return { ...x, tiles: x.tiles.map((row, i) => row.map((t, j) => f(t, i, j))) } as T;
  return { ...x, tiles: x.tiles.map((t, i) => f(t, i, 0)) } as T;
}

function sameShape(op: string, a: Encrypted<unknown>, b: Encrypted<unknown>): void {
  sameUnit(a.unit, b.unit, op);
  const equal = a.kind === 'matrix' && b.kind === 'matrix' ? a.rows === b.rows && a.cols === b.cols
    : a.kind === b.kind && (a as { length: number }).length === (b as { length: number }).length;
  if (!equal) throw shapeMismatch(op, a, b, 'differ in shape');
}

const tileAt = <C>(x: Encrypted<C>, i: number, j: number): C =>
  (x.kind === 'matrix' ? (x.tiles[i] as readonly C[])[j] : x.tiles[i]) as C;

/** a + b, same shape and unit. Depth 0. */
export const add = <C, T extends Encrypted<C>>(ev: Evaluator<C>, a: T, b: T): T => {
  sameShape('add', a, b);
  return mapTiles<C, T>(a, (t, i, j) => ev.add(t, tileAt(b, i, j)));
};

/** a - b, same shape and unit. Depth 0. */
export const sub = <C, T extends Encrypted<C>>(ev: Evaluator<C>, a: T, b: T): T => {
  sameShape('sub', a, b);
  return mapTiles<C, T>(a, (t, i, j) => ev.sub(t, tileAt(b, i, j)));
};

/** -a. Depth 0. */
export const negate = <C, T extends Encrypted<C>>(ev: Evaluator<C>, a: T): T => mapTiles<C, T>(a, (t) => ev.neg(t));

/** c·a for a public scalar c. In: level l >= 1. Out: level l - 1. Depth 1. */
export const scale = <C, T extends Encrypted<C>>(ev: Evaluator<C>, a: T, c: number): T =>
  mapTiles<C, T>(a, (t) => settle(ev, ev.mulPlain(t, c)));

/** Slot-wise product of two objects of one shape. In: level l >= 1. Out: level l - 1. Depth 1. */
export const hadamard = <C, T extends Encrypted<C>>(ev: Evaluator<C>, a: T, b: T): T => {
  sameShape('hadamard', a, b);
  return mapTiles<C, T>(a, (t, i, j) => settle(ev, ev.mul(t, tileAt(b, i, j))));
};

/**
 * How a product leaves its tiles: 'settled' relinearized and rescaled (degree 1, one level down,
 * ready for any op); 'pending' as multiplied (degree 2, same level, squared scale), for a sum that
 * settles once: `sumRows`, `sumCols` and their `*Many` forms add each tile column (row) first, so
 * its products cost one key switch and one rescale, not one each.
 */
export type Relinearization = 'settled' | 'pending';

/** A product of two ciphertexts, settled unless `pending`; frees it when settling. */
export const finishProduct = <C>(ev: Evaluator<C>, product: C, relin: Relinearization): C =>
  relin === 'pending' ? product : settle(ev, product);

/** Row i of A times v_i (v a row vector of length A.rows). Out: matrix, level l - 1 (l, degree 2, if `pending`). Depth 1. */
export function hadamardRows<C>(ev: Evaluator<C>, v: EncryptedRowVector<C>, a: EncryptedMatrix<C>, relin: Relinearization = 'settled'): EncryptedMatrix<C> {
  sameUnit(v.unit, a.unit, 'hadamardRows');
  if (v.length !== a.rows) throw shapeMismatch('hadamardRows', v, a, 'need the vector length to equal the rows');
  return mapTiles<C, EncryptedMatrix<C>>(a, (t, i) => finishProduct(ev, ev.mul(v.tiles[i] as C, t), relin));
}

/** Column j of A times v_j (v a column vector of length A.cols). Out: matrix, level l - 1 (l, degree 2, if `pending`). Depth 1. */
export function hadamardCols<C>(ev: Evaluator<C>, a: EncryptedMatrix<C>, v: EncryptedColVector<C>, relin: Relinearization = 'settled'): EncryptedMatrix<C> {
  sameUnit(v.unit, a.unit, 'hadamardCols');
  if (v.length !== a.cols) throw shapeMismatch('hadamardCols', a, v, 'need the vector length to equal the columns');
  return mapTiles<C, EncryptedMatrix<C>>(a, (t, _i, j) => finishProduct(ev, ev.mul(t, v.tiles[j] as C), relin));
}

/** Rotation steps of `sumRows`: n, 2n, ..., (m/2)·n. */
export const sumRowsRotations = ({ height, width }: EncodingUnit): number[] =>
  Array.from({ length: Math.log2(height) }, (_, k) => width * 2 ** k);

/** Rotation steps of `sumCols`: 1, 2, ..., n/2 and their negatives. */
export const sumColsRotations = ({ width }: EncodingUnit): number[] =>
  Array.from({ length: Math.log2(width) }, (_, k) => 2 ** k).flatMap((s) => [s, -s]);

/** Every tile relinearized and rescaled (one level). */
export const rescaleAll = <C, T extends Encrypted<C>>(ev: Evaluator<C>, a: T): T =>
  mapTiles<C, T>(a, (t) => {
    const relin = ev.relinearize(t);
    const out = ev.rescale(relin);
    ev.free(relin);
    return out;
  });

/** Every tile dropped to `level` (exact, scale kept). */
export const dropLevelTo = <C, T extends Encrypted<C>>(ev: Evaluator<C>, a: T, level: number): T =>
  mapTiles<C, T>(a, (t) => ev.dropLevelTo(t, level));

/**
 * Column sums: every row of tile j holds Σ_i A[i][j·n + c]; a column vector of length A.cols.
 * In: level l, any scale; or pending products (degree 2) at level l + 1, plus settled tiles at l
 * (each tile column settled once). Out: level l, degree 1. Depth 0 · Rotations n·2^k, k < log2 m (per tile column).
 */
export function sumRows<C>(ev: Evaluator<C>, a: EncryptedMatrix<C>): EncryptedColVector<C> {
  const H = a.tiles[0]?.length ?? 0;
  const tiles = Array.from({ length: H }, (_, j) => sumAndRotate(ev, a.tiles.map((row) => row[j] as C), sumRowsRotations(a.unit)));
  return { kind: 'col', length: a.cols, unit: a.unit, tiles };
}

/**
 * Σ_k sumRows(A_k) for matrices of one width and unit, rotating once per tile column
 * instead of once per matrix. Contract as `sumRows`.
 */
export function sumRowsMany<C>(ev: Evaluator<C>, matrices: readonly EncryptedMatrix<C>[]): EncryptedColVector<C> {
  const first = checkMany('sumRowsMany', matrices, (m) => m.cols);
  return sumRows(ev, { ...first, rows: matrices.reduce((s, m) => s + m.rows, 0), tiles: matrices.flatMap((m) => m.tiles) });
}

/**
 * Σ_k sumCols(A_k, c) for matrices of one height and unit, masking and replicating once per
 * tile row instead of once per matrix. Contract as `sumCols`.
 */
export function sumColsMany<C>(ev: Evaluator<C>, matrices: readonly EncryptedMatrix<C>[], c = 1, maskScale?: number): EncryptedRowVector<C> {
  const first = checkMany('sumColsMany', matrices, (m) => m.rows);
  const tiles = first.tiles.map((_, i) => matrices.flatMap((m) => m.tiles[i] as readonly C[]));
  return sumCols(ev, { ...first, cols: matrices.reduce((s, m) => s + m.cols, 0), tiles }, c, maskScale);
}

function checkMany<C>(op: string, matrices: readonly EncryptedMatrix<C>[], size: (m: EncryptedMatrix<C>) => number): EncryptedMatrix<C> {
  const first = matrices[0];
  if (!first) throw new HeError('INVALID_ARGUMENT', `${op}: no matrices`, { op });
  for (const m of matrices.slice(1)) {
    sameUnit(first.unit, m.unit, op);
    if (size(m) !== size(first)) throw shapeMismatch(op, first, m, op === 'sumRowsMany' ? 'need one width' : 'need one height');
  }
  return first;
}

/**
 * Row sums times c: every column of tile i holds c·Σ_j A[i·m + r][j]; a row vector of length A.rows.
 * In: level l >= 1; or pending products at level l + 1, plus settled tiles at l (each tile row settled
 * once). Out: level l - 1, degree 1, scale s·maskScale/q_l (maskScale defaults to params.scale;
 * pass the operand's own scale to stay on a scale ladder). Depth 1 (the mask keeping column 0) ·
 * Rotations ±1, ±2, ..., ±n/2 (per tile row).
 */
export function sumCols<C>(ev: Evaluator<C>, a: EncryptedMatrix<C>, c = 1, maskScale?: number): EncryptedRowVector<C> {
  const { height: m, width: n } = a.unit;
  const up = Array.from({ length: Math.log2(n) }, (_, k) => 2 ** k);
  const mask = new Float64Array(m * n);
  for (let r = 0; r < m; r++) mask[r * n] = c;
  const tiles = a.tiles.map((row) => {
    const total = sumAndRotate(ev, row, up);
    // Column 0 of each row now holds its sum; the other columns hold sums across rows: mask them out.
    const masked = settle(ev, ev.mulPlain(total, mask, maskScale));
    ev.free(total);
    const out = rotateAndAdd(ev, masked, up.map((s) => -s));
    if (out !== masked) ev.free(masked);
    return out;
  });
  return { kind: 'row', length: a.rows, unit: a.unit, tiles };
}

/** vᵀA: a row vector (length f) times an f x g matrix gives a column vector (length g). In: level l >= 1. Out: level l - 1. Depth 1. */
export function rowTimesMatrix<C>(ev: Evaluator<C>, v: EncryptedRowVector<C>, a: EncryptedMatrix<C>): EncryptedColVector<C> {
  const h = hadamardRows(ev, v, a, 'pending');
  const out = sumRows(ev, h);
  freeAll(ev, h);
  return out;
}

/**
 * c·Av: an f x g matrix times a column vector (length g) gives a row vector (length f).
 * In: level l >= 2. Out: level l - 2 (maskScale as in `sumCols`). Depth 2.
 */
export function matrixTimesCol<C>(ev: Evaluator<C>, a: EncryptedMatrix<C>, v: EncryptedColVector<C>, c = 1, maskScale?: number): EncryptedRowVector<C> {
  const h = hadamardCols(ev, a, v, 'pending');
  const out = sumCols(ev, h, c, maskScale);
  freeAll(ev, h);
  return out;
}

/**
 * a ∘ P slot-wise for a public matrix or vector P of a's shape, laid out as `a` is.
 * In: level l >= 1. Out: level l - 1. Depth 1 · Throws SHAPE_MISMATCH.
 */
export function mulPlain<C, T extends Encrypted<C>>(ev: Evaluator<C>, a: T, plain: readonly (readonly number[])[] | ArrayLike<number>): T {
  const { height: m, width: n } = a.unit;
  const slots = (i: number, j: number): Float64Array => {
    const out = new Float64Array(m * n);
    if (a.kind === 'matrix') {
      const rows = plain as readonly (readonly number[])[];
      if (rows.length !== a.rows || rows.some((r) => r.length !== a.cols)) {
        throw new HeError('SHAPE_MISMATCH', `mulPlain: a ${rows.length}-row public matrix does not match the ${a.rows}x${a.cols} matrix`, { op: 'mulPlain' });
      }
      for (let r = 0; r < m && i * m + r < a.rows; r++) {
        for (let c = 0; c < n && j * n + c < a.cols; c++) out[r * n + c] = (rows[i * m + r] as readonly number[])[j * n + c] as number;
      }
      return out;
    }
    const v = plain as ArrayLike<number>;
    if (v.length !== a.length) throw new HeError('SHAPE_MISMATCH', `mulPlain: ${v.length} public values for a vector of ${a.length}`, { op: 'mulPlain' });
    for (let r = 0; r < m; r++) {
      for (let c = 0; c < n; c++) {
        const index = a.kind === 'row' ? i * m + r : i * n + c;
        if (index < a.length) out[r * n + c] = v[index] as number;
      }
    }
    return out;
  };
  return mapTiles<C, T>(a, (t, i, j) => settle(ev, ev.mulPlain(t, slots(i, j))));
}

/**
 * c·x at `level` on a scale ladder, tile by tile: new tiles always (see `landOnLadder`; a tile
 * already there with c = 1 is copied). In: level >= `level` (above it unless c = 1). Out: level `level`.
 */
export const landAll = <C, T extends Encrypted<C>>(ev: Evaluator<C>, a: T, level: number, ladder: readonly number[], c = 1): T =>
  mapTiles<C, T>(a, (t) => {
    const m = ev.meta(t);
    return c === 1 && m.level === level && m.scale === ladder[level] ? ev.dropLevelTo(t, level) : landOnLadder(ev, t, level, ladder, c);
  });
