import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logreg } from '../../algorithms/index.js';
import { createClient, type Client } from '../../client/index.js';
import { isHeError } from '../../core/index.js';
import type { RoundQueue, RoundTask } from '../queue.js';
import { blobId } from '../store/blobs.js';
import { createToken } from '../store/tokens.js';
import { createApi, type JobStatus, type SweepEvent } from './app.js';

const data = logreg.loadDataset({ seed: 5 });
const planRequest: logreg.TrainingPlanRequest = { circuit: 'lowdepth', minibatches: 1, batchSize: 16, features: data.features, ringDegree: 4096, scaleBits: 26, specialPrimeBits: 30, valueBits: 4 };
const spec = { plan: planRequest, settings: { batchSize: 16 } };
const HOUR = 3_600_000;

const dir = mkdtempSync(join(tmpdir(), 'hekit-retention-'));
const removed: RoundTask[] = [];
const queue: RoundQueue = { add: async () => {}, remove: async (t) => void removed.push(t), close: async () => {} };
const workerSecret = 'worker-secret-for-tests';
let now = Date.parse('2026-01-01T00:00:00Z');
const clock = (): number => now;
const apps: FastifyInstance[] = [];
const start = async (options: { sweepSeconds?: number; onSweep?: (e: SweepEvent) => void } = {}): Promise<FastifyInstance> => {
  const app = await createApi({ dataDir: dir, queue, workerSecret, now: clock, retentionHours: 168, ...options });
  apps.push(app);
  return app;
};
let alice = '';
let client: Client;

beforeAll(async () => {
  alice = createToken(dir).token;
  client = await createClient(logreg.planTraining(planRequest), { batchSize: 16, compression: 'none' });
});
afterAll(async () => {
  await Promise.all(apps.map((a) => a.close()));
  client?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const as = (token: string) => ({ authorization: `Bearer ${token}` });

describe('retention through the API (fake clock, SEAL keys at N = 4096)', () => {
  it('a job unchanged past the retention answers 404 after a restart, a newer job on the same keys keeps them; the periodic sweep removes the rest', async () => {
    const first = await start();
    const keys = client.serverKeys();
    const create = async (app: FastifyInstance): Promise<string> => {
      const id = (await app.inject({ method: 'POST', url: '/v1/jobs', headers: as(alice), payload: spec })).json<JobStatus>().id;
      expect((await app.inject({ method: 'PUT', url: `/v1/jobs/${id}/keys`, headers: { ...as(alice), 'content-type': 'application/octet-stream' }, payload: Buffer.from(keys) })).statusCode).toBe(200);
      return id;
    };
    const old = await create(first);
    const request = client.request(0, [logreg.minibatches(data, 1, 16)[0]!], logreg.initialState(data.features));
    expect((await first.inject({ method: 'PUT', url: `/v1/jobs/${old}/rounds/0/request`, headers: { ...as(alice), 'content-type': 'application/octet-stream' }, payload: Buffer.from(request) })).statusCode).toBe(202);
    now += 100 * HOUR;
    const newer = await create(first);
    await first.close();

    // Restarted 169 h after the old job's last change: the start-up sweep removed it, and its queued round.
    now += 69 * HOUR;
    const events: SweepEvent[] = [];
    const second = await start({ sweepSeconds: 0.05, onSweep: (e) => events.push(e) });
    const status = (id: string) => second.inject({ method: 'GET', url: `/v1/jobs/${id}`, headers: as(alice) });
    const blob = (id: string) => second.inject({ method: 'GET', url: `/v1/work/blobs/${id}`, headers: as(workerSecret) });
    expect((await status(old)).statusCode).toBe(404);
    expect(removed).toEqual([{ job: old, round: 0 }]);
    expect((await status(newer)).json<JobStatus>()).toMatchObject({ state: 'awaiting-request', updated: new Date(now - 69 * HOUR).toISOString() });
    expect((await blob(blobId(keys))).statusCode).toBe(200);
    expect((await blob(blobId(request))).statusCode).toBe(404);
    expect(events).toMatchObject([{ kind: 'swept', blobs: 1 }]);

    // 169 h after the newer job's last change, the periodic sweep (every 50 ms here) removes it and the keys.
    now += 100 * HOUR;
    for (let i = 0; i < 200 && (await status(newer)).statusCode !== 404; i++) await new Promise((r) => setTimeout(r, 25));
    expect((await status(newer)).statusCode).toBe(404);
    expect((await blob(blobId(keys))).statusCode).toBe(404);
    expect(events.at(-1)).toMatchObject({ kind: 'swept', blobs: 1 });
  });

  it('refuses a retention that is not a positive number', async () => {
    let error: unknown = null;
    try {
      await createApi({ dataDir: dir, queue, workerSecret, retentionHours: 0 });
    } catch (e) {
      error = e;
    }
    expect(isHeError(error, 'INVALID_ARGUMENT')).toBe(true);
  });
});
