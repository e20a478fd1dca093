import { describe, expect, it } from 'vitest';
import { accuracy, applyTransform, classOrder, foldLabels, loadDataset, prepareTable, seededUniform } from './index.js';

/** A small table whose columns differ in offset and spread, plus one constant column. */
function table(rows = 50) {
  const next = seededUniform(9);
  const xs = Array.from({ length: rows }, () => [100 + 10 * next(), -3 * next(), 7]);
  return { rows: xs, labels: xs.map((x) => (x[0]! + 20 * x[1]! > 80 ? 'yes' : 'no')), featureNames: ['height', 'depth', 'flat'] };
}

describe('prepareTable', () => {
  const t = table();
  const p = prepareTable(t, { testFraction: 0.2, seed: 3 });

  it('splits by a seeded shuffle into disjoint held-out and training rows covering the table', () => {
    expect([p.train.length, p.test.length]).toEqual([40, 10]);
    const key = (z: Float64Array) => Array.from(z).join();
    const all = [...p.train, ...p.test].map(key);
    expect(new Set(all).size).toBe(50);
    expect(prepareTable(t, { testFraction: 0.2, seed: 3 }).test.map(key)).toEqual(p.test.map(key));
    expect(prepareTable(t, { testFraction: 0.2, seed: 4 }).test.map(key)).not.toEqual(p.test.map(key));
  });

  it('fits centring and scaling on the training rows only and applies them to the held-out rows', () => {
    // Recover which raw rows went to training from the scaled first column, then refit by hand.
    const raw = t.rows.map((x) => x[0]!);
    const { mean, range } = p.transform;
    const trainRaw = p.train.map((z) => raw.find((v) => Math.abs((v - mean[0]!) / range[0]! - z[1]!) < 1e-12)!);
    const m = trainRaw.reduce((a, b) => a + b, 0) / trainRaw.length;
    expect(mean[0]).toBeCloseTo(m, 10);
    expect(range[0]).toBeCloseTo(Math.max(...trainRaw.map((v) => Math.abs(v - m))), 10);
    for (const z of p.train) {
      expect(z[0]).toBe(1);
      for (const v of z) expect(Math.abs(v)).toBeLessThanOrEqual(1 + 1e-12);
    }
    expect(p.test.every((z) => z[0] === 1)).toBe(true);
  });

  it('reports columns constant in training, scaled to 0', () => {
    expect(p.constantColumns).toEqual(['flat']);
    expect(p.train.every((z) => z[3] === 0)).toBe(true);
  });

  it('encodes labels by sorted class order, the positive class last', () => {
    expect(p.classes).toEqual(['no', 'yes']);
    expect(p.trainLabels.every((k) => k === 0 || k === 1)).toBe(true);
    expect(classOrder(['10', '9', '10', '2'])).toEqual(['2', '9', '10']);
    expect(classOrder(['b', 'a'], { positive: 'a' })).toEqual(['b', 'a']);
    expect(classOrder([3, 8, 3], { classes: [8, 3] })).toEqual(['8', '3']);
  });

  it('folds labels so that z·w > 0 means the right class', () => {
    const w = new Float64Array([0.1, 2, 1, 0]);
    const folded = foldLabels(p.test, p.testLabels, 1);
    const byHand = p.test.filter((x, i) => (x.reduce((s, v, j) => s + v * w[j]!, 0) > 0 ? 1 : 0) === p.testLabels[i]).length / p.test.length;
    expect(accuracy(folded, w)).toBe(byHand);
  });

  it.each([
    [{ rows: [[1], [2]], labels: ['a', 'a'] }, {}, 'INVALID_ARGUMENT', /1 class \(a\)/],
    [{ rows: [[1], [2, 3]], labels: ['a', 'b'] }, {}, 'SHAPE_MISMATCH', /row 1 has 2 values/],
    [{ rows: [[1], [NaN]], labels: ['a', 'b'] }, {}, 'INVALID_VALUES', /row 1, column 1/],
    [{ rows: [[1], [2], [3]], labels: ['a', 'b', 'a'] }, { testFraction: 1 }, 'INVALID_ARGUMENT', /testFraction 1/],
    [{ rows: [[1], [2]], labels: ['a', 'b'] }, { testSize: 2 }, 'INVALID_ARGUMENT', /both splits non-empty/],
    [{ rows: [[1], [2]], labels: ['a', 'b', 'c'] }, {}, 'INVALID_ARGUMENT', /2 rows but 3 labels/],
    [{ rows: [[1], [2]], labels: ['a', 'b'] }, { positive: 'c' }, 'INVALID_ARGUMENT', /positive class c/],
  ] as const)('refuses a bad table with a typed error (%#)', (bad, options, code, message) => {
    expect(() => prepareTable(bad, options)).toThrow(expect.objectContaining({ code, message: expect.stringMatching(message) }));
  });

  it('applyTransform refuses a row of another width', () => {
    expect(() => applyTransform(p.transform, [1, 2])).toThrow(expect.objectContaining({ code: 'SHAPE_MISMATCH' }));
  });
});

describe('MNIST through the same path', () => {
  it('is prepareTable with the digits as classes, folded for the second digit', () => {
    const data = loadDataset({ testSize: 100 });
    expect(data.prepared.classes).toEqual(['3', '8']);
    expect(data.prepared.featureNames).toHaveLength(196);
    expect(data.test).toEqual(foldLabels(data.prepared.test, data.prepared.testLabels, 1));
    expect(data.train.length).toBe(data.prepared.train.length);
  });
});
