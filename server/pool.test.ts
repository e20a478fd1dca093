/**
 * The training server on a pool of SEAL workers started from the client's public keys: the same
 * round as the one-thread server, to CKKS noise, and nothing it can decrypt.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logreg } from '../algorithms/index.js';
import { createClient, type Client } from '../client/index.js';
import type { SealPool } from '../backends/seal/pool/index.js';
import { HeError } from '../core/index.js';
import { resealed } from '../property-tests/forge.js';
import { createServer } from './index.js';

const data = logreg.loadDataset({ seed: 3 });
const batchSize = 64;
const batches = logreg.minibatches(data, 2, batchSize);
const plan = logreg.planTraining({ circuit: 'lowdepth', minibatches: 2, batchSize, features: data.features, ringDegree: 8192, scaleBits: 28 });
const twin = logreg.trainPlain(batches, { rule: 'gradient', ...logreg.TRAINING_DEFAULTS });
const rms = (a: ArrayLike<number>, b: ArrayLike<number>): number => Math.sqrt(Array.from(a, (x, i) => (x - b[i]!) ** 2).reduce((s, x) => s + x, 0) / a.length);
/** OS threads of this process (Linux): each pool worker is one. */
const threads = (): number => Number(/^Threads:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** The thread count once threads stopped earlier are gone: unchanged over 0.5 s (waits at most 10 s). */
async function settledThreads(): Promise<number> {
  let last = threads();
  for (let i = 0; i < 20; i++) {
    await sleep(500);
    if (threads() === last) break;
    last = threads();
  }
  return last;
}

let client: Client;
beforeAll(async () => {
  client = await createClient(plan, { batchSize, compression: 'none' });
});
afterAll(() => client.dispose());

describe('createServer with workers: 2 (a server pool, SEAL N = 8192)', () => {
  it('runs the round the one-thread server runs: the same weights, near the float64 twin', async () => {
    expect(plan.rounds).toEqual([2]);
    const request = client.request(0, batches, logreg.initialState(data.features));
    const run = async (workers: number): Promise<{ w: Float64Array; level: number }> => {
      const server = await createServer(client.serverKeys(), plan, { batchSize, workers });
      try {
        const { reply, outputLevel } = server.runRound(request);
        return { w: client.decryptModel(reply).state.w, level: outputLevel };
      } finally {
        server.dispose();
      }
    };
    const [single, pool] = [await run(1), await run(2)];
    expect(pool.level).toBe(single.level);
    // Evaluation is exact modular arithmetic on the same inputs and keys, in whatever order the workers run it.
    expect(Array.from(pool.w)).toEqual(Array.from(single.w));
    // Both near the float64 twin (measured RMS 0.0089 at 2^28 over two minibatches in one round).
    expect(rms(single.w, twin.w)).toBeLessThan(0.03);
  });

  it('cannot decrypt, frees every worker copy after a round, and stops its threads on dispose', async () => {
    const before = await settledThreads();
    const server = await createServer(client.serverKeys(), plan, { batchSize, workers: 2 });
    const pool = server.backend as SealPool;
    expect(pool.name).toBe('seal-pool');
    expect(threads()).toBeGreaterThanOrEqual(before + 2);
    server.runRound(client.request(0, batches, logreg.initialState(data.features)));
    expect(pool.poolStats().tasks.every((t) => t > 0)).toBe(true);
    expect(pool.memory().ciphertexts).toBe(0);
    expect(pool.workerMemory().map((w) => w.ciphertexts)).toEqual([0, 0]);
    const probe = pool.encrypt([1]);
    expect(() => pool.decrypt(probe)).toThrow(expect.objectContaining({ name: 'HeError', code: 'NO_SECRET_KEY' }));
    server.dispose();
    // terminate() is asynchronous: wait (at most 10 s) for both threads, and their heaps, to go.
    for (let i = 0; i < 200 && threads() > before; i++) await sleep(50);
    expect(threads()).toBeLessThanOrEqual(before);
    expect(() => pool.encrypt([1])).toThrow(expect.objectContaining({ code: 'DISPOSED' }));
  });

  it('refuses keys that are not a client\'s public keys, and verify on more than one thread', async () => {
    const keys = client.serverKeys();
    await expect(createServer(keys.subarray(0, keys.length >> 1), plan, { batchSize, workers: 2 })).rejects.toMatchObject({ name: 'HeError', code: 'DESERIALIZE' });
    await expect(createServer(client.exportSecretKey() as Uint8Array as never, plan, { batchSize, workers: 2 })).rejects.toMatchObject({ code: 'DESERIALIZE' });
    // The last coefficient of the last Galois key set out of range, under valid checksums: only the check of SEAL's bytes sees it.
    const forged = keys.slice();
    forged.fill(0xff, forged.length - 8);
    const refused = await createServer(resealed(forged), plan, { batchSize, workers: 2 }).then(() => null, (e: unknown) => e);
    expect(refused).toBeInstanceOf(HeError);
    expect(refused).toMatchObject({ code: 'DESERIALIZE', details: { field: 'body' } });
    await expect(createServer(keys, plan, { batchSize, workers: 2, verify: true })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(createServer(keys, plan, { batchSize, workers: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
