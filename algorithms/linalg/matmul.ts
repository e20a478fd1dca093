/**
 * Matrix x matrix, row-major form (HIT's `multiply_row_major`): c·AB from Aᵀ (g x f) and
 * B (g x h). For each row k of A: mask column k of Aᵀ, move it to column 0 and copy it across
 * the columns (a row vector), multiply by B (a column vector: row k of AB), then mask it into
 * row k of its output tile. Depth 3.
 */
import { HeError, type Evaluator } from '../../core/index.js';
import { accumulate, atLevel, rotateAndAdd, settle, sumAndRotate } from '../steps.js';
import { sameUnit, shapeMismatch, type EncryptedMatrix, type EncryptedRowVector } from './layout.js';
import { dropLevelTo, freeAll, rowTimesMatrix } from './ops.js';

interface Prepared<C> {
  /** The level of the masked operand; the other is dropped to top - 1. */
  readonly top: number;
  readonly low: EncryptedMatrix<C>;
  /** Output tiles, filled by `accumulate`. */
  readonly out: (C | undefined)[][];
}

/** Checks units, the shared dimension and levels; lowers `other` one level below `masked`. */
function prepare<C>(ev: Evaluator<C>, op: string, masked: EncryptedMatrix<C>, other: EncryptedMatrix<C>, shared: boolean,
  rows: number, cols: number): Prepared<C> {
  sameUnit(masked.unit, other.unit, op);
  if (!shared) throw shapeMismatch(op, masked, other, 'do not share the inner dimension');
  const top = Math.min(...masked.tiles.flat().map((t) => ev.meta(t).level));
  if (top < 3) throw new HeError('LEVEL_EXHAUSTED', `${op}: a matrix product needs 3 levels; the operand has ${top}`, { op, level: top, depth: 3 });
  const { height: m, width: n } = masked.unit;
  const out = Array.from({ length: Math.ceil(rows / m) }, () => new Array<C | undefined>(Math.ceil(cols / n)));
  return { top, low: dropLevelTo(ev, other, top - 1), out };
}

/** out[i][j] += x, freeing what it replaces. */
function accumulateInto<C>(ev: Evaluator<C>, out: (C | undefined)[][], i: number, j: number, x: C): void {
  const row = out[i] as (C | undefined)[];
  row[j] = accumulate(ev, row[j], x);
}

const result = <C>(out: (C | undefined)[][], rows: number, cols: number, unit: EncryptedMatrix<C>['unit']): EncryptedMatrix<C> =>
  ({ kind: 'matrix', rows, cols, unit, tiles: out.map((row) => row.map((t) => t as C)) });

/**
 * c·AB. In: Aᵀ (g x f) at level l >= 3, B (g x h) at level >= l - 1, one unit. Out: f x h matrix at level l - 3.
 * Depth 3 · Rotations per row k of A: k mod n (any step: keys for ±2^i suffice through NAF), -1, -2, ..., -n/2,
 * and B's sumRows steps · Throws SHAPE_MISMATCH, LEVEL_EXHAUSTED, MISSING_ROTATION_KEY.
 */
export function matrixProductRowMajor<C>(ev: Evaluator<C>, aT: EncryptedMatrix<C>, b: EncryptedMatrix<C>, c = 1): EncryptedMatrix<C> {
  const f = aT.cols, h = b.cols;
  const { top, low: bLow, out } = prepare(ev, 'matrixProductRowMajor', aT, b, aT.rows === b.rows, f, h);
  const { height: m, width: n } = aT.unit;
  const left = Array.from({ length: Math.log2(n) }, (_, i) => -(2 ** i));
  try {
    for (let k = 0; k < f; k++) {
      const [jk, ck] = [Math.floor(k / n), k % n];
      const columnMask = new Float64Array(m * n);
      for (let r = 0; r < m; r++) columnMask[r * n + ck] = 1;
      // Row k of A, as a row vector: column k of Aᵀ, alone, at column 0, then copied right.
      const tiles = aT.tiles.map((row) => {
        const tile = row[jk] as C;
        const source = atLevel(ev, tile, top, false);
        const masked = settle(ev, ev.mulPlain(source, columnMask));
        if (source !== tile) ev.free(source);
        const moved = ck === 0 ? masked : ev.rotate(masked, ck);
        if (moved !== masked) ev.free(masked);
        const copied = rotateAndAdd(ev, moved, left);
        if (copied !== moved) ev.free(moved);
        return copied;
      });
      const rowK: EncryptedRowVector<C> = { kind: 'row', length: aT.rows, unit: aT.unit, tiles };
      const product = rowTimesMatrix(ev, rowK, bLow);
      freeAll(ev, rowK);
      // Keep row k mod m of each tile, times c, and add it into the output tile row.
      const rowMask = new Float64Array(m * n);
      rowMask.fill(c, (k % m) * n, (k % m + 1) * n);
      product.tiles.forEach((t, j) => accumulateInto(ev, out, Math.floor(k / m), j, settle(ev, ev.mulPlain(t, rowMask))));
      freeAll(ev, product);
    }
  } finally {
    freeAll(ev, bLow);
  }
  return result(out, f, h, aT.unit);
}

