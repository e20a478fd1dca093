/**
 * HIT's encrypted linear algebra against plain float64 linear algebra, on random shapes
 * (non-powers of two, several tiles each way): many runs on the simulator, a few on SEAL,
 * with the documented depth equal to the levels consumed.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSealBackend } from '../../backends/seal/index.js';
import { createSimBackend, type SimBackend } from '../../backends/sim/index.js';
import type { Backend, Ciphertext, CkksParamsLiteral } from '../../core/index.js';
import { thrown } from '../../property-tests/thrown.js';
import {
  add, decryptColVector, decryptMatrix, decryptRowVector, encodingUnit, encryptColVector, encryptMatrix, encryptRowVector,
  dropLevelTo, freeAll, hadamard, matrixTimesCol, mulPlain, rescaleAll, rowTimesMatrix, sub, sumColsMany, sumColsRotations, sumRowsMany,
  sumRowsRotations, type Encrypted,
} from './index.js';

const literal: CkksParamsLiteral = { ringDegree: 8192, bitSizes: [45, 35, 35, 35, 60], scale: 2 ** 35 };
const seed = Number(process.env.HEKIT_SEED ?? 20261125);
const unit = encodingUnit(16, 4096); // 16 x 256 tiles
const rotations = [...sumRowsRotations(unit), ...sumColsRotations(unit)];

const shape = fc.record({
  rows: fc.integer({ min: 1, max: 40 }),
  cols: fc.integer({ min: 1, max: 600 }),
  seed: fc.integer({ min: 1, max: 1e6 }),
});

function matrixOf(rows: number, cols: number, s: number): number[][] {
  let x = s;
  const next = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  return Array.from({ length: rows }, () => Array.from({ length: cols }, next));
}

/** Largest predicted bound over an object's tiles, from the simulator. */
const maxBound = (sim: SimBackend, x: Encrypted<Ciphertext>): number =>
  Math.max(...(x.kind === 'matrix' ? x.tiles.flat() : x.tiles).map((t) => sim.noise(t).maxBound));

