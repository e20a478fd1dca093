import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSealBackend } from '../../backends/seal/index.js';
import { createSimBackend, type SimBackend } from '../../backends/sim/index.js';
import { createParams, isHeError, type Backend } from '../../core/index.js';
import { landOnLadder, scaleLadder } from '../ladder.js';
import {
  cubicVector, decryptColVector, decryptMatrix, decryptRowVector, encodingUnit, encryptColVector, encryptMatrix, encryptRowVector, freeAll, fusedCubicCols,
  fusedCubicColsSummands, fusedCubicRows, fusedCubicRowsSummands, hadamard, hadamardRows, landAll, sumCols, sumColsMany, sumColsRotations, sumRows, sumRowsMany, sumRowsRotations,
} from './index.js';

const seed = Number(process.env.HEKIT_SEED ?? 20261125);
const params = createParams({ ringDegree: 8192, bitSizes: [40, 30, 30, 30, 30, 50], scale: 2 ** 30 });
const ladder = scaleLadder(params);
const unit = encodingUnit(16, 4096);
const top = params.maxLevel;
const cubic = [0.5, -0.15, 0, 0.0016];
const s = (t: number) => cubic[0]! + cubic[1]! * t + cubic[3]! * t ** 3;
const matrix = (rows: number, cols: number, k: number) =>
  Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => Math.cos(k + 0.9 * i - 0.4 * j)));
const vector = (n: number) => Array.from({ length: n }, (_, i) => 6 * Math.sin(1 + 2.3 * i));

describe('scaleLadder', () => {
  it('stays as close to the scale as the primes are, and is closed under products: S_l·S_l / q_l = S_{l-1} in float64', () => {
    const offset = Math.max(...params.dataPrimeValues.slice(1).map((q) => Math.abs(q / params.scale - 1)));
    for (let l = 0; l <= top; l++) expect(Math.abs(ladder[l]! / params.scale - 1)).toBeLessThanOrEqual(offset);
    for (let l = top; l > 0; l--) expect((ladder[l]! * ladder[l]!) / params.dataPrimeValues[l]!).toBe(ladder[l - 1]);
  });
});

