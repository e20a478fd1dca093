import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { blobId, createDiskBlobStore } from './blobs.js';
import { createJobStore, currentRound, jobState, type Created, type JobRecord } from './jobs.js';
import { BLOB_GRACE_MS, sweep } from './retention.js';
import { createToken, tenantOf } from './tokens.js';

const dir = mkdtempSync(join(tmpdir(), 'hekit-store-'));
/** The job a create made (failing the test when it made none). */
const jobOf = (c: Created): JobRecord => {
  expect(c.kind).toBe('created');
  return (c as { job: JobRecord }).job;
};
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('service stores', () => {
  it('tokens: only hashes are stored; each token names its own tenant, anything else none', () => {
    const a = createToken(dir), b = createToken(dir);
    const file = readFileSync(join(dir, 'tokens.json'), 'utf8');
    expect(file).not.toContain(a.token);
    expect(file).not.toContain(b.token);
    expect(tenantOf(dir, a.token)).toBe(a.tenant);
    expect(tenantOf(dir, b.token)).toBe(b.tenant);
    expect(a.tenant).not.toBe(b.tenant);
    expect(tenantOf(dir, `${a.token}x`)).toBeNull();
    expect(tenantOf(dir, '')).toBeNull();
  });

  it('blobs: content-addressed, stored once, and an id is never a path', async () => {
    const blobs = createDiskBlobStore(join(dir, 'blobs'));
    const bytes = Uint8Array.from([1, 2, 3]);
    const id = await blobs.put(bytes);
    expect(id).toBe(blobId(bytes));
    expect(await blobs.put(bytes)).toBe(id);
    expect(await blobs.get(id)).toEqual(bytes);
    expect(await blobs.get('../tokens.json')).toBeNull();
    expect(await blobs.has('0'.repeat(64))).toBe(false);
  });

  it('jobs: state follows the record; ids are checked before they reach the disk', () => {
    const jobs = createJobStore(dir);
    const spec = { plan: { circuit: 'lowdepth' as const, minibatches: 2, batchSize: 4, features: 3 }, settings: { batchSize: 4 } };
    const job = jobOf(jobs.create('tenant-a', spec, 2));
    expect(jobState(job)).toBe('awaiting-keys');
    const keyed = jobs.update(job.id, (j) => ({ ...j, keys: 'k' }))!;
    expect([jobState(keyed), currentRound(keyed)]).toEqual(['awaiting-request', 0]);
    const done = jobs.update(job.id, (j) => ({ ...j, rounds: j.rounds.map(() => ({ request: 'q', reply: 'r', figures: null })) }))!;
    expect([jobState(done), currentRound(done)]).toEqual(['done', null]);
    expect(jobs.get(job.id)).toEqual(done);
    expect(jobs.get('../tokens')).toBeNull();
    expect(jobs.update('job-nope', (j) => j)).toBeNull();
  });

  it('retention: jobs unchanged past it go with the blobs only they name; shared, fresh and just-stored blobs stay', async () => {
    const HOUR = 3_600_000, retentionMs = 168 * HOUR;
    let now = Date.parse('2026-01-01T00:00:00Z');
    const clock = (): number => now;
    const base = join(dir, 'retention');
    const jobs = createJobStore(base, { now: clock });
    const blobs = createDiskBlobStore(join(base, 'blobs'), { now: clock });
    const spec = { plan: { circuit: 'lowdepth' as const, minibatches: 1, batchSize: 4, features: 3 }, settings: { batchSize: 4 } };
    const keys = await blobs.put(Uint8Array.of(1));
    const request = await blobs.put(Uint8Array.of(2));
    const reply = await blobs.put(Uint8Array.of(3));
    // Left by its client: keys and a request, no reply.
    const left = jobOf(jobs.create('tenant-a', spec, 1, { idempotencyKey: 'key-1' }));
    jobs.update(left.id, (j) => ({ ...j, keys, rounds: [{ request, reply: null, figures: null, failure: null }] }));
    now += 100 * HOUR;
    // Done 100 hours later on the same keys (uploaded again, which renews the blob's time).
    const done = jobOf(jobs.create('tenant-a', spec, 1));
    expect(await blobs.put(Uint8Array.of(1))).toBe(keys);
    jobs.update(done.id, (j) => ({ ...j, keys, rounds: [{ request, reply, figures: null, failure: null }] }));
    const orphan = await blobs.put(Uint8Array.of(4));
    // A change that returns the record unchanged writes nothing: the job's time stays.
    now += HOUR;
    jobs.update(done.id, (j) => j);
    expect(jobs.get(done.id)!.updated).toBe(new Date(now - HOUR).toISOString());

    now += 68 * HOUR + 1; // 'left' unchanged for 169 h, 'done' for 69 h
    const stored = await blobs.put(Uint8Array.of(5)); // just stored, its job not updated yet
    const first = await sweep(jobs, blobs, { retentionMs, now });
    expect(first.jobs.map((j) => j.id)).toEqual([left.id]);
    expect(jobs.get(left.id)).toBeNull();
    expect(jobs.ids()).toEqual([done.id]);
    // The request is named by 'done' too; the orphan, 69 h old and named by none, goes.
    expect(first.blobs).toBe(1);
    expect(await Promise.all([keys, request, reply, orphan, stored].map((b) => blobs.has(b)))).toEqual([true, true, true, false, true]);
    // The removed job's idempotency key is free again.
    expect(jobs.create('tenant-a', spec, 1, { idempotencyKey: 'key-1' }).kind).toBe('created');

    now += BLOB_GRACE_MS;
    now += 100 * HOUR; // 'done' unchanged for 169 h
    const second = await sweep(jobs, blobs, { retentionMs, now });
    expect(second.jobs.map((j) => j.id)).toEqual([done.id]);
    expect(second.blobs).toBe(4);
    expect(await blobs.ids()).toEqual([]);
  });
});
