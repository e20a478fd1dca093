/**
 * An odd cubic fused into a Hadamard product against a matrix, on a scale ladder (PAPER.md
 * §3.2): A ∘ s(u) = c0·A + (c3·A ∘ u) ∘ (u² + c1/c3), two levels from u where "s(u), then
 * multiply" takes three. u² + c1/c3 is computed once per vector tile and shared by every
 * matrix tile it multiplies. Both LR circuits rely on it, with the learning rate folded into
 * the coefficients. The summand forms leave the second product of each tile pending, for a
 * sum (`sumRowsMany`, `sumColsMany`) that settles each tile column (row) once. When no matrix sits
 * above the vector (a client sends it at the top), `cubicVector` takes s(u) first instead: a
 * level more, but two relinearizations per vector tile, not one per matrix tile.
 */
import { HeError, type Evaluator } from '../../core/index.js';
import { oddCubic } from '../poly/fused.js';
import { landOnLadder } from '../ladder.js';
import { settle } from '../steps.js';
import { finishProduct, type Relinearization } from './ops.js';
import { sameUnit, shapeMismatch, type EncryptedColVector, type EncryptedMatrix, type EncryptedRowVector } from './layout.js';

/** Per vector tile: the tile itself and u² + c1/c3, one level down. */
function squares<C>(ev: Evaluator<C>, u: readonly C[], c1: number, c3: number): C[] {
  return u.map((t) => {
    const sq = settle(ev, ev.square(t));
    const out = ev.addPlain(sq, c1 / c3);
    ev.free(sq);
    return out;
  });
}

/**
 * a ∘ s(u) for one matrix tile a and its vector tile u (with u² + c1/c3 = `v`), as two terms: the
 * cubic part, settled or pending, and c0·a settled at its level (null when c0 = 0).
 */
function fusedTile<C>(
  ev: Evaluator<C>, a: C, u: C, v: C, [c0, , c3]: [number, number, number], ladder: readonly number[], relin: Relinearization,
): [C, C | null] {
  const level = ev.meta(u).level;
  const c3a = landOnLadder(ev, a, level, ladder, c3);
  const au = settle(ev, ev.mul(c3a, u));
  ev.free(c3a);
  const main = finishProduct(ev, ev.mul(au, v), relin);
  ev.free(au);
  return [main, c0 === 0 ? null : landOnLadder(ev, a, level - 2, ladder, c0)];
}

/** The level every tile of vector `u` sits at, on the ladder; SCALE_MISMATCH otherwise. */
function ladderLevel<C>(ev: Evaluator<C>, op: string, u: readonly C[], ladder: readonly number[]): number {
  const level = ev.meta(u[0] as C).level;
  for (const t of u) {
    const m = ev.meta(t);
    if (m.level !== level || m.scale !== ladder[level]) {
      throw new HeError('SCALE_MISMATCH', `${op}: the vector must sit at one level on the ladder`, { op, level: m.level, scale: m.scale });
    }
  }
  return level;
}

function checkLevels<C>(ev: Evaluator<C>, op: string, u: readonly C[], a: EncryptedMatrix<C>, ladder: readonly number[]): void {
  const level = ladderLevel(ev, op, u, ladder);
  const low = Math.min(...a.tiles.flat().map((t) => ev.meta(t).level));
  if (low < level + 1) {
    throw new HeError('INVALID_LEVEL', `${op}: the matrix must sit at least one level above the vector (level ${level}); it is at ${low}`, { op, level, matrixLevel: low });
  }
}

/** A ∘ s(v) as matrices to sum, with vector tile `pick(i, j)` for matrix tile (i, j); the checks and ownership every form shares. */
function fused<C>(
  ev: Evaluator<C>, op: string, v: EncryptedRowVector<C> | EncryptedColVector<C>, a: EncryptedMatrix<C>,
  cubic: readonly number[], ladder: readonly number[], relin: Relinearization, pick: (i: number, j: number) => number,
): EncryptedMatrix<C>[] {
  const c = oddCubic(cubic);
  sameUnit(v.unit, a.unit, op);
  const [size, what] = v.kind === 'row' ? [a.rows, 'rows'] : [a.cols, 'columns'];
  if (v.length !== size) throw shapeMismatch(op, v, a, `need the vector length to equal the ${what}`);
  checkLevels(ev, op, v.tiles, a, ladder);
  const vs = squares(ev, v.tiles, c[1], c[2]);
  const parts = a.tiles.map((row, i) => row.map((t, j) => fusedTile(ev, t, v.tiles[pick(i, j)] as C, vs[pick(i, j)] as C, c, ladder, relin)));
  vs.forEach((t) => ev.free(t));
  const main = { ...a, tiles: parts.map((row) => row.map(([m]) => m)) };
  return c[0] === 0 ? [main] : [main, { ...a, tiles: parts.map((row) => row.map(([, l]) => l as C)) }];
}

