import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logreg } from '../../algorithms/index.js';
import { createClient, type Client } from '../../client/index.js';
import { createServer } from '../../server/index.js';
import type { RoundQueue, RoundTask } from '../queue.js';
import { createToken } from '../store/tokens.js';
import { createApi, type JobStatus } from './app.js';

const data = logreg.loadDataset({ seed: 3 });
const batchSize = 32;
const batches = logreg.minibatches(data, 2, batchSize);
const planRequest: logreg.TrainingPlanRequest = { circuit: 'lowdepth', minibatches: 2, batchSize, features: data.features, ringDegree: 8192, scaleBits: 28, minibatchesPerRound: 1 };
const plan = logreg.planTraining(planRequest);
const spec = { plan: planRequest, settings: { batchSize } };

const dir = mkdtempSync(join(tmpdir(), 'hekit-api-'));
const queued: RoundTask[] = [];
const queue: RoundQueue = { add: async (t) => void queued.push(t), remove: async () => {}, close: async () => {} };
const workerSecret = 'worker-secret-for-tests';
let app: FastifyInstance;
let alice: string, bob: string;
let client: Client, stranger: Client;

beforeAll(async () => {
  alice = createToken(dir).token;
  bob = createToken(dir).token;
  app = await createApi({ dataDir: dir, queue, workerSecret });
  client = await createClient(plan, { batchSize, compression: 'none' });
  stranger = await createClient(plan, { batchSize, compression: 'none' });
});
afterAll(async () => {
  await app?.close();
  client?.dispose();
  stranger?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const as = (token: string | null) => (token === null ? {} : { authorization: `Bearer ${token}` });
const octets = (token: string, bytes: Uint8Array) => ({ headers: { ...as(token), 'content-type': 'application/octet-stream' }, payload: Buffer.from(bytes) });
const blobCount = (): number => {
  try {
    return readdirSync(join(dir, 'blobs'), { recursive: true }).filter((f) => String(f).length > 3).length;
  } catch {
    return 0;
  }
};

describe('the API server (fastify inject, SEAL N = 8192)', () => {
  let job: string;

  it('authenticates: no token or an unknown one is 401, the wrong kind of token 403', async () => {
    expect((await app.inject({ method: 'POST', url: '/v1/jobs', payload: spec })).statusCode).toBe(401);
    expect((await app.inject({ method: 'POST', url: '/v1/jobs', headers: as('hekit_nope'), payload: spec })).statusCode).toBe(401);
    expect((await app.inject({ method: 'POST', url: '/v1/jobs', headers: as(workerSecret), payload: spec })).statusCode).toBe(403);
    expect((await app.inject({ method: 'GET', url: '/v1/work/blobs/00', headers: as(alice) })).statusCode).toBe(403);
  });

  it('creates a job (201); a bad plan or an oversized body is refused (400, 413); another tenant sees 404', async () => {
    const bad = await app.inject({ method: 'POST', url: '/v1/jobs', headers: as(alice), payload: { ...spec, plan: { ...planRequest, circuit: 'deep' } } });
    expect(bad.statusCode).toBe(400);
    const huge = await app.inject({ method: 'POST', url: '/v1/jobs', headers: as(alice), payload: { ...spec, padding: 'x'.repeat(100_000) } });
    expect(huge.statusCode).toBe(413);
    const created = await app.inject({ method: 'POST', url: '/v1/jobs', headers: as(alice), payload: spec });
    expect(created.statusCode).toBe(201);
    const status = created.json<JobStatus>();
    expect(status).toMatchObject({ state: 'awaiting-keys', rounds: 2, round: 0 });
    job = status.id;
    expect((await app.inject({ method: 'GET', url: `/v1/jobs/${job}`, headers: as(bob) })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/v1/jobs/job-000000000000000000000000', headers: as(alice) })).statusCode).toBe(404);
  });

  it('an Idempotency-Key: the same create again answers its job (200), another body under the key 422, another tenant\'s key its own job', async () => {
    const post = (token: string, key: string, payload: object = spec) => app.inject({ method: 'POST', url: '/v1/jobs', headers: { ...as(token), 'idempotency-key': key }, payload });
    const count = (): number => readdirSync(join(dir, 'jobs')).length;
    const before = count();
    const first = await post(alice, 'create-1');
    expect(first.statusCode).toBe(201);
    const id = first.json<JobStatus>().id;
    // The same body with its fields in another order is the same request.
    const again = await post(alice, 'create-1', { settings: { batchSize }, plan: { ...planRequest } });
    expect(again.statusCode).toBe(200);
    expect(again.json<JobStatus>()).toEqual(first.json());
    const other = await post(alice, 'create-1', { ...spec, settings: { batchSize, learningRate: 1 } });
    expect(other.statusCode).toBe(422);
    expect(other.json()).toMatchObject({ error: 'IDEMPOTENCY_KEY_REUSED', details: { job: id } });
    const bobs = await post(bob, 'create-1');
    expect(bobs.statusCode).toBe(201);
    expect(bobs.json<JobStatus>().id).not.toBe(id);
    expect((await app.inject({ method: 'GET', url: `/v1/jobs/${id}`, headers: as(bob) })).statusCode).toBe(404);
    expect((await post(alice, 'two words')).statusCode).toBe(400);
    // Without a key every create is a new job.
    const plain = await Promise.all([0, 1].map(() => app.inject({ method: 'POST', url: '/v1/jobs', headers: as(alice), payload: spec })));
    expect(plain.map((r) => r.statusCode)).toEqual([201, 201]);
    expect(count()).toBe(before + 4);
  });

  it('refuses a secret key, truncated keys, and another tenant\'s upload, storing nothing', async () => {
    const secret = await app.inject({ method: 'PUT', url: `/v1/jobs/${job}/keys`, ...octets(alice, client.exportSecretKey()) });
    expect(secret.statusCode).toBe(400);
    expect(secret.json()).toMatchObject({ error: 'DESERIALIZE' });
    const keys = client.serverKeys();
    expect((await app.inject({ method: 'PUT', url: `/v1/jobs/${job}/keys`, ...octets(alice, keys.subarray(0, keys.length - 100)) })).statusCode).toBe(400);
    expect((await app.inject({ method: 'PUT', url: `/v1/jobs/${job}/keys`, ...octets(bob, keys) })).statusCode).toBe(404);
    expect(blobCount()).toBe(0);
    const ok = await app.inject({ method: 'PUT', url: `/v1/jobs/${job}/keys`, ...octets(alice, keys) });
    expect(ok.statusCode).toBe(200);
    expect(ok.json<JobStatus>().state).toBe('awaiting-request');
    expect((await app.inject({ method: 'PUT', url: `/v1/jobs/${job}/keys`, ...octets(alice, stranger.serverKeys()) })).statusCode).toBe(409);
  });

  it('refuses a wrong round (409), corrupted, truncated and foreign requests (400), then queues a good one once (202)', async () => {
    const request = client.request(0, batches, logreg.initialState(plan.features));
    expect((await app.inject({ method: 'PUT', url: `/v1/jobs/${job}/rounds/1/request`, ...octets(alice, request) })).statusCode).toBe(409);
    const corrupted = Uint8Array.from(request);
    corrupted[Math.floor(corrupted.length / 2)]! ^= 0xff;
    expect((await app.inject({ method: 'PUT', url: `/v1/jobs/${job}/rounds/0/request`, ...octets(alice, corrupted) })).statusCode).toBe(400);
    expect((await app.inject({ method: 'PUT', url: `/v1/jobs/${job}/rounds/0/request`, ...octets(alice, request.subarray(0, 1000)) })).statusCode).toBe(400);
    const foreign = await app.inject({ method: 'PUT', url: `/v1/jobs/${job}/rounds/0/request`, ...octets(alice, stranger.request(0, batches, logreg.initialState(plan.features))) });
    expect(foreign.statusCode).toBe(400);
    expect(foreign.json()).toMatchObject({ error: 'DESERIALIZE', details: { field: 'keySet' } });
    expect(queued).toEqual([]);
    expect(blobCount()).toBe(1);
    const accepted = await app.inject({ method: 'PUT', url: `/v1/jobs/${job}/rounds/0/request`, ...octets(alice, request) });
    expect(accepted.statusCode).toBe(202);
    expect(accepted.json<JobStatus>().state).toBe('queued');
    expect(queued).toEqual([{ job, round: 0 }]);
    expect((await app.inject({ method: 'GET', url: `/v1/jobs/${job}/rounds/0/reply`, headers: as(alice) })).statusCode).toBe(409);
  });

  it('keeps the first reply of a round a worker uploads and ignores a duplicate; a cancelled job takes no more requests', async () => {
    const record = (await app.inject({ method: 'GET', url: `/v1/work/jobs/${job}`, headers: as(workerSecret) })).json<{ keys: string; rounds: { request: string }[] }>();
    const fetchBlob = async (id: string) => new Uint8Array((await app.inject({ method: 'GET', url: `/v1/work/blobs/${id}`, headers: as(workerSecret) })).rawPayload);
    const server = await createServer(await fetchBlob(record.keys), plan, { batchSize });
    const { reply } = server.runRound(await fetchBlob(record.rounds[0]!.request));
    server.dispose();
    const put = () => app.inject({ method: 'PUT', url: `/v1/work/jobs/${job}/rounds/0/reply`, ...octets(workerSecret, reply) });
    const fail = () => app.inject({ method: 'PUT', url: `/v1/work/jobs/${job}/rounds/0/failure`, headers: as(workerSecret), payload: { message: 'out of memory' } });
    // A round whose last attempt failed shows as failed with the reason; a reply from another run of it still stands.
    expect((await fail()).json()).toEqual({ ignored: false });
    const failed = (await app.inject({ method: 'GET', url: `/v1/jobs/${job}`, headers: as(alice) })).json<JobStatus>();
    expect(failed).toMatchObject({ state: 'failed', round: 0 });
    expect(failed.roundDetails[0]).toMatchObject({ state: 'failed', failure: 'out of memory' });
    expect((await put()).json()).toEqual({ duplicate: false });
    expect((await fail()).json()).toEqual({ ignored: true });
    expect((await put()).json()).toEqual({ duplicate: true });
    const status = (await app.inject({ method: 'GET', url: `/v1/jobs/${job}`, headers: as(alice) })).json<JobStatus>();
    expect(status).toMatchObject({ state: 'awaiting-request', round: 1 });
    const got = await app.inject({ method: 'GET', url: `/v1/jobs/${job}/rounds/0/reply`, headers: as(alice) });
    expect(new Uint8Array(got.rawPayload)).toEqual(reply);
    expect((await app.inject({ method: 'DELETE', url: `/v1/jobs/${job}`, headers: as(alice) })).json<JobStatus>().state).toBe('cancelled');
    const next = client.refresh(reply, batches, { flood: false }).request;
    expect((await app.inject({ method: 'PUT', url: `/v1/jobs/${job}/rounds/1/request`, ...octets(alice, next) })).statusCode).toBe(409);
    expect(blobCount()).toBe(3); // keys, one request, one reply
  });
});

describe('the API server\'s limit on active jobs (fastify inject)', () => {
  it('a tenant with --max-active-jobs unfinished jobs gets 429 until one ends; a repeated create and other tenants are not refused', async () => {
    const own = mkdtempSync(join(tmpdir(), 'hekit-api-limit-'));
    const limited = await createApi({ dataDir: own, queue, workerSecret, maxActiveJobs: 2 });
    try {
      const carol = createToken(own).token, dave = createToken(own).token;
      const post = (token: string, key?: string) => limited.inject({ method: 'POST', url: '/v1/jobs', headers: { ...as(token), ...(key === undefined ? {} : { 'idempotency-key': key }) }, payload: spec });
      const first = await post(carol, 'first');
      expect([first.statusCode, (await post(carol)).statusCode]).toEqual([201, 201]);
      const refused = await post(carol);
      expect(refused.statusCode).toBe(429);
      expect(refused.json()).toMatchObject({ error: 'TOO_MANY_ACTIVE_JOBS', details: { active: 2, maxActiveJobs: 2 } });
      expect(readdirSync(join(own, 'jobs')).length).toBe(2);
      expect((await post(carol, 'first')).statusCode).toBe(200);
      expect((await post(dave)).statusCode).toBe(201);
      const id = first.json<JobStatus>().id;
      expect((await limited.inject({ method: 'DELETE', url: `/v1/jobs/${id}`, headers: as(carol) })).statusCode).toBe(200);
      expect((await post(carol)).statusCode).toBe(201);
      expect((await post(carol)).statusCode).toBe(429);
    } finally {
      await limited.close();
      rmSync(own, { recursive: true, force: true });
    }
  });
});
