/**
 * warmSealHeap grows the heap by the bytes asked, gives them back to SEAL's allocator, and
 * stops when told or when no permit is free. The file has its own module instance, so the heap
 * starts at node-seal's initial size.
 */
import { readlinkSync } from 'node:fs';
import { getPriority } from 'node:os';
import { describe, expect, it } from 'vitest';
import { loadSeal, sealHeapBytes } from './loader.js';
import { warmSealHeap } from './warm.js';

const MiB = 2 ** 20;
const permits = (free: number): Int32Array => new Int32Array(new SharedArrayBuffer(4)).fill(free);

describe('warming the SEAL heap', () => {
  it('writes the bytes asked, then SEAL reuses them without growing the heap', async () => {
    const seal = await loadSeal();
    const before = sealHeapBytes();
    expect(before).toBeLessThan(64 * MiB);
    const free = permits(1);
    expect(await warmSealHeap(64 * MiB, { permits: free, stop: () => false })).toBe(64 * MiB);
    const warmed = sealHeapBytes();
    expect(warmed).toBeGreaterThanOrEqual(before + 64 * MiB);
    expect(free[0]).toBe(1);
    // 48 MiB of coefficients from SEAL's global pool: the freed blocks take them.
    const plain = seal.PlainText();
    try {
      plain.resize((48 * MiB) / 8);
      expect(sealHeapBytes()).toBe(warmed);
    } finally {
      plain.delete();
    }
  });

  it('stops before the next block once told, and writes nothing without a permit', async () => {
    let checks = 0;
    // On Linux the thread warms at the lowest priority when it may raise it back (root here), then raises it.
    const linux = process.platform === 'linux';
    const thread = linux ? Number(readlinkSync('/proc/thread-self').split('/').pop()) : 0;
    const before = linux ? getPriority(thread) : 0;
    let during = before;
    expect(await warmSealHeap(64 * MiB, { permits: permits(1), stop: () => ((during = linux ? getPriority(thread) : 0), ++checks > 1) })).toBe(8 * MiB);
    expect([before, 19]).toContain(during);
    if (linux) expect(getPriority(thread)).toBe(before);
    checks = 0;
    const none = permits(0);
    expect(await warmSealHeap(64 * MiB, { permits: none, stop: () => ++checks > 3 })).toBe(0);
    expect(none[0]).toBe(0);
  });
});
