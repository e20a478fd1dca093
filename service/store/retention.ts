/**
 * Retention: what the API server stores is removed once nobody needs it. A job whose record has
 * not changed for the retention period is removed: one that ended (done, failed, cancelled) was
 * kept that long for its client to fetch the model; one that did not was left by its client (or
 * waited that long for a worker). Blobs are content-addressed and may be shared by jobs, so they
 * are swept by reachability: a blob no remaining job names is removed once its last upload is
 * older than `BLOB_GRACE_MS` (an upload is named by its job as soon as it is stored, and a job
 * reusing a stored blob uploads it again, which renews its time).
 */
import type { BlobStore } from './blobs.js';
import type { JobRecord, JobStore } from './jobs.js';

/** The default retention: a week. */
export const DEFAULT_RETENTION_HOURS = 168;
/** How old an unnamed blob must be to go: far above the time from storing an upload to naming it in its job. */
export const BLOB_GRACE_MS = 10 * 60_000;

/** What one sweep removed. */
export interface SweepReport {
  /** The jobs removed, as they were. */
  readonly jobs: readonly JobRecord[];
  /** How many blobs were removed. */
  readonly blobs: number;
}

/** The blob ids `job` names: its keys and each round's request and reply. */
const blobsOf = (job: JobRecord): string[] =>
  [job.keys, ...job.rounds.flatMap((r) => [r.request, r.reply])].filter((b): b is string => b !== null);

/**
 * Removes the jobs of `jobs` unchanged since `now - retentionMs`, then the blobs of `blobs` that
 * no remaining job names and that are older than `BLOB_GRACE_MS`.
 */
export async function sweep(jobs: JobStore, blobs: BlobStore, options: { readonly retentionMs: number; readonly now: number }): Promise<SweepReport> {
  const cutoff = options.now - options.retentionMs;
  const removed: JobRecord[] = [];
  const named = new Set<string>();
  // Synchronous per job: a request cannot change a job between the look and the removal.
  for (const id of jobs.ids()) {
    const job = jobs.get(id);
    if (job === null) continue;
    if (Date.parse(job.updated) < cutoff) {
      jobs.remove(id);
      removed.push(job);
    } else {
      for (const blob of blobsOf(job)) named.add(blob);
    }
  }
  let count = 0;
  for (const id of await blobs.ids()) {
    if (!named.has(id) && await blobs.removeIfOlder(id, options.now - BLOB_GRACE_MS)) count++;
  }
  return { jobs: removed, blobs: count };
}
