/**
 * Training jobs as JSON files (jobs/<id>.json in the data directory), written whole: what a job
 * is (its tenant, plan request and round settings), the blob ids of its keys and of each
 * round's request and reply, each round's figures, and when it last changed. The API server is
 * their only writer, so a job survives the server's restart and its rounds are never counted
 * twice. A job created with an idempotency key is also indexed by it (idempotency/<hash>.json,
 * the hash of tenant and key), so that a retried create finds the job it made.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { logreg } from '../../algorithms/index.js';
import { writeWhole } from './files.js';

/** How many unfinished jobs a tenant may have at once unless the API is told otherwise (`ApiOptions.maxActiveJobs`). */
export const DEFAULT_MAX_ACTIVE_JOBS = 64;

/** What a client asks to train: the plan request (the server plans the same run from it) and the round settings both sides use. */
export interface JobSpec {
  readonly plan: logreg.TrainingPlanRequest;
  /** Rows per minibatch and the learning rate (the sigmoid surrogate is the default one). */
  readonly settings: { readonly batchSize: number; readonly learningRate?: number };
}

/** What a worker measured running one round. */
export interface RoundFigures {
  /** Seconds the round took on the worker (loading the request, the circuit, saving the reply). */
  readonly seconds: number;
  /** Ops the round ran, by kind (`CircuitStats.ops`). */
  readonly ops: Readonly<Record<string, number>>;
}

/** One round of a job: blob ids of its request and reply (null until uploaded) and the worker's figures. */
export interface RoundRecord {
  readonly request: string | null;
  readonly reply: string | null;
  readonly figures: RoundFigures | null;
  /** Why the round's last attempt failed (absent or null while it has not; a later reply clears it). */
  readonly failure?: string | null;
}

/** Where a job stands. */
export type JobState = 'awaiting-keys' | 'awaiting-request' | 'queued' | 'failed' | 'done' | 'cancelled';

/** A stored job. */
export interface JobRecord {
  readonly id: string;
  readonly tenant: string;
  /** ISO time of creation. */
  readonly created: string;
  /** ISO time of the last change (retention counts from it). */
  readonly updated: string;
  readonly spec: JobSpec;
  /** Blob id of the client's server keys (null until uploaded). */
  readonly keys: string | null;
  readonly cancelled: boolean;
  readonly rounds: readonly RoundRecord[];
  /** The idempotency key it was created with: SHA-256 of tenant and key, and of the request's spec (null: none). */
  readonly idempotency: { readonly key: string; readonly spec: string } | null;
}

/** The first round without a reply (the one in progress or next), or null when every round has one. */
export const currentRound = (job: JobRecord): number | null => {
  const r = job.rounds.findIndex((round) => round.reply === null);
  return r < 0 ? null : r;
};

/** Where `job` stands, from its record. */
export function jobState(job: JobRecord): JobState {
  if (job.cancelled) return 'cancelled';
  if (job.keys === null) return 'awaiting-keys';
  const r = currentRound(job);
  if (r === null) return 'done';
  const round = job.rounds[r]!;
  return round.request === null ? 'awaiting-request' : typeof round.failure === 'string' ? 'failed' : 'queued';
}

/**
 * What `JobStore.create` did: made `job` ('created'); found the job made earlier with the same
 * idempotency key, with the same spec ('found') or another ('conflict'); or made none because
 * the tenant has `active` unfinished jobs already ('limited').
 */
export type Created =
  | { readonly kind: 'created' | 'found' | 'conflict'; readonly job: JobRecord }
  | { readonly kind: 'limited'; readonly active: number };

/** Options of `JobStore.create`. */
export interface CreateOptions {
  /** The client's key for this create: the same tenant and key find the job made earlier. Keys are per tenant. */
  readonly idempotencyKey?: string;
  /** Make no job when the tenant has this many unfinished jobs (awaiting keys, awaiting a request, queued) already. */
  readonly maxActive?: number;
}

/** Whether `job` still waits for its client or a worker (not done, failed or cancelled). */
export const isActive = (job: JobRecord): boolean => ['awaiting-keys', 'awaiting-request', 'queued'].includes(jobState(job));

