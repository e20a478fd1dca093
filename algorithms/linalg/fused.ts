/**
 * An odd cubic fused into a Hadamard product against a matrix, on a scale ladder (PAPER.md
 * §3.2): A ∘ s(u) = c0·A + (c3·A ∘ u) ∘ (u² + c1/c3), two levels from u where "s(u), then
 * multiply" takes three. u² + c1/c3 is computed once per vector tile and shared by every
 * matrix tile it multiplies. Both LR circuits rely on it, with the learning rate folded into
 * the coefficients.
 */
import { HeError, type Evaluator } from '../../core/index.js';
import { oddCubic } from '../poly/fused.js';
import { landOnLadder } from '../ladder.js';
import { settle } from '../steps.js';
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

/** a ∘ s(u) for one matrix tile a and its vector tile u (with u² + c1/c3 = `v`). */
function fusedTile<C>(ev: Evaluator<C>, a: C, u: C, v: C, [c0, , c3]: [number, number, number], ladder: readonly number[]): C {
  const level = ev.meta(u).level;
  const c3a = landOnLadder(ev, a, level, ladder, c3);
  const au = settle(ev, ev.mul(c3a, u));
  ev.free(c3a);
  const main = settle(ev, ev.mul(au, v));
  ev.free(au);
  if (c0 === 0) return main;
  const c0a = landOnLadder(ev, a, level - 2, ladder, c0);
  const out = ev.add(main, c0a);
  ev.free(main);
  ev.free(c0a);
  return out;
}

function checkLevels<C>(ev: Evaluator<C>, op: string, u: readonly C[], a: EncryptedMatrix<C>, ladder: readonly number[]): void {
  const level = ev.meta(u[0] as C).level;
  for (const t of u) {
    const m = ev.meta(t);
    if (m.level !== level || m.scale !== ladder[level]) {
      throw new HeError('SCALE_MISMATCH', `${op}: the vector must sit at one level on the ladder`, { op, level: m.level, scale: m.scale });
    }
  }
  const low = Math.min(...a.tiles.flat().map((t) => ev.meta(t).level));
  if (low < level + 1) {
    throw new HeError('INVALID_LEVEL', `${op}: the matrix must sit at least one level above the vector (level ${level}); it is at ${low}`, { op, level, matrixLevel: low });
  }
}

/** A ∘ s(v) with vector tile `pick(i, j)` for matrix tile (i, j); the checks and ownership both forms share. */
function fused<C>(
  ev: Evaluator<C>, op: string, v: EncryptedRowVector<C> | EncryptedColVector<C>, a: EncryptedMatrix<C>,
  cubic: readonly number[], ladder: readonly number[], pick: (i: number, j: number) => number,
): EncryptedMatrix<C> {
  const c = oddCubic(cubic);
  sameUnit(v.unit, a.unit, op);
  const [size, what] = v.kind === 'row' ? [a.rows, 'rows'] : [a.cols, 'columns'];
  if (v.length !== size) throw shapeMismatch(op, v, a, `need the vector length to equal the ${what}`);
  checkLevels(ev, op, v.tiles, a, ladder);
  const vs = squares(ev, v.tiles, c[1], c[2]);
  const tiles = a.tiles.map((row, i) => row.map((t, j) => fusedTile(ev, t, v.tiles[pick(i, j)] as C, vs[pick(i, j)] as C, c, ladder)));
  vs.forEach((t) => ev.free(t));
  return { ...a, tiles };
}

/**
 * Row i of A times s(v_i): A ∘ s(v) for a row vector v (length A.rows) and s(t) = c0 + c1·t + c3·t³.
 * In: v at level l >= 2 on `ladder`; A at level >= l + 1, any scale. Out: matrix at level l - 2 on
 * the ladder. Depth 2 from v · Rotations none · Throws INVALID_ARGUMENT, INVALID_LEVEL, SCALE_MISMATCH, SHAPE_MISMATCH.
 */
export const fusedCubicRows = <C>(
  ev: Evaluator<C>, v: EncryptedRowVector<C>, a: EncryptedMatrix<C>, cubic: readonly number[], ladder: readonly number[],
): EncryptedMatrix<C> => fused(ev, 'fusedCubicRows', v, a, cubic, ladder, (i) => i);

/** Column j of A times s(v_j): A ∘ s(v) for a column vector v (length A.cols); contract as `fusedCubicRows`. */
export const fusedCubicCols = <C>(
  ev: Evaluator<C>, a: EncryptedMatrix<C>, v: EncryptedColVector<C>, cubic: readonly number[], ladder: readonly number[],
): EncryptedMatrix<C> => fused(ev, 'fusedCubicCols', v, a, cubic, ladder, (_i, j) => j);
