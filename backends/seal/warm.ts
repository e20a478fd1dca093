/**
 * Faulting a thread's SEAL heap in ahead of its work. Fresh WebAssembly memory costs a page fault
 * the first time each 4 KiB page is written: 2.9 ms per MiB on the reference machine (a VM), 1.3 s
 * of the 2.9 s a worker takes to make its keys at N = 16384 with 10 primes and 18 rotation steps.
 * A thread that waits for its parameters can take those faults meanwhile: it fills the heap with
 * zeroed blocks from a memory pool of its own, then frees the pool, and the allocator hands the
 * same pages, written already, to SEAL's keys and ciphertexts.
 *
 * The core it takes is not idle: V8 compiles and collects garbage there for the main thread,
 * which plans meanwhile. At normal priority the warming slowed the planning by 0.6 to 1 s; on
 * Linux, where the thread may raise its priority back afterwards, it warms at the lowest.
 */
import { readFileSync, readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { newMemoryPool } from './context.js';
import { loadSeal } from './loader.js';

/** Bytes written per block: a stop request waits for at most one (a few tens of ms). */
const BLOCK_BYTES = 8 * 2 ** 20;
/** How often a thread waiting for a permit checks whether it should stop. */
const POLL_MS = 50;

/** Options of `warmSealHeap`. */
export interface WarmOptions {
  /**
   * Shared by the threads warming together: cell 0 counts the free permits, one per idle core.
   * A thread writes a block only while it holds one, so warming never takes more cores than that.
   */
  readonly permits: Int32Array;
  /** Checked before each block: true ends the warming (the thread's work has come). */
  readonly stop: () => boolean;
}

/**
 * Grows this thread's SEAL heap by writing up to `bytes` of fresh blocks, then frees them all for
 * SEAL to reuse; returns the bytes written. The heap keeps its size (a WebAssembly heap never
 * shrinks), so `bytes` should not exceed what the thread's work will use.
 */
export async function warmSealHeap(bytes: number, options: WarmOptions): Promise<number> {
  const seal = await loadSeal();
  const pool = newMemoryPool(seal);
  const blocks: Array<{ delete(): void }> = [];
  let written = 0;
  // Atomics.waitAsync does not keep the event loop alive: without this, a thread whose other
  // listeners are gone would end while it waits for a permit.
  const alive = setInterval(() => {}, 2 ** 30);
  const restorePriority = lowestPriority();
  try {
    while (written < bytes && (await acquire(options))) {
      try {
        const size = Math.min(BLOCK_BYTES, bytes - written);
        const block = seal.PlainText({ pool: pool as never });
        blocks.push(block);
        // Resizing zero-fills the coefficients (8 bytes each): every page is written.
        block.resize(Math.ceil(size / 8));
        written += size;
      } finally {
        Atomics.add(options.permits, 0, 1);
        Atomics.notify(options.permits, 0, 1);
      }
      // Lets the thread's messages in (the one that stops it among them), and the others take the permit.
      await sleep(0);
    }
  } finally {
    restorePriority?.();
    clearInterval(alive);
    for (const block of blocks) block.delete();
    pool.delete();
  }
  return written;
}

/** `Atomics.waitAsync` (Node 16 on), missing from this project's ES2022 typings; its value is a string when it did not wait. */
const waitAsync = (Atomics as unknown as { waitAsync(cells: Int32Array, index: number, value: number, timeoutMs: number): { value: Promise<string> | string } }).waitAsync;

/** Takes a permit, waiting for one; false once `stop` says so. */
async function acquire({ permits, stop }: WarmOptions): Promise<boolean> {
  for (;;) {
    if (stop()) return false;
    const free = Atomics.load(permits, 0);
    if (free > 0) {
      if (Atomics.compareExchange(permits, 0, free, free - 1) === free) return true;
      continue;
    }
    await waitAsync(permits, 0, free, POLL_MS).value;
  }
}

/** Linux's CAP_SYS_NICE, in /proc/self/status's CapEff mask. */
const CAP_SYS_NICE = 23n;

/**
 * Sets this thread's priority to the lowest (nice 19) and returns what puts it back, or null
 * (nothing changed) off Linux or where the thread could not raise it back: that takes
 * CAP_SYS_NICE or an RLIMIT_NICE allowing the old value, read from /proc without trying.
 */
function lowestPriority(): (() => void) | null {
  if (process.platform !== 'linux') return null;
  try {
    // setpriority(2) on a thread id changes that thread only.
    const thread = Number(readlinkSync('/proc/thread-self').split('/').pop());
    const own = getPriority(thread);
    const capabilities = /CapEff:\s*([0-9a-f]+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    const limit = /Max nice priority\s+(\d+|unlimited)/.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1];
    // RLIMIT_NICE r lets a thread lower its nice value down to 20 - r.
    const mayRaise = (capabilities !== undefined && ((BigInt(`0x${capabilities}`) >> CAP_SYS_NICE) & 1n) === 1n)
      || limit === 'unlimited' || (limit !== undefined && 20 - Number(limit) <= own);
    if (!mayRaise || !Number.isInteger(thread)) return null;
    setPriority(thread, 19);
    return () => {
      try {
        setPriority(thread, own);
      } catch {
        // Checked above; should it fail all the same, the thread only runs slower beside other work.
      }
    };
  } catch {
    return null;
  }
}
