/**
 * The API server (fastify): tenants create training jobs, upload keys and each round's
 * request, read a job's status and download replies; workers fetch what a round needs and
 * upload its reply. Every upload is read as a stream up to its route's limit (413 beyond),
 * loaded by the library's own loaders under the job's plan and keys (400 when refused, and
 * nothing stored), and only then stored and queued.
 *
 * Routes: POST /v1/jobs, PUT /v1/jobs/:id/keys, PUT /v1/jobs/:id/rounds/:round/request,
 * GET /v1/jobs/:id, GET /v1/jobs/:id/rounds/:round/reply, DELETE /v1/jobs/:id (tenants);
 * GET /v1/work/jobs/:id, GET /v1/work/blobs/:blob, PUT /v1/work/jobs/:id/rounds/:round/reply,
 * PUT /v1/work/jobs/:id/rounds/:round/failure (workers).
 */
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { join } from 'node:path';
import { HeError } from '../../core/index.js';
import { createServer } from '../../server/index.js';
import { checkReply, checkRequest, planOf } from '../protocol.js';
import type { RoundQueue } from '../queue.js';
import { createServerCache, serverKey } from '../server-cache.js';
import { blobId, createDiskBlobStore, type BlobStore } from '../store/blobs.js';
import { createJobStore, currentRound, DEFAULT_MAX_ACTIVE_JOBS, jobState, type JobRecord, type JobSpec, type RoundFigures } from '../store/jobs.js';
import { DEFAULT_RETENTION_HOURS, sweep, type SweepReport } from '../store/retention.js';
import { bearer, callerOf, type Caller } from './auth.js';
import { answerError, HttpError } from './errors.js';

/** Upper bounds on upload sizes, in bytes. */
export interface UploadLimits {
  /** Server keys (default 256 MiB: N = 16384 with a dozen rotation steps takes about 100). */
  readonly keys?: number;
  /** A round's request (default 256 MiB). */
  readonly request?: number;
  /** A worker's reply (default 16 MiB). */
  readonly reply?: number;
}

/** Options of `createApi`. */
export interface ApiOptions {
  /** The data directory: tokens.json, jobs/, and blobs/ unless `blobs` is given. */
  readonly dataDir: string;
  /** Where rounds are queued. */
  readonly queue: RoundQueue;
  /** The secret workers send as their bearer token. */
  readonly workerSecret: string;
  /** Blob storage (default: files under dataDir/blobs). */
  readonly blobs?: BlobStore;
  readonly limits?: UploadLimits;
  /** Key sets that stay loaded for checking uploads (default 4). */
  readonly cachedJobs?: number;
  /** Unfinished jobs a tenant may have at once; a create beyond is answered 429 (default 64). */
  readonly maxActiveJobs?: number;
  /**
   * Jobs unchanged for this many hours are removed, with the blobs no remaining job names
   * (default 168, a week; service/store/retention.ts). Swept at start-up and then periodically.
   */
  readonly retentionHours?: number;
  /** Seconds between retention sweeps (default: a tenth of the retention, from 1 minute to 1 hour). */
  readonly sweepSeconds?: number;
  /** The clock, in ms since the epoch (default `Date.now`): times of jobs and blobs, and retention. */
  readonly now?: () => number;
  /** Told of each retention sweep that removed something, and of one that failed (the next sweep tries again). */
  readonly onSweep?: (event: SweepEvent) => void;
}

/** What `ApiOptions.onSweep` is told. */
export type SweepEvent = ({ readonly kind: 'swept' } & SweepReport) | { readonly kind: 'error'; readonly error: Error };

/** A job's status, as GET /v1/jobs/:id answers. */
export interface JobStatus {
  readonly id: string;
  readonly state: ReturnType<typeof jobState>;
  /** Rounds in the plan. */
  readonly rounds: number;
  /** The round in progress or next (null when done). */
  readonly round: number | null;
  readonly created: string;
  /** ISO time of the last change: the job is removed `retentionHours` after it. */
  readonly updated: string;
  /** Per round: where it stands and, once done, the worker's figures. */
  readonly roundDetails: readonly { readonly state: 'waiting' | 'queued' | 'failed' | 'done'; readonly figures: RoundFigures | null; readonly failure: string | null }[];
}

