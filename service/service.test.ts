/**
 * The service as processes on loopback: a redis-server of its own, `hekit serve` and `hekit
 * worker` processes (tsx), and remote clients in this process. SEAL at N = 4096, one-round jobs
 * of one small minibatch, so that faults, not arithmetic, take the time; one job at N = 8192
 * whose round outlasts a short lock, on a worker in this process.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logreg } from '../algorithms/index.js';
import { createClient, type Client } from '../client/index.js';
import { createServer } from '../server/index.js';
import { trainRemote, type RemoteTrainingResult } from './client.js';
import { createToken } from './store/tokens.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const hasRedis = spawnSync('redis-server', ['--version']).status === 0;

const data = logreg.loadDataset({ seed: 5 });
const batchSize = 16;
const plan: logreg.TrainingPlanRequest = { circuit: 'lowdepth', minibatches: 1, batchSize, features: data.features, ringDegree: 4096, scaleBits: 26, specialPrimeBits: 30, valueBits: 4 };
const trainingPlan = logreg.planTraining(plan);
/** Job k trains on its own minibatch of the training split: each model is its own. */
const allBatches = logreg.minibatches(data, 23, batchSize);
const batchesOf = (k: number): Float64Array[][] => [allBatches[k]!.map((row) => Float64Array.from(row))];
const twinOf = (k: number): Float64Array => logreg.trainPlain(batchesOf(k), { rule: 'gradient', ...logreg.TRAINING_DEFAULTS }).w;
/** The same job run here: a server in this process (`hekit/server`) on the client's keys. */
async function localModel(k: number, client: Client): Promise<Float64Array> {
  const server = await createServer(client.serverKeys(), trainingPlan, { batchSize });
  try {
    return client.decryptModel(server.runRound(client.request(0, batchesOf(k), logreg.initialState(trainingPlan.features))).reply).state.w;
  } finally {
    server.dispose();
  }
}
/** Max |remote - local| and |remote - twin| allowed: at 2^26 CKKS noise leaves the weights within about 3e-3 of the twin. */
const NOISE = 1e-2;
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => Math.max(...Array.from(a, (x, i) => Math.abs(x - b[i]!)));

const work = mkdtempSync(join(tmpdir(), 'hekit-service-'));
const dataDir = join(work, 'data');
const processes = new Set<ChildProcess>();
let redisUrl = '', apiUrl = '', apiPort = 0;
let api: ChildProcess | null = null;
const workerLog: string[] = [];
/** `hekit worker` processes started and not yet killed. */
const workers = new Set<ChildProcess>();

const freePort = (): Promise<number> => new Promise((resolve, reject) => {
  const s = createNetServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address() as { port: number };
    s.close(() => resolve(port));
  }).on('error', reject);
});

/** Starts a process and resolves once a line of its output matches `ready` (rejects if it exits first or takes over 60 s). */
function start(command: string, args: string[], ready: RegExp, log?: string[]): Promise<ChildProcess> {
  const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  processes.add(child);
  child.once('exit', () => processes.delete(child));
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')} not ready in 60 s: ${seen}`)), 60_000);
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString();
      log?.push(...chunk.toString().split('\n').filter(Boolean));
      if (ready.test(seen)) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(' ')} exited with ${code}: ${seen}`));
    });
  });
}

const hekit = (args: string[], ready: RegExp, log?: string[]) => start(process.execPath, ['--import', 'tsx', 'cli/hekit.ts', ...args], ready, log);
const startApi = async (): Promise<void> => {
  api = await hekit(['serve', '--port', String(apiPort), '--redis', redisUrl, '--data', dataDir], /listening on/);
};
async function startWorker(extra: string[] = [], log = workerLog): Promise<ChildProcess> {
  const child = await hekit(['worker', '--redis', redisUrl, '--api', apiUrl, '--lock-seconds', '3', ...extra], /taking rounds/, log);
  workers.add(child);
  child.once('exit', () => workers.delete(child));
  return child;
}

/** Kills `child` and waits (at most 10 s) for it to exit. */
async function kill(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

let alice = '', bob = '';
let clients: Client[] = [];
beforeAll(async () => {
  if (!hasRedis) throw new Error('redis-server is not installed: the service tests need it (.ci/run installs Debian\'s redis-server)');
  const redisPort = await freePort();
  apiPort = await freePort();
  redisUrl = `redis://127.0.0.1:${redisPort}`;
  apiUrl = `http://127.0.0.1:${apiPort}`;
  await start('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--dir', work, '--save', '', '--appendonly', 'no'], /Ready to accept connections/);
  alice = createToken(dataDir).token;
  bob = createToken(dataDir).token;
  await startApi();
  clients = await Promise.all([0, 1, 2].map(() => createClient(trainingPlan, { batchSize })));
}, 120_000);