describe.each(['sim', 'seal'] as const)('ladder and fused cubic products on %s', (name) => {
  let ev: Backend;
  const sim: SimBackend = createSimBackend(params, { rotations: [...sumRowsRotations(unit), ...sumColsRotations(unit)] });
  const rotations = [...sumRowsRotations(unit), ...sumColsRotations(unit)];
  beforeAll(async () => { ev = name === 'sim' ? sim : await createSealBackend(params, { verify: true, rotations }); });
  afterAll(() => { if (ev !== sim) ev.dispose(); sim.dispose(); });

  it('landOnLadder puts c·x on the rung of the target level to the bit, from any scale', () => {
    const x = ev.encrypt([1.5, -2, 3], { level: top, scale: 2 ** 30 });
    const y = landOnLadder(ev, x, 1, ladder, -0.25);
    expect(ev.meta(y)).toMatchObject({ level: 1, scale: ladder[1] });
    expect([...ev.decrypt(y).slice(0, 3)].map((v) => Number(v.toFixed(5)))).toEqual([-0.375, 0.5, -0.75]);
    expect(() => landOnLadder(ev, y, 1, ladder)).toThrow(expect.objectContaining({ code: 'INVALID_LEVEL' }));
    ev.free(x);
    ev.free(y);
  });

  it('products of values on the ladder stay on it, so paths of different lengths add', () => {
    const a = encryptMatrix(ev, unit, matrix(20, 300, 1), { level: top, scale: ladder[top] });
    const b = landAll(ev, a, top - 1, ladder, 2);
    const c = landAll(ev, a, top - 1, ladder);
    const sq = hadamard(ev, c, b);
    expect(ev.meta(sq.tiles[0]![0]!).scale).toBe(ladder[top - 2]);
    [a, b, c, sq].forEach((m) => freeAll(ev, m));
  });

  it.each([['rows', 20, 300], ['cols', 40, 70]] as const)('fusedCubic%s (%i x %i) is A ∘ s(v) in 2 levels from v, within the predicted bound', (form, rows, cols) =>
    check(form, rows, cols));

  it('on random shapes, including several tiles and non-powers of two (seed printed on failure)', () => {
    fc.assert(fc.property(fc.constantFrom('rows' as const, 'cols' as const), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 600 }),
      (form, rows, cols) => check(form, rows, cols)), { seed, numRuns: name === 'sim' ? 10 : 2 });
  });

  function check(form: 'rows' | 'cols', rows: number, cols: number): void {
    const a = matrix(rows, cols, 2);
    const v = vector(form === 'rows' ? rows : cols);
    const run = (x: Backend) => {
      const A = encryptMatrix(x, unit, a, { level: top, scale: ladder[top] });
      const options = { level: top - 1, scale: ladder[top - 1] };
      const u = form === 'rows' ? encryptRowVector(x, unit, v, options) : encryptColVector(x, unit, v, options);
      const out = u.kind === 'row' ? fusedCubicRows(x, u, A, cubic, ladder) : fusedCubicCols(x, A, u, cubic, ladder);
      freeAll(x, A);
      freeAll(x, u);
      return out;
    };
    const got = run(ev), predicted = run(sim);
    for (const t of got.tiles.flat()) expect(ev.meta(t)).toMatchObject({ level: top - 3, scale: ladder[top - 3] });
    const bound = Math.max(...predicted.tiles.flat().map((t) => sim.noise(t).maxBound));
    const values = decryptMatrix(ev, got);
    a.forEach((row, i) => row.forEach((x, j) => expect(Math.abs(values[i]![j]! - x * s(v[form === 'rows' ? i : j]!))).toBeLessThanOrEqual(bound)));
    freeAll(ev, got);
    freeAll(sim, predicted);
    expect(ev.memory().ciphertexts).toBe(0);
  }

  it.each([['rows', 20, 300], ['cols', 40, 70]] as const)(
    'summed (%s, %i x %i), the pending form relinearizes once per tile column (row) and gives the settled sum, within the predicted bound',
    (form, rows, cols) => {
      const a = matrix(rows, cols, 4);
      const v = vector(form === 'rows' ? rows : cols);
      const relins = (x: Backend) => x.stats().ops.relinearize ?? 0;
      const run = (x: Backend, pending: boolean) => {
        const A = encryptMatrix(x, unit, a, { level: top, scale: ladder[top] });
        const options = { level: top - 1, scale: ladder[top - 1] };
        const before = relins(x);
        let out;
        if (form === 'rows') {
          const u = encryptRowVector(x, unit, v, options);
          if (pending) {
            const terms = fusedCubicRowsSummands(x, u, A, cubic, ladder);
            out = sumRowsMany(x, terms);
            terms.forEach((t) => freeAll(x, t));
          } else {
            const f = fusedCubicRows(x, u, A, cubic, ladder);
            out = sumRows(x, f);
            freeAll(x, f);
          }
          freeAll(x, u);
        } else {
          const u = encryptColVector(x, unit, v, options);
          if (pending) {
            const terms = fusedCubicColsSummands(x, A, u, cubic, ladder);
            out = sumColsMany(x, terms, 1, ladder[top - 3]);
            terms.forEach((t) => freeAll(x, t));
          } else {
            const f = fusedCubicCols(x, A, u, cubic, ladder);
            out = sumCols(x, f, 1, ladder[top - 3]);
            freeAll(x, f);
          }
          freeAll(x, u);
        }
        freeAll(x, A);
        return { out, relins: relins(x) - before };
      };
      const [settled, pending, predicted] = [run(ev, false), run(ev, true), run(sim, true)];
      const [V, H] = [Math.ceil(rows / unit.height), Math.ceil(cols / unit.width)];
      // Per matrix tile c3·A ∘ u, per vector tile u², then one per summed tile column (row) instead of one per tile.
      const vectorTiles = form === 'rows' ? V : H;
      expect(settled.relins).toBe(2 * V * H + vectorTiles);
      expect(pending.relins).toBe(V * H + vectorTiles + (form === 'rows' ? H : V));
      expect(pending.out.tiles.map((t) => ev.meta(t))).toEqual(settled.out.tiles.map((t) => ev.meta(t)));
      const want = form === 'rows'
        ? Array.from({ length: cols }, (_, j) => a.reduce((acc, row, i) => acc + row[j]! * s(v[i]!), 0))
        : a.map((row) => row.reduce((acc, x, j) => acc + x * s(v[j]!), 0));
      const bound = Math.max(...predicted.out.tiles.map((t) => sim.noise(t).maxBound));
      const decrypt = (o: typeof settled.out) => (o.kind === 'col' ? decryptColVector(ev, o) : decryptRowVector(ev, o));
      for (const got of [decrypt(pending.out), decrypt(settled.out)]) want.forEach((w, i) => expect(Math.abs(got[i]! - w)).toBeLessThanOrEqual(bound));
      [settled.out, pending.out].forEach((o) => freeAll(ev, o));
      freeAll(sim, predicted.out);
      expect(ev.memory().ciphertexts).toBe(0);
    });

  it.each([[20, 300, top - 2], [40, 70, top]] as const)(
    'cubic first (%i x %i, the matrix at level %i): sumRows of A ∘ s(v) from v at the top, two relinearizations per vector tile and one per tile column, within the predicted bound',
    (rows, cols, matrixLevel) => {
      const a = matrix(rows, cols, 5);
      const v = vector(rows);
      const run = (x: Backend) => {
        const before = x.stats().ops.relinearize ?? 0;
        const A = encryptMatrix(x, unit, a, { level: matrixLevel, scale: ladder[matrixLevel] });
        const u = encryptRowVector(x, unit, v, { level: top, scale: ladder[top] });
        const su = cubicVector(x, u, cubic, ladder);
        const At = landAll(x, A, top - 2, ladder);
        const terms = hadamardRows(x, su, At, 'pending');
        const out = sumRowsMany(x, [terms]);
        [A, At, u, su, terms].forEach((t) => freeAll(x, t));
        return { out, relins: (x.stats().ops.relinearize ?? 0) - before };
      };
      const [got, predicted] = [run(ev), run(sim)];
      const [V, H] = [Math.ceil(rows / unit.height), Math.ceil(cols / unit.width)];
      expect(got.relins).toBe(2 * V + H);
      for (const t of got.out.tiles) expect(ev.meta(t)).toMatchObject({ level: top - 3, scale: ladder[top - 3] });
      const want = Array.from({ length: cols }, (_, j) => a.reduce((acc, row, i) => acc + row[j]! * s(v[i]!), 0));
      const bound = Math.max(...predicted.out.tiles.map((t) => sim.noise(t).maxBound));
      const values = decryptColVector(ev, got.out);
      want.forEach((w, j) => expect(Math.abs(values[j]! - w)).toBeLessThanOrEqual(bound));
      freeAll(ev, got.out);
      freeAll(sim, predicted.out);
      expect(ev.memory().ciphertexts).toBe(0);
    });

  it('cubicVector refuses a vector below level 2, off the ladder, or a cubic that is not odd', () => {
    const code = (f: () => unknown) => { try { f(); } catch (e) { return isHeError(e) ? e.code : 'other'; } return 'none'; };
    const low = encryptRowVector(ev, unit, vector(4), { level: 1, scale: ladder[1] });
    const off = encryptRowVector(ev, unit, vector(4), { level: top, scale: 2 ** 30 });
    const high = encryptRowVector(ev, unit, vector(4), { level: top, scale: ladder[top] });
    expect(code(() => cubicVector(ev, low, cubic, ladder))).toBe('INVALID_LEVEL');
    expect(code(() => cubicVector(ev, off, cubic, ladder))).toBe('SCALE_MISMATCH');
    expect(code(() => cubicVector(ev, high, [0.5, 1, 1, 1], ladder))).toBe('INVALID_ARGUMENT');
    [low, off, high].forEach((t) => freeAll(ev, t));
    expect(ev.memory().ciphertexts).toBe(0);
  });

  it('refuses a matrix not above the vector, and a cubic that is not odd', () => {
    const A = encryptMatrix(ev, unit, matrix(4, 4, 3), { level: top - 1, scale: ladder[top - 1] });
    const v = encryptRowVector(ev, unit, vector(4), { level: top - 1, scale: ladder[top - 1] });
    const code = (f: () => unknown) => { try { f(); } catch (e) { return isHeError(e) ? e.code : 'other'; } return 'none'; };
    expect(code(() => fusedCubicRows(ev, v, A, cubic, ladder))).toBe('INVALID_LEVEL');
    expect(code(() => fusedCubicRows(ev, v, A, [0.5, 1, 1, 1], ladder))).toBe('INVALID_ARGUMENT');
    freeAll(ev, A);
    freeAll(ev, v);
    expect(ev.memory().ciphertexts).toBe(0);
  });
});