const MiB = 2 ** 20;
export { DEFAULT_MAX_ACTIVE_JOBS };

/** The status a tenant sees of `job`. */
export const statusOf = (job: JobRecord): JobStatus => ({
  id: job.id, state: jobState(job), rounds: job.rounds.length, round: currentRound(job), created: job.created, updated: job.updated,
  roundDetails: job.rounds.map((r) => ({
    state: r.reply !== null ? 'done' : r.request === null ? 'waiting' : typeof r.failure === 'string' ? 'failed' : 'queued', figures: r.figures, failure: r.failure ?? null,
  })),
});

const planSchema = {
  type: 'object',
  required: ['circuit', 'minibatches', 'batchSize', 'features'],
  additionalProperties: false,
  properties: {
    circuit: { enum: ['lowdepth', 'baseline'] },
    minibatches: { type: 'integer', minimum: 1, maximum: 64 },
    batchSize: { type: 'integer', minimum: 1, maximum: 1024 },
    features: { type: 'integer', minimum: 1, maximum: 4096 },
    ringDegree: { enum: [4096, 8192, 16384, 32768] },
    scaleBits: { type: 'integer', minimum: 20, maximum: 60 },
    valueBits: { type: 'integer', minimum: 0, maximum: 40 },
    security: { enum: [128, 192, 256] },
    minibatchesPerRound: { type: 'integer', minimum: 1, maximum: 64 },
    specialPrimeBits: { type: 'integer', minimum: 20, maximum: 60 },
    unitHeight: { type: 'integer', minimum: 1, maximum: 8192 },
  },
} as const;

const specSchema = {
  type: 'object',
  required: ['plan', 'settings'],
  additionalProperties: false,
  properties: {
    plan: planSchema,
    settings: {
      type: 'object', required: ['batchSize'], additionalProperties: false,
      properties: { batchSize: { type: 'integer', minimum: 1, maximum: 1024 }, learningRate: { type: 'number', exclusiveMinimum: 0, maximum: 1000 } },
    },
  },
} as const;

/** An idempotency key: a client's random id of one create (a UUID fits), printable ASCII without spaces. */
const idempotencyHeaders = {
  type: 'object',
  properties: { 'idempotency-key': { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' } },
} as const;

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 64 } } } as const;
const roundParams = {
  type: 'object', required: ['id', 'round'],
  properties: { id: { type: 'string', maxLength: 64 }, round: { type: 'integer', minimum: 0, maximum: 64 } },
} as const;

type IdParams = { id: string };
type RoundParams = { id: string; round: number };

/**
 * The API server's fastify instance (not listening: call `listen`, or `inject` in tests).
 * `close()` frees the keys it holds; the queue is the caller's to close.
 */
