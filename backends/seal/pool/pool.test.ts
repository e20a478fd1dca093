import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logreg } from '../../../algorithms/index.js';
import type { Ciphertext } from '../../../core/handle.js';
import type { Evaluator } from '../../../core/evaluator.js';
import { createSimBackend } from '../../sim/index.js';
import { createSealPool, prestartPoolWorkers, sealPoolCodec, type SealPool } from './index.js';

const params = { ringDegree: 8192, bitSizes: [50, 40, 40, 60], scale: 2 ** 40 };
const xs = Array.from({ length: 16 }, (_, i) => (i - 8) / 8);

/** Eight independent chains, crossed pairwise at the end: work for both workers, and transfers. */
function crossed<C>(ev: Evaluator<C>): C[] {
  const chains = Array.from({ length: 8 }, (_, j) => {
    const x = ev.encrypt(xs.map((v) => v + j / 16));
    const y = ev.rescale(ev.relinearize(ev.square(x)));
    ev.free(x);
    return ev.rotate(y, 1);
  });
  return chains.map((c, j) => ev.add(c, chains[(j + 1) % chains.length] as C));
}

describe('SEAL pool (2 workers)', () => {
  let pool: SealPool;
  beforeAll(async () => {
    pool = await createSealPool(params, { workers: 2, rotations: [1] });
  });
  afterAll(() => pool.dispose());

  it('computes what float64 does, with the metadata the simulator predicts, on both workers', () => {
    const sim = createSimBackend(params, { rotations: [1] });
    const expected = sim.scope(() => crossed(sim).map((ct) => ({ meta: sim.meta(ct), values: sim.decrypt(ct), bound: sim.noise(ct).bound })));
    const outs = pool.scope(() => crossed(pool));
    outs.forEach((ct, j) => {
      expect(pool.meta(ct)).toEqual(expected[j]?.meta);
      const got = pool.decrypt(ct);
      const want = expected[j] as { values: Float64Array; bound: Float64Array };
      for (let k = 0; k < xs.length; k++) {
        expect(Math.abs((got[k] as number) - (want.values[k] as number))).toBeLessThanOrEqual(want.bound[k] as number);
      }
    });
    const stats = pool.poolStats();
    expect(stats.tasks.every((t) => t > 0)).toBe(true);
    expect(stats.tasks.reduce((a, b) => a + b, 0)).toBe(8 * 5 + 8);
    expect(stats.transfers).toBeGreaterThan(0);
    // Small keys: every worker holds them all.
    expect(stats.galoisSteps).toEqual([[1], [1]]);
    // The first worker made the secret key and decrypted; this thread never loaded SEAL (this file's
    // first SEAL use: the 'main' key generation below loads it here).
    expect(stats.mainHeapBytes).toBe(0);
    outs.forEach((ct) => pool.free(ct));
    expect(pool.memory().ciphertexts).toBe(0);
    expect(pool.workerMemory().map((w) => w.ciphertexts)).toEqual([0, 0]);
    sim.dispose();
  });

  it('reports an error only a worker sees at the next decryption, and stays usable', () => {
    const x = pool.encrypt([1, 2, 3]);
    // x - x is transparent: SEAL's kernel refuses it, after the checked layer passed it.
    const zero = pool.sub(x, x);
    expect(() => pool.decrypt(zero)).toThrow(expect.objectContaining({ code: 'TRANSPARENT_RESULT' }));
    const y = pool.add(x, x);
    expect(Array.from(pool.decrypt(y).subarray(0, 3), Math.round)).toEqual([2, 4, 6]);
    [x, zero, y].forEach((ct) => pool.free(ct));
  });

  it('starts ops at most `lookahead` ahead of the oldest unfinished one, which bounds what is live', async () => {
    // A running sum over 40 fresh encryptions: the encryptions are always ready, the additions wait in line.
    const runningSum = (p: SealPool): number => p.scope(() => {
      let acc = p.encrypt([0]);
      for (let i = 1; i <= 40; i++) {
        const x = p.encrypt([i]);
        const next = p.add(acc, x);
        p.free(acc);
        p.free(x);
        acc = next;
      }
      return p.decrypt(acc)[0] as number;
    });
    const peaks: Record<string, number[]> = {};
    for (const lookahead of [3, Infinity]) {
      const p = await createSealPool(params, { workers: 2, lookahead });
      expect(runningSum(p)).toBeCloseTo(820, 4);
      peaks[lookahead] = p.workerMemory().map((w) => w.peakCiphertexts);
      p.dispose();
    }
    // Within 3 ops of the oldest: at most the sum, two operands and their copies on each worker.
    for (const peak of peaks[3]!) expect(peak).toBeLessThanOrEqual(6);
    // Unbounded, the encryptions run ahead of the additions.
    expect(Math.max(...peaks.Infinity!)).toBeGreaterThan(6);
  });

  it('skips ops whose result is freed unused, and frees every worker copy', () => {
    const before = pool.poolStats().skipped;
    pool.scope(() => {
      const x = pool.encrypt(1);
      const unused = pool.relinearize(pool.square(x));
      pool.free(unused);
      return pool.decrypt(x);
    });
    // The square may already be running when its result is freed; the relinearize never is.
    expect(pool.poolStats().skipped - before).toBeGreaterThanOrEqual(0);
    expect(pool.workerMemory().map((w) => w.ciphertexts)).toEqual([0, 0]);
  });
});

