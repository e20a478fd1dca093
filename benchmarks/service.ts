/**
 * Training-service benchmark: `npm run bench:service`. A redis-server of its own on loopback,
 * the API server in this process, 1 then 2 worker processes (benchmarks/service-worker.ts).
 * Jobs: one round of one minibatch of 16 MNIST 3-vs-8 rows at N = 4096, 2^26 (the service
 * tests' job), several clients' keys made beforehand. Reports jobs per minute with JOBS jobs
 * submitted at once, round latency (from uploading a request to holding the reply, and the
 * worker's own time), and the service's overhead over the same round run locally
 * (`trainEncrypted` on a SEAL backend with the keys made). Writes benchmarks/results/service.{json,md}.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logreg } from '../algorithms/index.js';
import { createSealBackend } from '../backends/seal/index.js';
import { createClient } from '../client/index.js';
import { createApi } from '../service/api/app.js';
import { trainRemote } from '../service/client.js';
import { createRoundQueue } from '../service/queue.js';
import { createToken } from '../service/store/tokens.js';
import { resultsDir, scriptArgs } from './paths.js';

const JOBS = 12;
const CLIENTS = 3;
const data = logreg.loadDataset({ seed: 5 });
const batchSize = 16;
const planRequest: logreg.TrainingPlanRequest = { circuit: 'lowdepth', minibatches: 1, batchSize, features: data.features, ringDegree: 4096, scaleBits: 26, specialPrimeBits: 30, valueBits: 4 };
const plan = logreg.planTraining(planRequest);
const batches = logreg.minibatches(data, JOBS, batchSize);

const freePort = (): Promise<number> => new Promise((resolve) => {
  const s = createNetServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address() as { port: number };
    s.close(() => resolve(port));
  });
});
/** Starts a process and waits for `ready` in its output. */
const start = (command: string, args: string[], ready: RegExp): Promise<ChildProcess> => new Promise((resolve, reject) => {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let seen = '';
  child.stdout!.on('data', (c: Buffer) => {
    seen += c.toString();
    if (ready.test(seen)) resolve(child);
  });
  child.once('exit', (code) => reject(new Error(`${command} exited with ${code}`)));
});
const stop = (child: ChildProcess): Promise<void> => new Promise((resolve) => {
  if (child.exitCode !== null) return resolve();
  child.once('exit', () => resolve());
  child.kill('SIGTERM');
});
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

const work = mkdtempSync(join(tmpdir(), 'hekit-bench-service-'));
const children: ChildProcess[] = [];
try {
  const redisPort = await freePort();
  const redis = `redis://127.0.0.1:${redisPort}`;
  children.push(await start('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--dir', work, '--save', '', '--appendonly', 'no'], /Ready to accept/));
  const dataDir = join(work, 'data');
  const token = createToken(dataDir).token;
  const queue = await createRoundQueue(redis, 'bench-worker-secret');
  const app = await createApi({ dataDir, queue, workerSecret: 'bench-worker-secret', cachedJobs: CLIENTS + 1 });
  const api = await app.listen({ port: 0, host: '127.0.0.1' });
  const clients = await Promise.all(Array.from({ length: CLIENTS }, () => createClient(plan, { batchSize })));
  const train = (k: number) => trainRemote({ server: api, token, plan: planRequest, batches: [batches[k]!], client: clients[k % CLIENTS]!, pollMs: 20 });

  // The local twin of one job: the same round on a SEAL backend in this process, keys made beforehand.
  const local = await createSealBackend(plan.params, { rotations: plan.rotations });
  const localSeconds: number[] = [];
  for (let k = 0; k < 3; k++) {
    const t = performance.now();
    logreg.trainEncrypted(local, plan, [batches[k]!]);
    localSeconds.push((performance.now() - t) / 1000);
  }
  local.dispose();

  const rows: { workers: number; jobs: number; seconds: number; jobsPerMinute: number; roundLatency: number; workerSeconds: number }[] = [];
  let remoteAlone = 0;
  for (const workers of [1, 2]) {
    const procs = await Promise.all(Array.from({ length: workers }, () => start(process.execPath, [...scriptArgs('service-worker'), redis, api], /ready/)));
    children.push(...procs);
    if (workers === 1) {
      // Warm-up and the overhead: jobs one at a time, each client's keys then cached on the API and the worker.
      const alone: number[] = [];
      for (let k = 0; k < CLIENTS * 2; k++) alone.push((await train(k)).rounds[0]!.seconds);
      remoteAlone = mean(alone.slice(CLIENTS));
    }
    const t = performance.now();
    const results = await Promise.all(Array.from({ length: JOBS }, (_, k) => train(k)));
    const seconds = (performance.now() - t) / 1000;
    rows.push({
      workers, jobs: JOBS, seconds, jobsPerMinute: (JOBS / seconds) * 60,
      roundLatency: mean(results.map((r) => r.rounds[0]!.seconds)), workerSeconds: mean(results.map((r) => r.rounds[0]!.figures?.seconds ?? NaN)),
    });
    await Promise.all(procs.map(stop));
  }
  clients.forEach((c) => c.dispose());
  await app.close();
  await queue.close();

  const localRound = mean(localSeconds);
  const result = {
    job: { ringDegree: 4096, scaleBits: 26, rounds: 1, minibatches: 1, batchSize, features: data.features },
    rows, overhead: { localRoundSeconds: localRound, remoteRoundSeconds: remoteAlone, overheadSeconds: remoteAlone - localRound, ratio: remoteAlone / localRound },
  };
  const out = resultsDir(false);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'service.json'), `${JSON.stringify(result, null, 2)}\n`);
  const md = [
    `# Training service (${JOBS} one-round jobs at N = 4096 submitted at once, ${CLIENTS} clients, loopback)`,
    '',
    '| worker processes | jobs | seconds | jobs per minute | round latency, client (s) | round, worker (s) |',
    '|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.workers} | ${r.jobs} | ${r.seconds.toFixed(1)} | ${r.jobsPerMinute.toFixed(1)} | ${r.roundLatency.toFixed(2)} | ${r.workerSeconds.toFixed(2)} |`),
    '',
    `One job alone, keys cached: ${remoteAlone.toFixed(3)} s from upload to reply against ${localRound.toFixed(3)} s for trainEncrypted locally ` +
      `(overhead ${(remoteAlone - localRound).toFixed(3)} s, ${(remoteAlone / localRound).toFixed(1)}x).`,
    '',
  ].join('\n');
  writeFileSync(join(out, 'service.md'), md);
  console.log(md);
} finally {
  await Promise.all(children.map(stop));
  rmSync(work, { recursive: true, force: true });
}