/** Jobs stored under a data directory. */
export interface JobStore {
  /**
   * A new job of `tenant` with `rounds` rounds; with an idempotency key, the job made earlier by
   * the same tenant with the same key when there is one; with `maxActive`, none when the tenant
   * has that many active jobs (`Created` says which). A repeated create is found before the limit
   * is counted. Counting reads every stored job.
   */
  create(tenant: string, spec: JobSpec, rounds: number, options?: CreateOptions): Created;
  /** Job `id`, or null when there is none (ids are checked before they reach the file system). */
  get(id: string): JobRecord | null;
  /**
   * Replaces job `id`'s record with `change(record)`, stamped `updated` now, and returns it;
   * null when there is no such job. A `change` that returns its argument writes nothing.
   */
  update(id: string, change: (job: JobRecord) => JobRecord): JobRecord | null;
  /** The ids of every stored job. */
  ids(): string[];
  /** Removes job `id` and its idempotency index entry (nothing when there is no such job). */
  remove(id: string): void;
}

/** Options of `createJobStore`. */
export interface JobStoreOptions {
  /** The clock, in ms since the epoch (default `Date.now`): stamps `created` and `updated`. */
  readonly now?: () => number;
}

const ID = /^job-[0-9a-f]{24}$/;
const hex = (text: string): string => bytesToHex(sha256(utf8ToBytes(text)));
/** A spec as text with its object keys sorted, so that equal specs hash alike whatever their key order. */
const canonical = (value: unknown): string => JSON.stringify(value, (_, v: unknown) =>
  (v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v));

/** The job store of the data directory `dataDir`. */
export function createJobStore(dataDir: string, options: JobStoreOptions = {}): JobStore {
  const now = (): string => new Date((options.now ?? Date.now)()).toISOString();
  const path = (id: string): string | null => (ID.test(id) ? join(dataDir, 'jobs', `${id}.json`) : null);
  const indexPath = (key: string): string => join(dataDir, 'idempotency', `${key}.json`);
  const save = (job: JobRecord): JobRecord => {
    writeWhole(path(job.id)!, JSON.stringify(job));
    return job;
  };
  const get = (id: string): JobRecord | null => {
    const file = path(id);
    return file !== null && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as JobRecord) : null;
  };
  const ids = (): string[] => {
    const dir = join(dataDir, 'jobs');
    return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).filter((id) => ID.test(id)) : [];
  };
  return {
    create(tenant, spec, rounds, { idempotencyKey, maxActive = Infinity } = {}) {
      // Synchronous look-up, count and creation: no other request of this process interleaves.
      const idempotency = idempotencyKey === undefined ? null : { key: hex(`${tenant}\0${idempotencyKey}`), spec: hex(canonical(spec)) };
      if (idempotency !== null && existsSync(indexPath(idempotency.key))) {
        const earlier = get((JSON.parse(readFileSync(indexPath(idempotency.key), 'utf8')) as { job: string }).job);
        if (earlier !== null) return { kind: earlier.idempotency?.spec === idempotency.spec ? 'found' : 'conflict', job: earlier };
      }
      if (Number.isFinite(maxActive)) {
        const active = ids().map(get).filter((j): j is JobRecord => j !== null && j.tenant === tenant && isActive(j)).length;
        if (active >= maxActive) return { kind: 'limited', active };
      }
      const time = now();
      const job = save({
        id: `job-${randomBytes(12).toString('hex')}`, tenant, created: time, updated: time, spec, keys: null, cancelled: false,
        rounds: Array.from({ length: rounds }, () => ({ request: null, reply: null, figures: null, failure: null })), idempotency,
      });
      if (idempotency !== null) writeWhole(indexPath(idempotency.key), JSON.stringify({ job: job.id }));
      return { kind: 'created', job };
    },
    get,
    ids,
    update(id, change) {
      // Synchronous read, change and write: no other request of this process interleaves.
      const job = get(id);
      if (job === null) return null;
      const changed = change(job);
      return changed === job ? job : save({ ...changed, updated: now() });
    },
    remove(id) {
      const job = get(id);
      if (job === null) return;
      // The index entry first: a key never points to a job that is gone.
      if (job.idempotency !== null) rmSync(indexPath(job.idempotency.key), { force: true });
      rmSync(path(id)!, { force: true });
    },
  };
}