/** The terms of `fused` added tile by tile (settled terms sit at one level). */
function settledSum<C>(ev: Evaluator<C>, [main, linear]: EncryptedMatrix<C>[]): EncryptedMatrix<C> {
  if (!linear) return main!;
  const tiles = main!.tiles.map((row, i) => row.map((t, j) => {
    const l = linear.tiles[i]![j]!;
    const out = ev.add(t, l);
    ev.free(t);
    ev.free(l);
    return out;
  }));
  return { ...main!, tiles };
}

/**
 * Row i of A times s(v_i): A ∘ s(v) for a row vector v (length A.rows) and s(t) = c0 + c1·t + c3·t³.
 * In: v at level l >= 2 on `ladder`; A at level >= l + 1, any scale. Out: matrix at level l - 2 on
 * the ladder. Depth 2 from v · Rotations none · Throws INVALID_ARGUMENT, INVALID_LEVEL, SCALE_MISMATCH, SHAPE_MISMATCH.
 */
export const fusedCubicRows = <C>(
  ev: Evaluator<C>, v: EncryptedRowVector<C>, a: EncryptedMatrix<C>, cubic: readonly number[], ladder: readonly number[],
): EncryptedMatrix<C> => settledSum(ev, fused(ev, 'fusedCubicRows', v, a, cubic, ladder, 'settled', (i) => i));

/** Column j of A times s(v_j): A ∘ s(v) for a column vector v (length A.cols); contract as `fusedCubicRows`. */
export const fusedCubicCols = <C>(
  ev: Evaluator<C>, a: EncryptedMatrix<C>, v: EncryptedColVector<C>, cubic: readonly number[], ladder: readonly number[],
): EncryptedMatrix<C> => settledSum(ev, fused(ev, 'fusedCubicCols', v, a, cubic, ladder, 'settled', (_i, j) => j));

/**
 * `fusedCubicRows` as matrices whose `sumRowsMany` is its `sumRows`: the cubic part pending (at
 * level l - 1, degree 2) and c0·A (at level l - 2; absent when c0 = 0). Summed, each tile column
 * costs one relinearization where the settled form costs one per tile. Contract otherwise as `fusedCubicRows`.
 */
export const fusedCubicRowsSummands = <C>(
  ev: Evaluator<C>, v: EncryptedRowVector<C>, a: EncryptedMatrix<C>, cubic: readonly number[], ladder: readonly number[],
): EncryptedMatrix<C>[] => fused(ev, 'fusedCubicRows', v, a, cubic, ladder, 'pending', (i) => i);

/** `fusedCubicCols` as matrices whose `sumColsMany` is its `sumCols` (see `fusedCubicRowsSummands`). */
export const fusedCubicColsSummands = <C>(
  ev: Evaluator<C>, a: EncryptedMatrix<C>, v: EncryptedColVector<C>, cubic: readonly number[], ladder: readonly number[],
): EncryptedMatrix<C>[] => fused(ev, 'fusedCubicCols', v, a, cubic, ladder, 'pending', (_i, j) => j);

/**
 * s(v) = (c3·v) ∘ (v² + c1/c3) + c0 for every tile of a vector on its own: the cubic first, for a
 * vector at a level no matrix sits above (a client sends it at the top), then a product with the
 * matrix (`hadamardRows` or `hadamardCols`, pending for a sum). A level more than the fused
 * product, but two relinearizations per vector tile where the fused form takes one per matrix
 * tile: a low-depth round of one minibatch from fresh weights needs 12 instead of 24 at
 * 256 x 197 over 64 x 64 tiles. Recorded before the matrix is asked for, it runs on a pool while
 * the matrix is encrypted.
 * In: v at level l >= 2 on `ladder`. Out: the same kind of vector at level l - 2 on the ladder.
 * Depth 2 · Rotations none · Throws INVALID_ARGUMENT (a cubic that is not odd), INVALID_LEVEL, SCALE_MISMATCH.
 */
export function cubicVector<C, V extends EncryptedRowVector<C> | EncryptedColVector<C>>(ev: Evaluator<C>, v: V, cubic: readonly number[], ladder: readonly number[]): V {
  const op = 'cubicVector';
  const [c0, c1, c3] = oddCubic(cubic);
  const level = ladderLevel(ev, op, v.tiles, ladder);
  if (level < 2) throw new HeError('INVALID_LEVEL', `${op}: the vector must sit at level 2 or above; it is at ${level}`, { op, level });
  const vs = squares(ev, v.tiles, c1, c3);
  const tiles = v.tiles.map((t, i) => {
    const c3v = landOnLadder(ev, t, level - 1, ladder, c3);
    const odd = settle(ev, ev.mul(c3v, vs[i] as C));
    ev.free(c3v);
    if (c0 === 0) return odd;
    const out = ev.addPlain(odd, c0);
    ev.free(odd);
    return out;
  });
  vs.forEach((t) => ev.free(t));
  return { ...v, tiles };
}