describe.each([
  ['sim', 60],
  ['seal', 4],
] as const)('linear algebra on %s', (name, numRuns) => {
  let ev: Backend;
  const sim = createSimBackend(literal, { rotations });
  beforeAll(async () => {
    ev = name === 'sim' ? sim : await createSealBackend(literal, { rotations, verify: true });
  });
  afterAll(() => {
    if (ev !== sim) ev.dispose();
    sim.dispose();
  });

  it('vᵀA (depth 1) and c·Av (depth 2) match float64, within the predicted bound', () => {
    fc.assert(fc.property(shape, ({ rows, cols, seed: s }) => {
      const a = matrixOf(rows, cols, s);
      const [v] = matrixOf(1, rows, s + 1) as [number[]];
      const [w] = matrixOf(1, cols, s + 2) as [number[]];
      const run = (b: Backend) => {
        const A = encryptMatrix(b, unit, a);
        const V = encryptRowVector(b, unit, v);
        const W = encryptColVector(b, unit, w);
        const vA = rowTimesMatrix(b, V, A);
        const Aw = matrixTimesCol(b, A, W, 0.5);
        [A, V, W].forEach((x) => freeAll(b, x));
        return { vA, Aw };
      };
      const got = run(ev);
      const predicted = run(sim);
      try {
        expect(got.vA.tiles.every((t) => ev.meta(t).level === ev.params.maxLevel - 1)).toBe(true);
        expect(got.Aw.tiles.every((t) => ev.meta(t).level === ev.params.maxLevel - 2)).toBe(true);
        const vA = decryptColVector(ev, got.vA);
        const Aw = decryptRowVector(ev, got.Aw);
        const boundVA = maxBound(sim, predicted.vA) + 1e-9, boundAw = maxBound(sim, predicted.Aw) + 1e-9;
        for (let j = 0; j < cols; j++) {
          const ref = a.reduce((acc, row, i) => acc + (v[i] as number) * (row[j] as number), 0);
          expect(Math.abs((vA[j] as number) - ref)).toBeLessThanOrEqual(boundVA);
        }
        for (let i = 0; i < rows; i++) {
          const ref = 0.5 * (a[i] as number[]).reduce((acc, x, j) => acc + x * (w[j] as number), 0);
          expect(Math.abs((Aw[i] as number) - ref)).toBeLessThanOrEqual(boundAw);
        }
      } finally {
        [got.vA, got.Aw].forEach((x) => freeAll(ev, x));
        [predicted.vA, predicted.Aw].forEach((x) => freeAll(sim, x));
      }
      expect(ev.memory().ciphertexts).toBe(0);
    }), { seed, numRuns });
  });

  it('encrypts, decrypts, adds, subtracts and multiplies slot-wise any shape', () => {
    fc.assert(fc.property(shape, ({ rows, cols, seed: s }) => {
      const a = matrixOf(rows, cols, s), b = matrixOf(rows, cols, s + 9);
      const A = encryptMatrix(ev, unit, a), B = encryptMatrix(ev, unit, b);
      const sum = add(ev, A, B), diff = sub(ev, A, B), prod = hadamard(ev, A, B), plainProd = mulPlain(ev, A, b);
      const [ds, dd, dp, dq] = [sum, diff, prod, plainProd].map((x) => decryptMatrix(ev, x)) as [number[][], number[][], number[][], number[][]];
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < cols; j++) {
          const x = (a[i] as number[])[j] as number, y = (b[i] as number[])[j] as number;
          expect(Math.abs((ds[i] as number[])[j]! - (x + y))).toBeLessThan(1e-6);
          expect(Math.abs((dd[i] as number[])[j]! - (x - y))).toBeLessThan(1e-6);
          expect(Math.abs((dp[i] as number[])[j]! - x * y)).toBeLessThan(1e-6);
          expect(Math.abs((dq[i] as number[])[j]! - x * y)).toBeLessThan(1e-6);
        }
      }
      // Public vectors in both vector layouts.
      const [v, w] = [(a[0] as number[]).slice(0, rows), a[0] as number[]];
      const V = encryptRowVector(ev, unit, v), W = encryptColVector(ev, unit, w);
      const [VV, WW] = [mulPlain(ev, V, v), mulPlain(ev, W, w)];
      const [vv, ww] = [decryptRowVector(ev, VV), decryptColVector(ev, WW)];
      v.forEach((x, i) => expect(Math.abs((vv[i] as number) - x * x)).toBeLessThan(1e-6));
      w.forEach((x, j) => expect(Math.abs((ww[j] as number) - x * x)).toBeLessThan(1e-6));
      [A, B, sum, diff, prod, plainProd, V, W, VV, WW].forEach((x) => freeAll(ev, x));
      expect(ev.memory().ciphertexts).toBe(0);
    }), { seed, numRuns: Math.ceil(numRuns / 2) });
  });

  it('sums many matrices at once, and moves whole objects down levels', () => {
    const [a, b] = [matrixOf(20, 300, 3), matrixOf(10, 300, 4)];
    const [c, d] = [matrixOf(20, 100, 5), matrixOf(20, 150, 6)];
    const [A, B, C, D] = [a, b, c, d].map((m) => encryptMatrix(ev, unit, m)) as [Encrypted<Ciphertext>, Encrypted<Ciphertext>, Encrypted<Ciphertext>, Encrypted<Ciphertext>];
    const rowsum = sumRowsMany(ev, [A, B] as never);
    const colsum = sumColsMany(ev, [C, D] as never, 2);
    const columns = decryptColVector(ev, rowsum);
    for (let j = 0; j < 300; j++) {
      const ref = [...a, ...b].reduce((s, row) => s + (row[j] as number), 0);
      expect(Math.abs((columns[j] as number) - ref)).toBeLessThan(1e-5);
    }
    const rowsOut = decryptRowVector(ev, colsum);
    for (let i = 0; i < 20; i++) {
      const ref = 2 * [...(c[i] as number[]), ...(d[i] as number[])].reduce((s, x) => s + x, 0);
      expect(Math.abs((rowsOut[i] as number) - ref)).toBeLessThan(1e-5);
    }
    expect(thrown(() => sumRowsMany(ev, [A, C] as never)).code).toBe('SHAPE_MISMATCH');
    const low = dropLevelTo(ev, A, 1);
    // A product, as rescaling a fresh ciphertext would fall below the scale floor.
    const squared = { ...A, tiles: (A.tiles as Ciphertext[][]).map((row) => row.map((t) => ev.mul(t, t))) } as Encrypted<Ciphertext>;
    const rescaled = rescaleAll(ev, squared);
    expect((low.tiles as Ciphertext[][]).flat().every((t) => t.level === 1)).toBe(true);
    expect((rescaled.tiles as Ciphertext[][]).flat().every((t) => t.level === ev.params.maxLevel - 1)).toBe(true);
    [A, B, C, D, rowsum, colsum, low, squared, rescaled].forEach((x) => freeAll(ev, x));
    expect(ev.memory().ciphertexts).toBe(0);
  });

  it('names both shapes when they do not fit', () => {
    const A = encryptMatrix(ev, unit, matrixOf(3, 5, 1));
    const V = encryptRowVector(ev, unit, [1, 2]);
    const B = encryptMatrix(ev, unit, matrixOf(5, 3, 1));
    const e = thrown(() => rowTimesMatrix(ev, V, A));
    expect(e.code).toBe('SHAPE_MISMATCH');
    expect(e.details).toMatchObject({ shapes: ['row vector of 2', '3x5 matrix'] });
    expect(thrown(() => add(ev, A, B)).code).toBe('SHAPE_MISMATCH');
    expect(thrown(() => encryptMatrix(ev, unit, [[1, 2], [3]])).code).toBe('SHAPE_MISMATCH');
    expect(thrown(() => encodingUnit(3, 4096)).code).toBe('INVALID_ARGUMENT');
    [A, V, B].forEach((x) => freeAll(ev, x));
  });
});
