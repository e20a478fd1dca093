/**
 * HIT's encodings (PAPER.md §5.2-5.3). An encoding unit is an m x n tile filling a
 * ciphertext's slots row-major (slot r·n + c). A matrix is a grid of tiles, zero padded; a row
 * vector runs down the rows of a column of tiles, copied into every column; a column vector
 * runs along the columns of a row of tiles, copied into every row. These layouts make the
 * products below need no masks except where stated.
 */
import { HeError } from '../../core/index.js';

/**
 * The m x n tile shape that all matrices and vectors of one computation share: m · n = slots,
 * both powers of two (`encodingUnit`, `unitFor`). Ops on different units throw SHAPE_MISMATCH.
 */
export interface EncodingUnit {
  /** Tile height m. */
  readonly height: number;
  /** Tile width n; height · width = slots. */
  readonly width: number;
}

/** An integer 2^k, k >= 0. */
export const isPowerOfTwo = (x: number): boolean => Number.isInteger(x) && x >= 1 && (x & (x - 1)) === 0;

/** The m x n unit with m = `height` and n = slots / m. Throws INVALID_ARGUMENT unless both are powers of two. */
export function encodingUnit(height: number, slots: number): EncodingUnit {
  if (!isPowerOfTwo(height) || !isPowerOfTwo(slots) || height > slots) {
    throw new HeError('INVALID_ARGUMENT', `an encoding unit needs a power-of-two height up to ${slots} slots; got ${height}`, { height, slots });
  }
  return Object.freeze({ height, width: slots / height });
}

/** A unit for `rows` rows of data: as tall as the rows need (a power of two), leaving a width of at least 2. */
export function unitFor(rows: number, slots: number): EncodingUnit {
  return encodingUnit(Math.min(2 ** Math.ceil(Math.log2(Math.max(rows, 1))), slots / 2), slots);
}

/** An f x g matrix as a grid of m x n tiles, row-major within each tile, zero padded (`encryptMatrix`). */
export interface EncryptedMatrix<C> {
  readonly kind: 'matrix';
  /** f: data rows, without padding. */
  readonly rows: number;
  /** g: data columns, without padding. */
  readonly cols: number;
  readonly unit: EncodingUnit;
  /** ceil(rows / m) x ceil(cols / n) tiles. */
  readonly tiles: readonly (readonly C[])[];
}

/** A vector aligned with a matrix's rows (as v in vᵀA): entry i in tile row i, copied across (`encryptRowVector`). */
export interface EncryptedRowVector<C> {
  readonly kind: 'row';
  /** Entries, without padding. */
  readonly length: number;
  readonly unit: EncodingUnit;
  /** ceil(length / m) tiles, each holding its m entries down the rows, copied into all n columns. */
  readonly tiles: readonly C[];
}

/** A vector aligned with a matrix's columns (as v in Av): entry j in tile column j, copied down (`encryptColVector`). */
export interface EncryptedColVector<C> {
  readonly kind: 'col';
  /** Entries, without padding. */
  readonly length: number;
  readonly unit: EncodingUnit;
  /** ceil(length / n) tiles, each holding its n entries along the columns, copied into all m rows. */
  readonly tiles: readonly C[];
}

/** Any of the three layouts, told apart by `kind`. */
export type Encrypted<C> = EncryptedMatrix<C> | EncryptedRowVector<C> | EncryptedColVector<C>;

export const describeShape = (x: Encrypted<unknown>): string =>
  x.kind === 'matrix' ? `${x.rows}x${x.cols} matrix` : `${x.kind === 'row' ? 'row' : 'column'} vector of ${x.length}`;

export function sameUnit(a: EncodingUnit, b: EncodingUnit, op: string): void {
  if (a.height !== b.height || a.width !== b.width) {
    throw new HeError('SHAPE_MISMATCH', `${op}: encoding units differ (${a.height}x${a.width} vs ${b.height}x${b.width})`, { op, units: [a, b] });
  }
}

export function shapeMismatch(op: string, a: Encrypted<unknown>, b: Encrypted<unknown>, why: string): HeError {
  return new HeError('SHAPE_MISMATCH', `${op}: ${describeShape(a)} and ${describeShape(b)} ${why}`, { op, shapes: [describeShape(a), describeShape(b)] });
}
