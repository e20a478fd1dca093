/**
 * How many SEAL workers this machine can take for a planned run: at most one per core, and
 * workers whose memory (keys plus working set, estimated before any key exists) fits both a
 * worker's 4 GiB WebAssembly heap and the memory the machine has free.
 */
import { availableParallelism, freemem, totalmem } from 'node:os';
import { keySwitchingKeyBytes, publicKeyBytes } from '../backends/seal/index.js';
import type { CkksParams } from '../core/index.js';
import { UsageError } from './options.js';

/** What the machine offers. */
export interface Machine {
  readonly cores: number;
  readonly freeBytes: number;
  readonly totalBytes: number;
}

const thisMachine = (): Machine => ({ cores: availableParallelism(), freeBytes: freemem(), totalBytes: totalmem() });

/** A worker's WebAssembly heap cannot grow past 4 GiB. */
export const WORKER_HEAP_BYTES = 2 ** 32;
/** The pool splits the Galois keys across workers above this (createSealPool's keyPlacement 'auto'). */
const SPLIT_KEYS_ABOVE = 2 ** 31;
/** Node's own memory per thread (V8 heap, the WebAssembly module, buffers): a round figure. */
const THREAD_OVERHEAD_BYTES = 2 ** 27;

/** The estimate for `workers` workers. */
export interface WorkerMemory {
  readonly workers: number;
  /** Evaluation keys one worker holds (its share of the Galois keys when split). */
  readonly keyBytes: number;
  /** Ciphertexts one worker holds at its peak. */
  readonly workingBytes: number;
  /** keyBytes + workingBytes + the thread's overhead. */
  readonly perWorker: number;
  /** The main thread: no SEAL heap (the workers make every key), the round's inputs and ciphertexts passing between workers. */
  readonly main: number;
  /** main + workers · perWorker. */
  readonly total: number;
  readonly split: boolean;
}

/**
 * Memory of a pool of `workers` at `params` with Galois keys for `steps`, running a round whose
 * dry run peaks at `peakBytes` of live ciphertexts. A worker holds its keys (its share of the
 * Galois keys when the pool splits them: `keyPlacement` as the pool's, default 'auto') and is budgeted twice the round's peak: work follows its
 * operands, operands are copied between workers, and a heap never shrinks. Against the pool's
 * measured heaps (README: 0.35 to 2.26 GiB per worker, N = 16384 and 32768) this is within
 * -10% to +40%.
 */
export function workerMemory(params: CkksParams, steps: readonly number[], peakBytes: number, workers: number, keyPlacement: 'replicate' | 'split' | 'auto' = 'auto'): WorkerMemory {
  const keySwitch = keySwitchingKeyBytes(params);
  // The keeper's secret key is below the overhead's precision.
  const evaluationKeys = publicKeyBytes(params) + keySwitch;
  const galois = steps.length * keySwitch;
  const split = workers > 1 && (keyPlacement === 'split' || (keyPlacement === 'auto' && evaluationKeys + galois > SPLIT_KEYS_ABOVE));
  const keyBytes = evaluationKeys + (split ? Math.ceil(steps.length / workers) * keySwitch : galois);
  const workingBytes = 2 * peakBytes;
  const perWorker = keyBytes + workingBytes + THREAD_OVERHEAD_BYTES;
  const main = peakBytes + THREAD_OVERHEAD_BYTES;
  return { workers, keyBytes, workingBytes, perWorker, main, total: main + workers * perWorker, split };
}

const gib = (bytes: number): string => `${(bytes / 2 ** 30).toFixed(2)} GiB`;

/** Refuses more workers than cores (checked before any planning). */
export function checkWorkerCores(workers: number, machine: Machine = thisMachine()): void {
  if (workers > machine.cores) {
    throw new UsageError(`--workers must be at most ${machine.cores} on this machine (${machine.cores} core${machine.cores > 1 ? 's' : ''} available); got ${workers}`);
  }
}

/**
 * Refuses `workers` when a worker would need more than its 4 GiB heap, or all of them more than
 * the machine's free memory; the message gives the estimate and the most workers that fit.
 */
export function checkWorkerMemory(workers: number, estimate: (workers: number) => WorkerMemory, machine: Machine = thisMachine()): WorkerMemory {
  const m = estimate(workers);
  let most = 0;
  for (let w = 1; w <= Math.min(machine.cores, 64); w++) {
    const e = estimate(w);
    if (e.perWorker <= WORKER_HEAP_BYTES && e.total <= machine.freeBytes) most = w;
  }
  const fit = most === 0 ? 'no number of workers fits; try a smaller --ring or fewer --minibatches' : `at most ${most} fit${most === 1 ? 's' : ''}`;
  if (m.perWorker > WORKER_HEAP_BYTES) {
    throw new UsageError(`--workers ${workers}: each worker would need about ${gib(m.perWorker)} (keys ${gib(m.keyBytes)}, ciphertexts ${gib(m.workingBytes)}), ` +
      `more than its 4 GiB WebAssembly heap; ${fit}`);
  }
  if (m.total > machine.freeBytes) {
    throw new UsageError(`--workers ${workers}: the run would need about ${gib(m.total)} (${gib(m.perWorker)} per worker, ${gib(m.main)} main thread), ` +
      `more than the ${gib(machine.freeBytes)} free of ${gib(machine.totalBytes)}; ${fit}`);
  }
  return m;
}
