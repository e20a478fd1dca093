/**
 * A round worker: takes rounds from the BullMQ queue, fetches the job's keys and the round's
 * request from the API server, runs the round on SEAL (`hekit/server`) and uploads the reply.
 * Keys stay loaded for the next rounds of the same job, a bounded number of jobs at a time.
 * A round is safe to run twice (the API server keeps the first reply), so BullMQ's retries and
 * its recovery of rounds whose worker died need no coordination here.
 */
import { Worker, type Job } from 'bullmq';
import { logreg } from '../../algorithms/index.js';
import { createServer } from '../../server/index.js';
import { QUEUE_NAME, reachRedis, redactUrl, redisConnection, WORKER_SECRET_KEY, type RoundTask } from '../queue.js';
import { createServerCache, serverKey } from '../server-cache.js';
import type { JobRecord, RoundFigures } from '../store/jobs.js';

/** Options of `startWorker`. */
export interface WorkerOptions {
  /** Redis URL (redis://host:port). */
  readonly redis: string;
  /** The API server's base URL (http://host:port). */
  readonly api: string;
  /** Key sets that stay loaded (default 2). */
  readonly cachedJobs?: number;
  /**
   * Seconds a round's lock lasts without renewal (default 30). A worker that dies holds its
   * round this long, plus up to `stalledSeconds`, before another worker takes it. SEAL runs on
   * this thread, so a single round longer than this is taken as stalled and run twice.
   */
  readonly lockSeconds?: number;
  /** How often to look for stalled rounds (default: half the lock). */
  readonly stalledSeconds?: number;
  /** Told when a round starts and when it ends, for logs. */
  readonly onEvent?: (event: WorkerEvent) => void;
}

/** What a worker reports: a round taken, a round answered (`duplicate` when another run answered first). */
export type WorkerEvent =
  | { readonly kind: 'start'; readonly job: string; readonly round: number; readonly attempt: number }
  | { readonly kind: 'done'; readonly job: string; readonly round: number; readonly seconds: number; readonly duplicate: boolean };

/** A running worker. */
export interface RoundWorker {
  /** Stops taking rounds, waits for the one running, frees the keys. */
  close(): Promise<void>;
}

/** Starts a worker; resolves once it is connected and has the API secret. Rejects when Redis has no secret (no API server has started). */
export async function startWorker(options: WorkerOptions): Promise<RoundWorker> {
  const connection = redisConnection(options.redis);
  await reachRedis(connection, options.redis);
  const secret = await connection.get(WORKER_SECRET_KEY);
  if (secret === null) {
    connection.disconnect();
    throw new Error(`no API server has registered at ${redactUrl(options.redis)} yet (start hekit serve first)`);
  }
  const api = options.api.replace(/\/+$/, '');
  const call = async (path: string, init: RequestInit = {}): Promise<Response> => {
    const response = await fetch(`${api}/v1/work${path}`, { ...init, headers: { ...init.headers, authorization: `Bearer ${secret}` } });
    if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${path}: HTTP ${response.status} ${await response.text()}`);
    return response;
  };
  const bytes = async (path: string): Promise<Uint8Array> => new Uint8Array(await (await call(path)).arrayBuffer());
  const servers = createServerCache(options.cachedJobs ?? 2);

  const run = async (task: Job<RoundTask>): Promise<{ duplicate: boolean }> => {
    const { job: id, round } = task.data;
    options.onEvent?.({ kind: 'start', job: id, round, attempt: task.attemptsStarted });
    const job = (await (await call(`/jobs/${id}`)).json()) as JobRecord;
    const record = job.rounds[round];
    // Cancelled, or answered by another run: nothing to do.
    if (job.cancelled || record === undefined || record.request === null || record.reply !== null) return { duplicate: true };
    const request = await bytes(`/blobs/${record.request}`);
    const started = performance.now();
    const { reply, figures } = await servers.with(serverKey(job), async () => createServer(await bytes(`/blobs/${job.keys}`), logreg.planTraining(job.spec.plan), job.spec.settings), (server) => {
      server.backend.resetStats();
      const out = server.runRound(request);
      const ops = { ...server.backend.stats().ops };
      return { reply: out.reply, figures: { seconds: (performance.now() - started) / 1000, ops } satisfies RoundFigures };
    });
    const answer = await call(`/jobs/${id}/rounds/${round}/reply`, {
      method: 'PUT', body: reply, headers: { 'content-type': 'application/octet-stream', 'hekit-figures': JSON.stringify(figures) },
    });
    const { duplicate } = (await answer.json()) as { duplicate: boolean };
    options.onEvent?.({ kind: 'done', job: id, round, seconds: figures.seconds, duplicate });
    return { duplicate };
  };

  // After the last attempt BullMQ gives up on a round; the API server is told why, so the job shows 'failed'.
  const runOrReport = async (task: Job<RoundTask>): Promise<{ duplicate: boolean }> => {
    try {
      return await run(task);
    } catch (e) {
      if (task.attemptsMade + 1 >= (task.opts.attempts ?? 1)) {
        const message = (e as Error).message ?? String(e);
        await call(`/jobs/${task.data.job}/rounds/${task.data.round}/failure`, {
          method: 'PUT', body: JSON.stringify({ message }), headers: { 'content-type': 'application/json' },
        }).catch(() => undefined);
      }
      throw e;
    }
  };

  const lock = (options.lockSeconds ?? 30) * 1000;
  const worker = new Worker<RoundTask>(QUEUE_NAME, runOrReport, {
    connection,
    concurrency: 1,
    lockDuration: lock,
    stalledInterval: options.stalledSeconds === undefined ? lock / 2 : options.stalledSeconds * 1000,
    // A round can look stalled when one round runs past the lock on a busy machine; give it a few chances.
    maxStalledCount: 3,
  });
  await worker.waitUntilReady();
  return {
    async close() {
      await worker.close();
      await servers.close();
      connection.disconnect();
    },
  };
}