describe('SEAL pool keys, made in the workers or on the main thread', () => {
  it.each(['workers', 'main'] as const)('made by %s: relinearized and rotated chains decrypt as float64 within the bound, and every copy is freed', async (keyGeneration) => {
    const p = await createSealPool(params, { workers: 2, rotations: [1], keyGeneration });
    const sim = createSimBackend(params, { rotations: [1] });
    try {
      const expected = sim.scope(() => crossed(sim).map((ct) => ({ values: sim.decrypt(ct), bound: sim.noise(ct).bound })));
      const got = p.scope(() => crossed(p).map((ct) => p.decrypt(ct)));
      // Each worker relinearized and rotated with keys of its own (made from one secret key when made by the workers).
      expect(p.poolStats().tasks.every((t) => t > 0)).toBe(true);
      got.forEach((values, j) => {
        for (let k = 0; k < xs.length; k++) expect(Math.abs(values[k]! - expected[j]!.values[k]!)).toBeLessThanOrEqual(expected[j]!.bound[k]!);
      });
      expect(p.memory().ciphertexts).toBe(0);
      expect(p.workerMemory().map((w) => w.ciphertexts)).toEqual([0, 0]);
    } finally {
      p.dispose();
      sim.dispose();
    }
  });
});

describe("SEAL pool's secret key on its first worker", () => {
  it('encrypts under the secret key there, and decrypts ciphertexts from either worker', async () => {
    const p = await createSealPool(params, { workers: 2, rotations: [1] });
    try {
      const got = p.scope(() => {
        const x = p.encrypt(xs, { symmetric: true });
        // Eight rotations of x, spread over both workers, summed: 8·x shifted by one (the slot after xs is 0).
        const parts = Array.from({ length: 8 }, () => p.rotate(x, 1));
        return p.decrypt(parts.reduce((a, b) => p.add(a, b)));
      });
      xs.forEach((_, k) => expect(Math.abs((got[k] as number) - 8 * (xs[k + 1] ?? 0))).toBeLessThan(1e-5));
      expect(p.poolStats().tasks.every((t) => t > 0)).toBe(true);
      expect(p.workerMemory().map((w) => w.ciphertexts)).toEqual([0, 0]);
    } finally {
      p.dispose();
    }
  });

  it('has no envelopes (no SEAL context on the main thread); keys made on the main thread have', async () => {
    const p = await createSealPool(params, { workers: 2 });
    try {
      expect(() => sealPoolCodec(p)).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining("keyGeneration: 'main'") }));
    } finally {
      p.dispose();
    }
    const main = await createSealPool(params, { workers: 2, keyGeneration: 'main' });
    try {
      const codec = sealPoolCodec(main);
      const back = main.scope(() => main.decrypt(codec.load(codec.save(main.add(main.encrypt([1.5, -2]), main.encrypt([1, 1]))))));
      expect(Array.from(back.subarray(0, 2), (v) => Math.round(v * 1e4) / 1e4)).toEqual([2.5, -1]);
    } finally {
      main.dispose();
    }
  });
});

