/**
 * A round worker: takes rounds from the BullMQ queue and hands each to its round thread
 * (round-thread.ts, running rounds.ts), which fetches the job's keys and the round's request from
 * the API server, runs the round on SEAL (`hekit/server`, on a pool of threads when `workers` > 1)
 * and uploads the reply. SEAL never runs on this thread, so BullMQ renews the round's lock while
 * it computes, however long the round. Keys stay loaded for the next rounds of the same job, a
 * bounded number of key sets at a time. A round is safe to run twice (the API server keeps the
 * first reply), so BullMQ's retries and its recovery of rounds whose worker died need no
 * coordination here.
 */
import { Worker as ThreadWorker } from 'node:worker_threads';
import { Worker, type Job } from 'bullmq';
import { QUEUE_NAME, reachRedis, redactUrl, redisConnection, WORKER_SECRET_KEY, type RoundTask } from '../queue.js';
import { workApi, type RoundAnswer, type RoundRunnerOptions } from './rounds.js';

/** Options of `startWorker`. */
export interface WorkerOptions {
  /** Redis URL (redis://host:port). */
  readonly redis: string;
  /** The API server's base URL (http://host:port). */
  readonly api: string;
  /** Key sets that stay loaded (default 2). */
  readonly cachedJobs?: number;
  /**
   * SEAL threads each round runs on (default 1): above 1, a pool of that many threads in this
   * process (`createSealServerPool`), each holding a copy of the job's keys. Rounds still run one
   * at a time; for more rounds at once, start more workers.
   */
  readonly workers?: number;
  /**
   * Seconds a round's lock lasts without renewal (default 30). The lock is renewed while the
   * round computes; a worker that dies holds its round this long, plus up to `stalledSeconds`,
   * before another worker takes it.
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

/** What the round thread starts with; `entry` only when running from the TypeScript sources (tsx). */
export interface RoundThreadInit {
  readonly options: RoundRunnerOptions;
  readonly entry?: string;
}

/** A message to the round thread: run a round, or free everything and end. */
export type ThreadTask = { readonly type: 'run'; readonly id: number; readonly task: RoundTask } | { readonly type: 'close' };

/** The round thread's answer to run `id`. */
export type ThreadReply =
  | { readonly type: 'done'; readonly id: number; readonly answer: RoundAnswer | null }
  | { readonly type: 'error'; readonly id: number; readonly message: string };

/** The round thread, started on first use and again after it dies (its rounds then fail and are retried). */
class RoundThread {
  #thread: ThreadWorker | null = null;
  readonly #pending = new Map<number, { resolve(answer: RoundAnswer | null): void; reject(e: Error): void }>();
  #next = 0;

  constructor(private readonly options: RoundRunnerOptions) {}

  run(task: RoundTask): Promise<RoundAnswer | null> {
    const thread = (this.#thread ??= this.#start());
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      thread.postMessage({ type: 'run', id, task } satisfies ThreadTask);
    });
  }

  /** Asks the thread to free its keys and end; terminates it after 10 s. */
  async close(): Promise<void> {
    const thread = this.#thread;
    if (thread === null) return;
    this.#thread = null;
    const exited = new Promise<void>((resolve) => thread.once('exit', () => resolve()));
    thread.postMessage({ type: 'close' } satisfies ThreadTask);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise<void>((resolve) => { timer = setTimeout(resolve, 10_000); })]);
    clearTimeout(timer);
    await thread.terminate();
  }

  #start(): ThreadWorker {
    const fromSource = import.meta.url.endsWith('.ts');
    const entry = new URL(fromSource ? './round-thread.ts' : './round-thread.js', import.meta.url);
    const init: RoundThreadInit = { options: this.options, entry: entry.href };
    // From the sources the thread registers tsx first, as the SEAL pool's workers do.
    const thread = new ThreadWorker(fromSource ? new URL('../../backends/seal/pool/tsx-worker.mjs', import.meta.url) : entry, { workerData: init });
    thread.on('message', (reply: ThreadReply) => {
      const waiting = this.#pending.get(reply.id);
      this.#pending.delete(reply.id);
      if (reply.type === 'done') waiting?.resolve(reply.answer);
      else waiting?.reject(new Error(reply.message));
    });
    const fail = (e: Error): void => {
      if (this.#thread === thread) this.#thread = null;
      for (const waiting of this.#pending.values()) waiting.reject(e);
      this.#pending.clear();
    };
    thread.on('error', fail);
    thread.on('exit', (code) => fail(new Error(`the round thread stopped (exit code ${code})`)));
    return thread;
  }
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
  const rounds = new RoundThread({ api, secret, cachedJobs: options.cachedJobs ?? 2, workers: options.workers ?? 1 });

  const run = async (task: Job<RoundTask>): Promise<{ duplicate: boolean }> => {
    const { job, round } = task.data;
    options.onEvent?.({ kind: 'start', job, round, attempt: task.attemptsStarted });
    const answer = await rounds.run({ job, round });
    if (answer === null) return { duplicate: true };
    options.onEvent?.({ kind: 'done', job, round, seconds: answer.seconds, duplicate: answer.duplicate });
    return { duplicate: answer.duplicate };
  };

  // After the last attempt BullMQ gives up on a round; the API server is told why, so the job shows 'failed'.
  const call = workApi(api, secret);
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
    // A round is taken as stalled only when its worker stopped renewing the lock (died, or lost Redis); give it a few chances.
    maxStalledCount: 3,
  });
  await worker.waitUntilReady();
  return {
    async close() {
      await worker.close();
      await rounds.close();
      connection.disconnect();
    },
  };
}
