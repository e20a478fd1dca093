/**
 * Training jobs as JSON files (jobs/<id>.json in the data directory), written whole: what a job
 * is (its tenant, plan request and round settings), the blob ids of its keys and of each
 * round's request and reply, and each round's figures. The API server is their only writer, so
 * a job survives the server's restart and its rounds are never counted twice.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { logreg } from '../../algorithms/index.js';
import { writeWhole } from './files.js';

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
  readonly spec: JobSpec;
  /** Blob id of the client's server keys (null until uploaded). */
  readonly keys: string | null;
  readonly cancelled: boolean;
  readonly rounds: readonly RoundRecord[];
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

/** Jobs stored under a data directory. */
export interface JobStore {
  /** A new job of `tenant` with `rounds` rounds. */
  create(tenant: string, spec: JobSpec, rounds: number): JobRecord;
  /** Job `id`, or null when there is none (ids are checked before they reach the file system). */
  get(id: string): JobRecord | null;
  /** Replaces job `id`'s record with `change(record)` and returns it; null when there is no such job. */
  update(id: string, change: (job: JobRecord) => JobRecord): JobRecord | null;
}

const ID = /^job-[0-9a-f]{24}$/;

/** The job store of the data directory `dataDir`. */
export function createJobStore(dataDir: string): JobStore {
  const path = (id: string): string | null => (ID.test(id) ? join(dataDir, 'jobs', `${id}.json`) : null);
  const save = (job: JobRecord): JobRecord => {
    writeWhole(path(job.id)!, JSON.stringify(job));
    return job;
  };
  const get = (id: string): JobRecord | null => {
    const file = path(id);
    return file !== null && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as JobRecord) : null;
  };
  return {
    create: (tenant, spec, rounds) => save({
      id: `job-${randomBytes(12).toString('hex')}`, tenant, created: new Date().toISOString(), spec, keys: null, cancelled: false,
      rounds: Array.from({ length: rounds }, () => ({ request: null, reply: null, figures: null, failure: null })),
    }),
    get,
    update(id, change) {
      // Synchronous read, change and write: no other request of this process interleaves.
      const job = get(id);
      return job === null ? null : save(change(job));
    },
  };
}
