import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { blobId, createDiskBlobStore } from './blobs.js';
import { createJobStore, currentRound, jobState } from './jobs.js';
import { createToken, tenantOf } from './tokens.js';

const dir = mkdtempSync(join(tmpdir(), 'hekit-store-'));
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
    const job = jobs.create('tenant-a', spec, 2).job;
    expect(jobState(job)).toBe('awaiting-keys');
    const keyed = jobs.update(job.id, (j) => ({ ...j, keys: 'k' }))!;
    expect([jobState(keyed), currentRound(keyed)]).toEqual(['awaiting-request', 0]);
    const done = jobs.update(job.id, (j) => ({ ...j, rounds: j.rounds.map(() => ({ request: 'q', reply: 'r', figures: null })) }))!;
    expect([jobState(done), currentRound(done)]).toEqual(['done', null]);
    expect(jobs.get(job.id)).toEqual(done);
    expect(jobs.get('../tokens')).toBeNull();
    expect(jobs.update('job-nope', (j) => j)).toBeNull();
  });
});