export async function createApi(options: ApiOptions): Promise<FastifyInstance> {
  const { dataDir, queue, workerSecret } = options;
  const retentionHours = options.retentionHours ?? DEFAULT_RETENTION_HOURS;
  const sweepSeconds = options.sweepSeconds ?? Math.min(3600, Math.max(60, retentionHours * 360));
  const maxActive = options.maxActiveJobs ?? DEFAULT_MAX_ACTIVE_JOBS;
  if (!(Number.isInteger(maxActive) && maxActive >= 1)) throw new HeError('INVALID_ARGUMENT', `maxActiveJobs must be a positive integer; got ${maxActive}`, { argument: 'maxActiveJobs', maxActiveJobs: maxActive });
  for (const [name, value] of Object.entries({ retentionHours, sweepSeconds })) {
    if (!(Number.isFinite(value) && value > 0)) throw new HeError('INVALID_ARGUMENT', `${name} must be a positive number; got ${value}`, { argument: name, [name]: value });
  }
  const now = options.now ?? Date.now;
  const jobs = createJobStore(dataDir, { now });
  const blobs = options.blobs ?? createDiskBlobStore(join(dataDir, 'blobs'), { now });
  const servers = createServerCache(options.cachedJobs ?? 4);
  const limits = { keys: 256 * MiB, request: 256 * MiB, reply: 16 * MiB, ...options.limits };
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024 });
  app.setErrorHandler(answerError);
  // Binary uploads arrive as octet streams; fastify reads them up to the route's bodyLimit and answers 413 beyond.
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.addHook('onClose', async () => servers.close());

  // Retention: one sweep before serving (a restarted server never answers a job past it), then one per period.
  let sweeping: Promise<void> | null = null;
  const retain = (): Promise<void> => (sweeping ??= (async () => {
    try {
      const report = await sweep(jobs, blobs, { retentionMs: retentionHours * 3_600_000, now: now() });
      for (const job of report.jobs) {
        // A round still queued would only fail on a worker. A round running cannot be removed (BullMQ refuses): it fails there.
        const round = currentRound(job);
        if (round !== null && !job.cancelled && job.rounds[round]!.request !== null) await queue.remove({ job: job.id, round }).catch(() => undefined);
      }
      if (report.jobs.length + report.blobs > 0) options.onSweep?.({ kind: 'swept', ...report });
    } catch (e) {
      options.onSweep?.({ kind: 'error', error: e as Error });
    } finally {
      sweeping = null;
    }
  })());
  await retain();
  const timer = setInterval(() => void retain(), sweepSeconds * 1000);
  timer.unref();
  app.addHook('onClose', async () => {
    clearInterval(timer);
    await sweeping;
  });

  const callerOfRequest = (request: FastifyRequest): Caller => callerOf(dataDir, workerSecret, bearer(request.headers.authorization));
  /** The job's server (its keys, loaded once and cached); the job must have keys. */
  const withServer = <T>(job: JobRecord, use: (server: Awaited<ReturnType<typeof createServer>>) => T): Promise<T> =>
    servers.with(serverKey(job), async () => createServer((await blobs.get(job.keys!))!, planOf(job.spec), job.spec.settings), use);
  const body = (request: FastifyRequest): Uint8Array => {
    if (!Buffer.isBuffer(request.body)) throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send the bytes as application/octet-stream');
    return new Uint8Array(request.body.buffer, request.body.byteOffset, request.body.byteLength);
  };

  // Tenants: every job route answers 404 for a job of another tenant, as for none.
  await app.register(async (tenantRoutes) => {
    tenantRoutes.decorateRequest('tenant', '');
    tenantRoutes.addHook('onRequest', async (request) => {
      const caller = callerOfRequest(request);
      if (caller.kind !== 'tenant') throw new HttpError(403, 'FORBIDDEN', 'the workers\' secret is not a tenant token');
      (request as FastifyRequest & { tenant: string }).tenant = caller.tenant;
    });
    const ownJob = (request: FastifyRequest, id: string): JobRecord => {
      const job = jobs.get(id);
      if (job === null || job.tenant !== (request as FastifyRequest & { tenant: string }).tenant) throw new HttpError(404, 'NOT_FOUND', `no job ${id}`);
      return job;
    };
    const open = (job: JobRecord): void => {
      if (job.cancelled) throw new HttpError(409, 'CANCELLED', `job ${job.id} was cancelled`);
    };

    // With an Idempotency-Key the same create sent again (a retry after a lost answer) answers the job it made.
    tenantRoutes.post<{ Body: JobSpec; Headers: { 'idempotency-key'?: string } }>('/jobs', { schema: { body: specSchema, headers: idempotencyHeaders } }, async (request, reply) => {
      const spec = request.body;
      const plan = planOf(spec);
      const key = request.headers['idempotency-key'];
      const created = jobs.create((request as FastifyRequest & { tenant: string }).tenant, spec, plan.rounds.length, { ...(key === undefined ? {} : { idempotencyKey: key }), maxActive });
      if (created.kind === 'limited') {
        throw new HttpError(429, 'TOO_MANY_ACTIVE_JOBS', `this tenant has ${created.active} unfinished jobs, the most this server allows; ` +
          'finish or cancel one (DELETE /v1/jobs/:id) first', { active: created.active, maxActiveJobs: maxActive });
      }
      const { kind, job } = created;
      if (kind === 'conflict') {
        throw new HttpError(422, 'IDEMPOTENCY_KEY_REUSED', `Idempotency-Key ${key} made job ${job.id} with another request body; send a new key for a new job`, { job: job.id });
      }
      return reply.code(kind === 'created' ? 201 : 200).send(statusOf(job));
    });

    tenantRoutes.get<{ Params: IdParams }>('/jobs/:id', { schema: { params: idParams } }, async (request) => statusOf(ownJob(request, request.params.id)));

    tenantRoutes.put<{ Params: IdParams }>('/jobs/:id/keys', { schema: { params: idParams }, bodyLimit: limits.keys }, async (request) => {
      const job = ownJob(request, request.params.id);
      open(job);
      const bytes = body(request);
      if (job.keys !== null) {
        if (job.keys === blobId(bytes)) return statusOf(job);
        throw new HttpError(409, 'KEYS_SET', `job ${job.id} has its keys already`);
      }
      // Loading refuses a secret key, foreign parameters and any malformed byte (HeError: 400).
      // The loaded keys stay cached for checking this job's requests.
      await servers.with(serverKey({ ...job, keys: blobId(bytes) }), () => createServer(bytes, planOf(job.spec), job.spec.settings), () => {});
      const keys = await blobs.put(bytes);
      return statusOf(jobs.update(job.id, (j) => ({ ...j, keys }))!);
    });

    tenantRoutes.put<{ Params: RoundParams }>('/jobs/:id/rounds/:round/request', { schema: { params: roundParams }, bodyLimit: limits.request }, async (request, reply) => {
      const { round } = request.params;
      const job = ownJob(request, request.params.id);
      open(job);
      if (job.keys === null) throw new HttpError(409, 'NO_KEYS', `upload job ${job.id}'s keys first`);
      const current = currentRound(job);
      if (current !== round) {
        throw new HttpError(409, 'WRONG_ROUND', current === null ? `job ${job.id} is done` : `job ${job.id} is at round ${current}; got round ${round}`, { round: current });
      }
      const bytes = body(request);
      const inBytes = await withServer(job, (server) => checkRequest(server, job.spec, bytes));
      if (inBytes !== round) throw new HttpError(409, 'WRONG_ROUND', `the request is for round ${inBytes}; it was sent as round ${round}`, { round: inBytes });
      const id = await blobs.put(bytes);
      const stored = job.rounds[round]!.request;
      if (stored !== null && stored !== id) throw new HttpError(409, 'REQUEST_SET', `round ${round} of job ${job.id} has another request already`);
      const updated = jobs.update(job.id, (j) => ({ ...j, rounds: j.rounds.map((r, i) => (i === round ? { ...r, request: id } : r)) }))!;
      await queue.add({ job: job.id, round });
      return reply.code(202).send(statusOf(updated));
    });

    tenantRoutes.get<{ Params: RoundParams }>('/jobs/:id/rounds/:round/reply', { schema: { params: roundParams } }, async (request, reply) => {
      const job = ownJob(request, request.params.id);
      const r = job.rounds[request.params.round];
      if (r === undefined) throw new HttpError(404, 'NOT_FOUND', `job ${job.id} has no round ${request.params.round}`);
      if (r.reply === null) throw new HttpError(409, 'NOT_READY', `round ${request.params.round} of job ${job.id} has no reply yet`, { state: jobState(job) });
      return reply.type('application/octet-stream').send(Buffer.from((await blobs.get(r.reply))!));
    });

    tenantRoutes.delete<{ Params: IdParams }>('/jobs/:id', { schema: { params: idParams } }, async (request) => {
      const job = ownJob(request, request.params.id);
      const updated = jobs.update(job.id, (j) => ({ ...j, cancelled: true }))!;
      const round = currentRound(job);
      if (round !== null) await queue.remove({ job: job.id, round });
      return statusOf(updated);
    });
  }, { prefix: '/v1' });

  // Workers: what a round needs, and its reply (the first kept; a repeat answered as a duplicate).
  await app.register(async (workerRoutes) => {
    workerRoutes.addHook('onRequest', async (request) => {
      if (callerOfRequest(request).kind !== 'worker') throw new HttpError(403, 'FORBIDDEN', 'a tenant token cannot act as a worker');
    });
    const anyJob = (id: string): JobRecord => {
      const job = jobs.get(id);
      if (job === null) throw new HttpError(404, 'NOT_FOUND', `no job ${id}`);
      return job;
    };

    workerRoutes.get<{ Params: IdParams }>('/jobs/:id', { schema: { params: idParams } }, async (request) => anyJob(request.params.id));

    workerRoutes.get<{ Params: { blob: string } }>('/blobs/:blob', async (request, reply) => {
      const bytes = await blobs.get(request.params.blob);
      if (bytes === null) throw new HttpError(404, 'NOT_FOUND', `no blob ${request.params.blob}`);
      return reply.type('application/octet-stream').send(Buffer.from(bytes));
    });

    workerRoutes.put<{ Params: RoundParams }>('/jobs/:id/rounds/:round/reply', { schema: { params: roundParams }, bodyLimit: limits.reply }, async (request) => {
      const { round } = request.params;
      const job = anyJob(request.params.id);
      const r = job.rounds[round];
      if (r === undefined || r.request === null) throw new HttpError(409, 'WRONG_ROUND', `round ${round} of job ${job.id} was not requested`);
      // At-least-once delivery: a round run twice (a worker thought dead) replies twice; the first reply stands.
      if (r.reply !== null) return { duplicate: true };
      const bytes = body(request);
      const inBytes = await withServer(job, (server) => checkReply(server, job.spec, bytes));
      if (inBytes !== round) throw new HttpError(409, 'WRONG_ROUND', `the reply is for round ${inBytes}; it was sent as round ${round}`);
      const figures = parseFigures(request.headers['hekit-figures']);
      const id = await blobs.put(bytes);
      let duplicate = false;
      jobs.update(job.id, (j) => {
        duplicate = j.rounds[round]!.reply !== null;
        return duplicate ? j : { ...j, rounds: j.rounds.map((x, i) => (i === round ? { ...x, reply: id, figures, failure: null } : x)) };
      })!;
      return { duplicate };
    });

    // A round whose last attempt failed: the job shows 'failed' with the reason, so its client stops waiting.
    workerRoutes.put<{ Params: RoundParams; Body: { message: string } }>('/jobs/:id/rounds/:round/failure', {
      schema: { params: roundParams, body: { type: 'object', required: ['message'], properties: { message: { type: 'string', maxLength: 2000 } } } },
    }, async (request) => {
      const { round } = request.params;
      const job = anyJob(request.params.id);
      const r = job.rounds[round];
      if (r === undefined || r.request === null) throw new HttpError(409, 'WRONG_ROUND', `round ${round} of job ${job.id} was not requested`);
      let ignored = false;
      jobs.update(job.id, (j) => {
        // A reply that arrived first (another run of the round) stands.
        ignored = j.rounds[round]!.reply !== null;
        return ignored ? j : { ...j, rounds: j.rounds.map((x, i) => (i === round ? { ...x, failure: request.body.message } : x)) };
      });
      return { ignored };
    });
  }, { prefix: '/v1/work' });

  return app;
}

/** The worker's figures header (JSON), or null when absent or malformed: figures are informative only. */
function parseFigures(header: string | string[] | undefined): RoundFigures | null {
  if (typeof header !== 'string') return null;
  try {
    const f = JSON.parse(header) as RoundFigures;
    return typeof f.seconds === 'number' && typeof f.ops === 'object' ? { seconds: f.seconds, ops: f.ops } : null;
  } catch {
    return null;
  }
}