/**
 * c·AB, column-major form (HIT's `multiply_col_major`) from A (f x g) and Bᵀ (h x g). For each
 * column k of B: mask row k of Bᵀ, copy it down the rows (a column vector), multiply A by it
 * slot-wise, sum within rows, keep column 0 times c and move it to column k mod n of its
 * output tile. Depth 3.
 * In: Bᵀ at level l >= 3, A at level >= l - 1, one unit. Out: f x h matrix at level l - 3.
 * Rotations per column k of B: its row k mod m times n (any step through NAF), n·2^i for sumRows-like
 * copies, 1, 2, ..., n/2 within rows, and -(k mod n) · Throws SHAPE_MISMATCH, LEVEL_EXHAUSTED, MISSING_ROTATION_KEY.
 */
export function matrixProductColMajor<C>(ev: Evaluator<C>, a: EncryptedMatrix<C>, bT: EncryptedMatrix<C>, c = 1): EncryptedMatrix<C> {
  const f = a.rows, h = bT.rows;
  const { top, low: aLow, out } = prepare(ev, 'matrixProductColMajor', bT, a, a.cols === bT.cols, f, h);
  const { height: m, width: n } = a.unit;
  const down = Array.from({ length: Math.log2(m) }, (_, i) => -(n * 2 ** i));
  const within = Array.from({ length: Math.log2(n) }, (_, i) => 2 ** i);
  const columnMask = new Float64Array(m * n);
  for (let r = 0; r < m; r++) columnMask[r * n] = c;
  try {
    for (let k = 0; k < h; k++) {
      const [ik, rk] = [Math.floor(k / m), k % m];
      const rowMask = new Float64Array(m * n).fill(1, rk * n, (rk + 1) * n);
      // Column k of B, as a column vector: row k of Bᵀ, alone, moved to row 0, then copied down.
      const tiles = (bT.tiles[ik] as readonly C[]).map((tile) => {
        const source = atLevel(ev, tile, top, false);
        const masked = settle(ev, ev.mulPlain(source, rowMask));
        if (source !== tile) ev.free(source);
        const moved = rk === 0 ? masked : ev.rotate(masked, rk * n);
        if (moved !== masked) ev.free(masked);
        const copied = rotateAndAdd(ev, moved, down);
        if (copied !== moved) ev.free(moved);
        return copied;
      });
      // A times it, summed within rows: column 0 of each tile row holds (AB)[i][k].
      aLow.tiles.forEach((row, i) => {
        const products = row.map((t, j) => settle(ev, ev.mul(t, tiles[j] as C)));
        const total = sumAndRotate(ev, products, within);
        products.forEach((p) => ev.free(p));
        const kept = settle(ev, ev.mulPlain(total, columnMask));
        ev.free(total);
        const placed = k % n === 0 ? kept : ev.rotate(kept, -(k % n));
        if (placed !== kept) ev.free(kept);
        accumulateInto(ev, out, i, Math.floor(k / n), placed);
      });
      tiles.forEach((t) => ev.free(t));
    }
  } finally {
    freeAll(ev, aLow);
  }
  return result(out, f, h, a.unit);
}
