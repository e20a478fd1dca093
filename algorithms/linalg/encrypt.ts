/** Encrypting and decrypting HIT's layouts, tile by tile. */
import { HeError, type EncryptOptions, type Evaluator } from '../../core/index.js';
import type { EncodingUnit, EncryptedColVector, EncryptedMatrix, EncryptedRowVector } from './layout.js';

function checkUnit<C>(ev: Evaluator<C>, unit: EncodingUnit): void {
  if (unit.height * unit.width !== ev.params.slots) {
    throw new HeError('SHAPE_MISMATCH', `an ${unit.height}x${unit.width} unit does not fill ${ev.params.slots} slots`, { unit, slots: ev.params.slots });
  }
}

function checkMatrix(data: readonly (readonly number[])[]): [number, number] {
  const rows = data.length;
  const cols = data[0]?.length ?? 0;
  if (rows === 0 || cols === 0 || data.some((r) => r.length !== cols)) {
    throw new HeError('SHAPE_MISMATCH', `a matrix needs rows of one non-zero length; got ${rows} rows of lengths ${[...new Set(data.map((r) => r.length))].join(', ')}`, { rows });
  }
  return [rows, cols];
}

/** Encrypts an f x g matrix as ceil(f/m) x ceil(g/n) tiles, zero padded. */
export function encryptMatrix<C>(ev: Evaluator<C>, unit: EncodingUnit, data: readonly (readonly number[])[], options?: EncryptOptions): EncryptedMatrix<C> {
  checkUnit(ev, unit);
  const [rows, cols] = checkMatrix(data);
  const { height: m, width: n } = unit;
  const tiles = Array.from({ length: Math.ceil(rows / m) }, (_, i) =>
    Array.from({ length: Math.ceil(cols / n) }, (_, j) => ev.encrypt(tileOf(data, unit, i, j), options)));
  return { kind: 'matrix', rows, cols, unit, tiles };
}

/** Tile (i, j) of `data`, row-major and zero padded (a function of its own: its loop is optimised with the whole). */
function tileOf(data: readonly (readonly number[])[], unit: EncodingUnit, i: number, j: number): Float64Array {
  const { height: m, width: n } = unit;
  const rows = data.length, cols = (data[0] as readonly number[]).length;
  const slots = new Float64Array(m * n);
  for (let r = 0; r < m && i * m + r < rows; r++) {
    const row = data[i * m + r] as readonly number[];
    for (let c = 0; c < n && j * n + c < cols; c++) slots[r * n + c] = row[j * n + c] as number;
  }
  return slots;
}

/** Encrypts a row vector (length f): entries down the rows of ceil(f/m) tiles, copied into every column. */
export function encryptRowVector<C>(ev: Evaluator<C>, unit: EncodingUnit, v: ArrayLike<number>, options?: EncryptOptions): EncryptedRowVector<C> {
  checkUnit(ev, unit);
  const { height: m, width: n } = unit;
  const tiles = Array.from({ length: Math.ceil(v.length / m) }, (_, i) => {
    const slots = new Float64Array(m * n);
    for (let r = 0; r < m && i * m + r < v.length; r++) slots.fill(v[i * m + r] as number, r * n, (r + 1) * n);
    return ev.encrypt(slots, options);
  });
  return { kind: 'row', length: v.length, unit, tiles };
}

/** Encrypts a column vector (length g): entries along the columns of ceil(g/n) tiles, copied into every row. */
export function encryptColVector<C>(ev: Evaluator<C>, unit: EncodingUnit, v: ArrayLike<number>, options?: EncryptOptions): EncryptedColVector<C> {
  checkUnit(ev, unit);
  const { height: m, width: n } = unit;
  const tiles = Array.from({ length: Math.ceil(v.length / n) }, (_, j) => {
    const slots = new Float64Array(m * n);
    for (let r = 0; r < m; r++) for (let c = 0; c < n && j * n + c < v.length; c++) slots[r * n + c] = v[j * n + c] as number;
    return ev.encrypt(slots, options);
  });
  return { kind: 'col', length: v.length, unit, tiles };
}

/** Decrypts every tile and reassembles the rows x cols matrix, dropping the padding. Throws what `decrypt` throws. */
export function decryptMatrix<C>(ev: Evaluator<C>, x: EncryptedMatrix<C>): number[][] {
  const { height: m, width: n } = x.unit;
  const out = Array.from({ length: x.rows }, () => new Array<number>(x.cols).fill(0));
  x.tiles.forEach((row, i) => row.forEach((tile, j) => {
    const slots = ev.decrypt(tile);
    for (let r = 0; r < m && i * m + r < x.rows; r++) {
      for (let c = 0; c < n && j * n + c < x.cols; c++) (out[i * m + r] as number[])[j * n + c] = slots[r * n + c] as number;
    }
  }));
  return out;
}

/** Reads column 0 of each tile (every column holds the same values). */
export function decryptRowVector<C>(ev: Evaluator<C>, x: EncryptedRowVector<C>): Float64Array {
  const { height: m, width: n } = x.unit;
  const out = new Float64Array(x.length);
  x.tiles.forEach((tile, i) => {
    const slots = ev.decrypt(tile);
    for (let r = 0; r < m && i * m + r < x.length; r++) out[i * m + r] = slots[r * n] as number;
  });
  return out;
}

/** Reads row 0 of each tile (every row holds the same values). */
export function decryptColVector<C>(ev: Evaluator<C>, x: EncryptedColVector<C>): Float64Array {
  const { width: n } = x.unit;
  const out = new Float64Array(x.length);
  x.tiles.forEach((tile, j) => {
    const slots = ev.decrypt(tile);
    for (let c = 0; c < n && j * n + c < x.length; c++) out[j * n + c] = slots[c] as number;
  });
  return out;
}
