import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSealBackend } from '../../backends/seal/index.js';
import { createSimBackend } from '../../backends/sim/index.js';
import type { Backend } from '../../core/index.js';
import { thrown } from '../../property-tests/thrown.js';
import {
  decryptColVector, decryptMatrix, decryptRowVector, encodingUnit, encryptMatrix, encryptRowVector, freeAll, matrixProductRowMajorMixedUnit,
  matrixTimesColMixedUnit,
  mixedUnitRotations, rowTimesMatrixMixedUnit, sumColsRotations,
} from './index.js';

const literal = { ringDegree: 8192, bitSizes: [45, 35, 35, 35, 60], scale: 2 ** 35 };
const unit = encodingUnit(16, 4096); // m = 16 <= n = 256
const powersOfTwo = Array.from({ length: 12 }, (_, i) => 2 ** i).flatMap((s) => [s, -s]);
const rotations = [...new Set([...mixedUnitRotations(unit), ...sumColsRotations(unit), ...powersOfTwo])];

describe.each(['sim', 'seal'] as const)('mixed-unit products on %s', (name) => {
  let ev: Backend;
  beforeAll(async () => { ev = name === 'sim' ? createSimBackend(literal, { rotations }) : await createSealBackend(literal, { rotations, verify: true }); });
  afterAll(() => ev.dispose());

  it('vᵀA lands in the transposed unit, and feeds A·(vᵀA)ᵀ through the relabelled vector (depth 1, then 2)', () => {
    const [f, g] = [40, 10];
    const a = Array.from({ length: f }, (_, i) => Array.from({ length: g }, (_, j) => Math.cos(i * 0.7 + j)));
    const v = Array.from({ length: f }, (_, i) => Math.sin(i));
    const A = encryptMatrix(ev, unit, a);
    const V = encryptRowVector(ev, unit, v);
    const vA = rowTimesMatrixMixedUnit(ev, V, A);
    expect(vA.unit).toEqual({ height: 256, width: 16 });
    expect(ev.meta(vA.tiles[0]!).level).toBe(ev.params.maxLevel - 1);
    const got = decryptColVector(ev, vA);
    const ref = Array.from({ length: g }, (_, j) => a.reduce((s, row, i) => s + (v[i] as number) * (row[j] as number), 0));
    ref.forEach((r, j) => expect(Math.abs((got[j] as number) - r)).toBeLessThan(1e-5));

    const lowA = encryptMatrix(ev, unit, a, { level: ev.params.maxLevel - 1 });
    const back = matrixTimesColMixedUnit(ev, lowA, vA);
    expect(ev.meta(back.tiles[0]!).level).toBe(ev.params.maxLevel - 3);
    const rows = decryptRowVector(ev, back);
    a.forEach((row, i) => expect(Math.abs((rows[i] as number) - row.reduce((s, x, j) => s + x * (ref[j] as number), 0))).toBeLessThan(1e-4));
    expect(thrown(() => ev.scope(() => rowTimesMatrixMixedUnit(ev, encryptRowVector(ev, unit, [1]), encryptMatrix(ev, unit, [Array(20).fill(1)])))).code)
      .toBe('SHAPE_MISMATCH');
    [A, V, vA, lowA, back].forEach((x) => freeAll(ev, x));
    expect(ev.memory().ciphertexts).toBe(0);
  });

  it('c·AB from Aᵀ and B in a tall unit, in one m x n tile, depth 3', () => {
    const tall = encodingUnit(256, 4096); // 256 x 16
    const [f, g, h] = [9, 300, 14];
    const a = Array.from({ length: f }, (_, i) => Array.from({ length: g }, (_, j) => Math.sin(i + 0.1 * j)));
    const b = Array.from({ length: g }, (_, i) => Array.from({ length: h }, (_, j) => Math.cos(0.3 * i - j)));
    const aT = Array.from({ length: g }, (_, i) => a.map((row) => row[i] as number));
    const [AT, B] = [encryptMatrix(ev, tall, aT), encryptMatrix(ev, tall, b)];
    const product = matrixProductRowMajorMixedUnit(ev, AT, B, 0.25);
    expect(product.unit).toEqual({ height: 16, width: 256 });
    expect(ev.meta(product.tiles[0]![0]!).level).toBe(ev.params.maxLevel - 3);
    const got = decryptMatrix(ev, product);
    for (let i = 0; i < f; i++) {
      for (let j = 0; j < h; j++) {
        const ref = 0.25 * (a[i] as number[]).reduce((s, x, k) => s + x * ((b[k] as number[])[j] as number), 0);
        expect(Math.abs(((got[i] as number[])[j] as number) - ref)).toBeLessThan(1e-3);
      }
    }
    [AT, B, product].forEach((x) => freeAll(ev, x));
    expect(ev.memory().ciphertexts).toBe(0);
  });
});