afterAll(async () => {
  clients.forEach((c) => c.dispose());
  await Promise.all([...processes].map((p) => kill(p)));
  rmSync(work, { recursive: true, force: true });
}, 60_000);

const train = (k: number, token = alice, client = clients[0]!): Promise<RemoteTrainingResult> =>
  trainRemote({ server: apiUrl, token, plan, batches: batchesOf(k), client, pollMs: 50, retrySeconds: 60 });

describe.runIf(hasRedis || process.env.CI !== undefined)('the service on loopback (redis-server, hekit serve and worker processes, SEAL N = 4096)', () => {
  it('a worker SIGKILLed mid-round: the round is run again by another worker, and the model is the local one', async () => {
    const first = await startWorker();
    const job = train(0);
    // Kill the worker as soon as it takes the round (it is then fetching keys or running SEAL).
    for (let i = 0; i < 600 && !workerLog.some((l) => /round 0 of .* started/.test(l)); i++) await new Promise((r) => setTimeout(r, 50));
    await kill(first, 'SIGKILL');
    await startWorker(); // BullMQ finds the round stalled once its 3 s lock lapses
    const result = await job;
    expect(maxDiff(result.model.state.w, await localModel(0, clients[0]!))).toBeLessThan(NOISE);
    expect(workerLog.filter((l) => /round 0 of .* started/.test(l)).length).toBeGreaterThanOrEqual(2);
  }, 90_000);

  it('the API server restarted mid-job: jobs and blobs survive and the client resumes', async () => {
    await kill(api!);
    const job = train(1); // the client retries while the server is down
    await new Promise((r) => setTimeout(r, 500));
    await startApi();
    const result = await job;
    expect(maxDiff(result.model.state.w, await localModel(1, clients[0]!))).toBeLessThan(NOISE);
    const before = readdirSync(join(dataDir, 'jobs')).length;
    await kill(api!);
    await startApi();
    const status = await fetch(`${apiUrl}/v1/jobs/${result.job}`, { headers: { authorization: `Bearer ${alice}` } });
    expect(await status.json()).toMatchObject({ id: result.job, state: 'done' });
    expect(readdirSync(join(dataDir, 'jobs')).length).toBe(before);
  }, 90_000);

  it('hostile requests are refused with their codes, nothing is stored, and the service keeps serving', async () => {
    const call = (path: string, init: RequestInit = {}) => fetch(`${apiUrl}/v1${path}`, init);
    const spec = { plan, settings: { batchSize } };
    const json = (token: string | null, body: unknown): RequestInit => ({
      method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
    });
    const jobsBefore = readdirSync(join(dataDir, 'jobs')).length;
    expect((await call('/jobs', json(null, spec))).status).toBe(401);
    expect((await call('/jobs', json(alice, { ...spec, plan: { ...plan, ringDegree: 3000 } }))).status).toBe(400);
    expect((await call('/jobs', json(alice, { ...spec, pad: 'x'.repeat(200_000) }))).status).toBe(413);
    const created = (await (await call('/jobs', json(alice, spec))).json()) as { id: string };
    expect((await call(`/jobs/${created.id}`, { headers: { authorization: `Bearer ${bob}` } })).status).toBe(404);
    const put = (path: string, bytes: Uint8Array, token = alice) =>
      call(path, { method: 'PUT', body: bytes, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' } });
    expect((await put(`/jobs/${created.id}/keys`, clients[0]!.exportSecretKey())).status).toBe(400);
    const keys = clients[0]!.serverKeys();
    expect((await put(`/jobs/${created.id}/keys`, keys.subarray(0, keys.length >> 1))).status).toBe(400);
    expect((await put(`/jobs/${created.id}/keys`, keys)).status).toBe(200);
    const request = clients[0]!.request(0, batchesOf(2), logreg.initialState(trainingPlan.features));
    expect((await put(`/jobs/${created.id}/rounds/1/request`, request)).status).toBe(409);
    expect((await put(`/jobs/${created.id}/rounds/0/request`, request.subarray(0, request.length - 7))).status).toBe(400);
    const foreign = clients[1]!.request(0, batchesOf(2), logreg.initialState(trainingPlan.features));
    expect((await put(`/jobs/${created.id}/rounds/0/request`, foreign)).status).toBe(400);
    expect(readdirSync(join(dataDir, 'jobs')).length).toBe(jobsBefore + 1);
    const status = await (await call(`/jobs/${created.id}`, { headers: { authorization: `Bearer ${alice}` } })).json();
    expect(status).toMatchObject({ state: 'awaiting-request' });
  }, 60_000);

  it('20 concurrent jobs from three clients of two tenants on two worker processes: each client gets its own model', async () => {
    while (workers.size < 2) await startWorker();
    expect(workers.size).toBe(2);
    const jobs = Array.from({ length: 20 }, (_, k) => train(3 + k, k % 3 === 2 ? bob : alice, clients[k % 3]!));
    const results = await Promise.all(jobs);
    expect(new Set(results.map((r) => r.job)).size).toBe(20);
    results.forEach((r, k) => {
      // Near its float64 twin (a single minibatch's cubic update can sit further from it than from a local SEAL run) ...
      expect(maxDiff(r.model.state.w, twinOf(3 + k))).toBeLessThan(5 * NOISE);
      // ... and not another job's model: the nearest twin is its own.
      const nearest = results.map((_, j) => maxDiff(r.model.state.w, twinOf(3 + j)));
      expect(nearest.indexOf(Math.min(...nearest))).toBe(k);
    });
  }, 120_000);

  it('hekit worker --workers 2 runs the round on a pool of two SEAL threads in its one process: the model is the local one', async () => {
    await Promise.all([...workers].map((w) => kill(w)));
    const log: string[] = [];
    await startWorker(['--workers', '2'], log);
    expect(log.some((l) => /taking rounds .* on 2 SEAL threads/.test(l))).toBe(true);
    const result = await train(0);
    // The worker logs the round once the API server has its reply, which the client may see first.
    const done = (): string[] => log.filter((l) => l.includes(`round 0 of ${result.job} done`));
    for (let i = 0; i < 100 && done().length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(done()).toHaveLength(1);
    expect(maxDiff(result.model.state.w, await localModel(0, clients[0]!))).toBeLessThan(NOISE);
  }, 90_000);

  it('a round several times longer than the lock runs once: SEAL computes off the thread that renews the lock', async () => {
    await Promise.all([...workers].map((w) => kill(w)));
    const log: string[] = [];
    await startWorker(['--lock-seconds', '2'], log);
    // Two minibatches of 768 in one round at N = 8192 on one SEAL thread (the first step is the client's; the
    // second sums 50 tile columns): loading the keys and the round take several times the 2 s lock.
    const heavy: logreg.TrainingPlanRequest = { ...plan, minibatches: 2, batchSize: 768, ringDegree: 8192, scaleBits: 30 };
    const heavyPlan = logreg.planTraining(heavy);
    expect(heavyPlan.rounds).toEqual([2]);
    const batches = logreg.minibatches(data, 2, 768).map((b) => b.map((row) => Float64Array.from(row)));
    const client = await createClient(heavyPlan, { batchSize: 768, compression: 'none' });
    try {
      const result = await trainRemote({ server: apiUrl, token: alice, plan: heavy, batches, client, pollMs: 50, retrySeconds: 60 });
      const lines = (what: string): string[] => log.filter((l) => l.includes(`round 0 of ${result.job} ${what}`));
      for (let i = 0; i < 100 && lines('done').length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      // A lost lock would show as the stalled round taken again within a few stalled checks (every second).
      await new Promise((r) => setTimeout(r, 3000));
      expect(lines('started')).toEqual([expect.stringMatching(/\(attempt 1\)$/)]);
      expect(lines('done')).toHaveLength(1);
      const seconds = Number(/done in ([\d.]+) s/.exec(lines('done')[0]!)?.[1]);
      // Longer than the lock and a stalled check (every second): a lock not renewed meanwhile would be lost and seen.
      expect(seconds).toBeGreaterThan(2 + 1);
      // Near the float64 twin: the fresh encryptions' noise at 2^30, amplified through the round, varies from run
      // to run (0.061, 0.078 and 0.134 in three local runs of this round on SEAL, 0.205 in one CI run).
      expect(maxDiff(result.model.state.w, logreg.trainPlain(batches, { rule: 'gradient', ...logreg.TRAINING_DEFAULTS }).w)).toBeLessThan(0.4);
    } finally {
      client.dispose();
    }
  }, 180_000);
});