describe('SEAL pool on prestarted threads', () => {
  it('takes the threads it needs, started before its parameters were known, and leaves the rest to dispose', async () => {
    // Each waiting thread faults in up to 32 MiB of its heap (backends/seal/warm.test.ts checks that).
    const prestarted = prestartPoolWorkers(3, { warmHeapBytes: 32 * 2 ** 20 });
    expect(prestarted.available).toBe(3);
    const p = await createSealPool(params, { workers: 2, rotations: [1], prestarted });
    try {
      expect(prestarted.available).toBe(1);
      const got = p.scope(() => p.decrypt(p.rotate(p.rescale(p.relinearize(p.square(p.encrypt(xs)))), 1)));
      xs.forEach((_, k) => expect(Math.abs((got[k] as number) - (xs[k + 1] ?? 0) ** 2)).toBeLessThan(1e-5));
    } finally {
      p.dispose();
    }
    prestarted.dispose();
    expect(prestarted.available).toBe(0);
    // Nothing left to take: the pool starts its own threads.
    const fresh = await createSealPool(params, { workers: 2, prestarted });
    fresh.dispose();
    expect(() => prestartPoolWorkers(0)).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => prestartPoolWorkers(1, { warmHeapBytes: -1 })).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('SEAL pool with Galois keys split across workers', () => {
  it('rotates where each key is, composing other steps from keys on both workers', async () => {
    const split = await createSealPool(params, { workers: 2, rotations: [1, -1, 4, 8], keyPlacement: 'split' });
    try {
      expect(split.poolStats().galoisSteps).toEqual([[-1, 1], [4, 8]]);
      // 3 = -1 + 4, 5 = 1 + 4 and 9 = 1 + 8 (NAF terms) need a key from each worker.
      const steps = [1, -1, 4, 8, 3, 5, 9];
      const values = Array.from({ length: 4096 }, (_, i) => Math.sin(i / 7));
      const got = split.scope(() => {
        const x = split.encrypt(values);
        return steps.map((step) => split.decrypt(split.rotate(x, step)));
      });
      steps.forEach((step, j) => {
        const error = Math.max(...values.map((_, i) => Math.abs((got[j]![i] as number) - (values[(i + step + 4096) % 4096] as number))));
        expect(error, `step ${step}`).toBeLessThan(1e-6);
      });
      expect(split.poolStats().transfers).toBeGreaterThan(0);
      expect(split.workerMemory().map((w) => w.ciphertexts)).toEqual([0, 0]);
    } finally {
      split.dispose();
    }
  });

  it('refuses an unknown placement or key generation, or a bad lookahead, before making any key', async () => {
    await expect(createSealPool(params, { keyPlacement: 'everywhere' as 'split' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(createSealPool(params, { keyGeneration: 'server' as 'main' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    for (const lookahead of [0, 2.5, -Infinity]) await expect(createSealPool(params, { lookahead })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('SEAL pool leak check', () => {
  it('a training round run 10 times leaves no live handle, no worker copy and a flat heap', async () => {
    const data = logreg.loadDataset({ seed: 1 });
    const batches = logreg.minibatches(data, 2, 32);
    const plan = logreg.planTraining({ circuit: 'lowdepth', minibatches: 2, batchSize: 32, features: data.features, ringDegree: 8192, scaleBits: 30 });
    const pool = await createSealPool(plan.params, { workers: 2, rotations: plan.rotations });
    const round = logreg.roundCircuit('lowdepth', batches);
    // Which worker runs an op, and when a free reaches it, depend on reply timing when ops overlap,
    // so the most a worker holds at once (hence its heap) could differ from run to run. Each call
    // is flushed before the next is recorded, so every run makes the same placements, transfers
    // and frees in the same order (transfers are uncompressed: fixed sizes); SEAL's memory pool
    // fills during the first run (measured: 83.1 MiB per worker, equal in all 10 runs, also beside a
    // busy core) and a heap that grows after it is a leak.
    const stepped = new Proxy(pool, {
      get(target, key) {
        const value = Reflect.get(target, key) as unknown;
        if (typeof value !== 'function' || key === 'flush') return value;
        return (...args: unknown[]) => {
          const result = (value as (...a: unknown[]) => unknown).apply(target, args);
          target.flush();
          return result;
        };
      },
    });
    const heaps: number[][] = [];
    let first: Float64Array | null = null;
    for (let run = 0; run < 10; run++) {
      const weights = pool.scope(() => {
        const outs = round(stepped) as readonly Ciphertext[];
        return pool.decrypt(outs[0] as Ciphertext);
      });
      first ??= weights;
      // Fresh encryptions each run: the weights agree to the noise, not bit for bit.
      for (let k = 0; k < 4; k++) expect(Math.abs((weights[k] as number) - (first[k] as number))).toBeLessThan(1e-2);
      expect(pool.memory().ciphertexts).toBe(0);
      const workers = pool.workerMemory();
      expect(workers.map((w) => w.ciphertexts)).toEqual([0, 0]);
      heaps.push(workers.map((w) => w.heapBytes));
    }
    expect(heaps[9]).toEqual(heaps[1]);
    pool.dispose();
  });
});
