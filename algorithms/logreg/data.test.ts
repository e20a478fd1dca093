import { describe, expect, it } from 'vitest';
import { sigmoid, sigmoidCubic8 } from '../poly/index.js';
import { encodingUnit } from '../linalg/index.js';
import { accuracy, downsample, loadDataset, loadDigit, minibatches, momentum, plainInput, plainInputs, trainPlain, trainStep, initialState } from './index.js';

describe('MNIST 3 vs 8', () => {
  const data = loadDataset();

  it('reads the real digits from the mnist package and averages 2 x 2 blocks', () => {
    const threes = loadDigit(3);
    expect(threes.length).toBeGreaterThan(900);
    expect(threes[0]!.length).toBe(784);
    const image = Array.from({ length: 784 }, (_, i) => (i % 28) + 28 * Math.floor(i / 28));
    const small = downsample(image);
    expect(small.length).toBe(196);
    expect(small[0]).toBe((0 + 1 + 28 + 29) / 4);
    expect(small[195]).toBe((26 * 28 + 26 + 26 * 28 + 27 + 27 * 28 + 26 + 27 * 28 + 27) / 4);
  });

  it('splits reproducibly by seed into disjoint train and held-out test sets', () => {
    expect(data.train.length + data.test.length).toBe(loadDigit(3).length + loadDigit(8).length);
    expect(data.test.length).toBe(400);
    expect(data.features).toBe(197);
    const again = loadDataset();
    expect(again.test.map((z) => z[100])).toEqual(data.test.map((z) => z[100]));
    const other = loadDataset({ seed: 2 });
    expect(other.test.map((z) => z[100])).not.toEqual(data.test.map((z) => z[100]));
    const key = (z: Float64Array) => Array.from(z, (v) => Math.abs(v).toFixed(9)).join();
    const train = new Set(data.train.map(key));
    expect(data.test.filter((z) => train.has(key(z))).length).toBeLessThan(3);
  });

  it('folds the label into each row (bias ±1) and scales training columns into [-1, 1] around their mean', () => {
    expect(data.train.every((z) => Math.abs(z[0]!) === 1)).toBe(true);
    const both = data.train.filter((z) => z[0] === 1).length;
    expect(both).toBeGreaterThan(600);
    expect(data.train.length - both).toBeGreaterThan(600);
    for (let j = 1; j < data.features; j++) {
      const column = data.train.map((z) => z[j]! * z[0]!);
      expect(Math.max(...column.map(Math.abs))).toBeLessThanOrEqual(1 + 1e-12);
      expect(Math.abs(column.reduce((a, b) => a + b, 0) / column.length)).toBeLessThan(1e-9);
    }
  });

  it('cuts consecutive minibatches and refuses more than the split holds', () => {
    const batches = minibatches(data, 6, 256);
    expect(batches.map((b) => b.length)).toEqual([256, 256, 256, 256, 256, 256]);
    expect(batches[1]![0]).toBe(data.train[256]);
    expect(() => minibatches(data, 7, 256)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('round inputs', () => {
  // Shapes off the Gram product's 2 x 4 blocking, entries summed in order as a plain loop would.
  const rows = (b: number, d: number, seed: number): Float64Array[] =>
    Array.from({ length: b }, (_, i) => Float64Array.from({ length: d }, (_, t) => Math.sin(seed + 7 * i + t) / (t + 1)));
  const dot = (x: Float64Array, y: Float64Array): number => x.reduce((s, v, t) => s + v * y[t]!, 0);

  it.each([[1, 3], [3, 5], [5, 11], [6, 13]])('M, MT, X, XT, and the first step\'s vectors in their layouts, for b = %i, d = %i', (b, d) => {
    const batches = [rows(b, d, 1), rows(b, d, 2)];
    const c = 0.37;
    const unit = encodingUnit(4, 32); // 4 x 8
    const m = batches[1]!.map((x) => batches[0]!.map((y) => dot(x, y)));
    const plain = plainInputs(batches, c, unit);
    expect(plain('M1')).toEqual(m);
    expect(plain('MT1')).toEqual(m[0]!.map((_, j) => m.map((row) => row[j])));
    expect(plainInput(batches, 'XT2', c)).toEqual(Array.from(batches[1]![0]!, (_, t) => batches[1]!.map((z) => z[t]!)));
    expect(plain('X1')).toEqual(batches[0]!.map((z) => [...z]));
    // w_1 = c·X_1ᵀ1 and u_2 = c·M_1·1 (= X_2·w_1), to float64 rounding.
    const w1 = Array.from({ length: d }, (_, t) => c * batches[0]!.reduce((s, z) => s + z[t]!, 0));
    const u2 = m.map((row) => c * row.reduce((s, v) => s + v, 0));
    const close = (got: number[][], want: number[][]) => {
      expect([got.length, got[0]!.length]).toEqual([want.length, want[0]!.length]);
      got.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(want[i]![j]!, 12)));
    };
    close(plain('WC1'), Array.from({ length: 4 }, () => w1));
    close(plain('WR1'), w1.map((v) => new Array(8).fill(v)));
    close(plain('UC1'), Array.from({ length: 4 }, () => u2));
    close(plain('UR1'), u2.map((v) => new Array(8).fill(v)));
    for (const name of ['M2', 'WC2', 'X1*']) expect(() => plain(name)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => plainInputs(batches, c)('WC1')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => plainInputs(batches.slice(0, 1), c, unit)('UR1')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('plaintext trainers', () => {
  const data = loadDataset();
  const batches = minibatches(data, 6, 256);

  it('gradient ascent with the exact σ equals the matrix form w + (α/b)·Zᵀσ(-Zw), step by step', () => {
    let state = initialState(data.features);
    let w = new Array<number>(data.features).fill(0);
    for (const batch of batches.slice(0, 3)) {
      state = trainStep(state, batch, { rule: 'gradient', learningRate: 2, sigmoid: 'exact' });
      const u = batch.map((z) => z.reduce((s, x, j) => s + x * w[j]!, 0));
      w = w.map((wj, j) => wj + (2 / batch.length) * batch.reduce((s, z, i) => s + z[j]! * sigmoid(-u[i]!), 0));
      state.w.forEach((x, j) => expect(x).toBeCloseTo(w[j]!, 12));
    }
  });

  it('follows the Nesterov schedule a_0 = 0.01, a_{t+1} = (1 + √(1 + 4a_t²))/2, η_t = (1 - a_t)/a_{t+1}', () => {
    const a1 = (1 + Math.sqrt(1 + 4e-4)) / 2;
    const a2 = (1 + Math.sqrt(1 + 4 * a1 * a1)) / 2;
    expect(momentum(0)).toBeCloseTo(0.99 / a1, 15);
    expect(momentum(1)).toBeCloseTo((1 - a1) / a2, 15);
    const s0 = trainStep(initialState(3), [Float64Array.of(1, 0, 0)], { rule: 'nesterov', learningRate: 1, sigmoid: 'exact' });
    expect(s0.w[0]).toBeCloseTo(0.5, 15);
    expect(s0.v[0]).toBeCloseTo((1 - momentum(0)) * 0.5, 15);
  });

  it('trains 3 vs 8 to well above 90% held-out accuracy in 6 minibatches of 256, with both rules and the [-8, 8] cubic', () => {
    for (const rule of ['gradient', 'nesterov'] as const) {
      for (const sig of ['exact', sigmoidCubic8] as const) {
        const { w } = trainPlain(batches, { rule, learningRate: 2, sigmoid: sig });
        expect(accuracy(data.test, w)).toBeGreaterThan(0.93);
      }
    }
  });
});
