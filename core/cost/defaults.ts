/**
 * The shipped calibration, measured on this project's machine (2 cores, Node 20, node-seal 6.0.3)
 * by the built CLI, `hekit calibrate --repeat 3` (each figure the lowest of three runs) on an
 * otherwise idle machine. Planning uses it unless the machine it runs on has a calibration of its
 * own (cli/cost-cache.ts).
 */
import type { Calibration } from './model.js';

/** Op timings (ms) by primes, key generation by chain length, transfer, heap and pool, measured on 2026-12-04. */
export const DEFAULT_CALIBRATION: Calibration = {
  format: 'hekit/calibration', version: 3, created: '2026-12-04T20:10:05.236Z',
  machine: { cpu: 'AMD EPYC', cores: 2, node: '20.20.2', nodeSeal: '6.0.3' },
  rings: [
    {
      ringDegree: 8192,
      ops: [
        { op: 'decrypt', primes: 1, ms: 0.3518 }, { op: 'decrypt', primes: 2, ms: 0.8885 }, { op: 'decrypt', primes: 3, ms: 1.362 }, { op: 'decrypt', primes: 4, ms: 1.838 }, { op: 'decrypt', primes: 6, ms: 3.125 },
        { op: 'add', primes: 1, ms: 0.0198 }, { op: 'add', primes: 2, ms: 0.03626 }, { op: 'add', primes: 3, ms: 0.05282 }, { op: 'add', primes: 4, ms: 0.06794 }, { op: 'add', primes: 6, ms: 0.09594 },
        { op: 'mul', primes: 1, ms: 0.2874 }, { op: 'mul', primes: 2, ms: 0.5754 }, { op: 'mul', primes: 3, ms: 0.8553 }, { op: 'mul', primes: 4, ms: 1.141 }, { op: 'mul', primes: 6, ms: 1.729 },
        { op: 'relinearize', primes: 1, ms: 1.297 }, { op: 'relinearize', primes: 2, ms: 2.522 }, { op: 'relinearize', primes: 3, ms: 4.168 }, { op: 'relinearize', primes: 4, ms: 6.226 }, { op: 'relinearize', primes: 6, ms: 11.09 },
        { op: 'rotate', primes: 1, ms: 1.317 }, { op: 'rotate', primes: 2, ms: 2.543 }, { op: 'rotate', primes: 3, ms: 4.184 }, { op: 'rotate', primes: 4, ms: 6.122 }, { op: 'rotate', primes: 6, ms: 11.08 },
        { op: 'rescale', primes: 2, ms: 0.6107 }, { op: 'rescale', primes: 3, ms: 0.9938 }, { op: 'rescale', primes: 4, ms: 1.312 }, { op: 'rescale', primes: 6, ms: 2.078 },
        { op: 'encrypt', primes: 2, ms: 4.229 }, { op: 'encrypt', primes: 4, ms: 6.476 }, { op: 'encrypt', primes: 6, ms: 8.916 },
        { op: 'addPlain', primes: 2, ms: 0.4917 }, { op: 'addPlain', primes: 4, ms: 0.893 }, { op: 'addPlain', primes: 6, ms: 1.25 },
        { op: 'mulPlain', primes: 2, ms: 0.7461 }, { op: 'mulPlain', primes: 4, ms: 1.444 }, { op: 'mulPlain', primes: 6, ms: 2.028 },
      ],
      keys: [
        { primes: 2, keysMs: 162.3, galoisKeyMs: 3.373 },
        { primes: 4, keysMs: 371.9, galoisKeyMs: 9.726 },
        { primes: 6, keysMs: 674.3, galoisKeyMs: 19.13 },
      ],
    },
    {
      ringDegree: 16384,
      ops: [
        { op: 'decrypt', primes: 1, ms: 0.8199 }, { op: 'decrypt', primes: 2, ms: 1.765 }, { op: 'decrypt', primes: 5, ms: 4.994 }, { op: 'decrypt', primes: 8, ms: 9.064 }, { op: 'decrypt', primes: 12, ms: 16.68 },
        { op: 'add', primes: 1, ms: 0.03489 }, { op: 'add', primes: 2, ms: 0.06628 }, { op: 'add', primes: 5, ms: 0.1715 }, { op: 'add', primes: 8, ms: 0.2705 }, { op: 'add', primes: 12, ms: 0.4429 },
        { op: 'mul', primes: 1, ms: 0.5543 }, { op: 'mul', primes: 2, ms: 1.143 }, { op: 'mul', primes: 5, ms: 2.925 }, { op: 'mul', primes: 8, ms: 4.702 }, { op: 'mul', primes: 12, ms: 7.23 },
        { op: 'relinearize', primes: 1, ms: 2.625 }, { op: 'relinearize', primes: 2, ms: 5.281 }, { op: 'relinearize', primes: 5, ms: 17.57 }, { op: 'relinearize', primes: 8, ms: 36.6 }, { op: 'relinearize', primes: 12, ms: 75.99 },
        { op: 'rotate', primes: 1, ms: 2.643 }, { op: 'rotate', primes: 2, ms: 5.266 }, { op: 'rotate', primes: 5, ms: 17.66 }, { op: 'rotate', primes: 8, ms: 36.92 }, { op: 'rotate', primes: 12, ms: 76.49 },
        { op: 'rescale', primes: 2, ms: 1.271 }, { op: 'rescale', primes: 5, ms: 3.668 }, { op: 'rescale', primes: 8, ms: 5.999 }, { op: 'rescale', primes: 12, ms: 9.537 },
        { op: 'encrypt', primes: 2, ms: 8.573 }, { op: 'encrypt', primes: 5, ms: 15.81 }, { op: 'encrypt', primes: 8, ms: 22.84 },
        { op: 'addPlain', primes: 2, ms: 1.071 }, { op: 'addPlain', primes: 5, ms: 2.284 }, { op: 'addPlain', primes: 8, ms: 3.584 },
        { op: 'mulPlain', primes: 2, ms: 1.549 }, { op: 'mulPlain', primes: 5, ms: 3.558 }, { op: 'mulPlain', primes: 8, ms: 5.542 },
      ],
      keys: [
        { primes: 2, keysMs: 324.6, galoisKeyMs: 6.36 },
        { primes: 5, keysMs: 992.7, galoisKeyMs: 27.65 },
        { primes: 8, keysMs: 2053, galoisKeyMs: 63.87 },
      ],
    },
  ],
  transferMsPerMiB: 2.303,
  heapGrowthMsPerMiB: 3.423,
  pool: { workerStartMs: 293.8, runMs: 0.1603, slowdown: 1.072 },
};
