/**
 * What a round worker does for one round, apart from the queue: fetch the job and the round's
 * request from the API server, run the round on SEAL (`hekit/server`, on a pool of `workers`
 * threads when above 1) and upload the reply. Keys stay loaded for the next rounds of the same
 * job, a bounded number of key sets at a time. It runs on the round thread (round-thread.ts), so
 * SEAL never blocks the thread that renews the queue's locks.
 */
import { logreg } from '../../algorithms/index.js';
import { createServer } from '../../server/index.js';
import type { RoundTask } from '../queue.js';
import { createServerCache, serverKey } from '../server-cache.js';
import type { JobRecord, RoundFigures } from '../store/jobs.js';

/** Where the API server is and how to run rounds. */
export interface RoundRunnerOptions {
  /** The API server's base URL, without a trailing slash. */
  readonly api: string;
  /** The workers' secret (from Redis). */
  readonly secret: string;
  /** Key sets that stay loaded. */
  readonly cachedJobs: number;
  /** SEAL threads per round: 1 runs on the caller's thread, more on a pool (`createServer`'s `workers`). */
  readonly workers: number;
}

/** A round run: `duplicate` when another run answered first (its reply stands). */
export interface RoundAnswer {
  readonly seconds: number;
  readonly duplicate: boolean;
}

/** Runs rounds; `run` resolves to null when there was nothing to do (cancelled, or answered already). */
export interface RoundRunner {
  run(task: RoundTask): Promise<RoundAnswer | null>;
  /** Frees every loaded key set. */
  close(): Promise<void>;
}

/** Calls `/v1/work` routes of the API server with the workers' secret; rejects on an HTTP error. */
export function workApi(api: string, secret: string): (path: string, init?: RequestInit) => Promise<Response> {
  return async (path, init = {}) => {
    const response = await fetch(`${api}/v1/work${path}`, { ...init, headers: { ...init.headers, authorization: `Bearer ${secret}` } });
    if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${path}: HTTP ${response.status} ${await response.text()}`);
    return response;
  };
}

/** A runner with its own bounded cache of loaded key sets. */
export function createRoundRunner(options: RoundRunnerOptions): RoundRunner {
  const call = workApi(options.api, options.secret);
  const bytes = async (path: string): Promise<Uint8Array> => new Uint8Array(await (await call(path)).arrayBuffer());
  const servers = createServerCache(options.cachedJobs);
  return {
    async run({ job: id, round }) {
      const job = (await (await call(`/jobs/${id}`)).json()) as JobRecord;
      const record = job.rounds[round];
      // Cancelled, or answered by another run: nothing to do.
      if (job.cancelled || record === undefined || record.request === null || record.reply !== null) return null;
      const request = await bytes(`/blobs/${record.request}`);
      const started = performance.now();
      const load = async () => createServer(await bytes(`/blobs/${job.keys}`), logreg.planTraining(job.spec.plan), { ...job.spec.settings, workers: options.workers });
      const { reply, figures } = await servers.with(serverKey(job), load, (server) => {
        server.backend.resetStats();
        const out = server.runRound(request);
        const ops = { ...server.backend.stats().ops };
        return { reply: out.reply, figures: { seconds: (performance.now() - started) / 1000, ops } satisfies RoundFigures };
      });
      const answer = await call(`/jobs/${id}/rounds/${round}/reply`, {
        method: 'PUT', body: reply, headers: { 'content-type': 'application/octet-stream', 'hekit-figures': JSON.stringify(figures) },
      });
      const { duplicate } = (await answer.json()) as { duplicate: boolean };
      return { seconds: figures.seconds, duplicate };
    },
    close: () => servers.close(),
  };
}
