/**
 * The shipped calibration, measured on this project's machine (2 cores, Node 20, node-seal 6.0.3)
 * by the built CLI, `hekit calibrate --repeat 3` (each figure the lowest of three runs) on an
 * otherwise idle machine. Planning uses it unless the machine it runs on has a calibration of its
 * own (cli/cost-cache.ts).
 */
import type { Calibration } from './model.js';

/** Op timings (ms) by primes, key generation by chain length, transfer, heap and pool, measured on 2026-12-04. */
export const DEFAULT_CALIBRATION: Calibration = {
  format: 'hekit/calibration', version: 2, created: '2026-12-04T15:51:14.955Z',
  machine: { cpu: 'AMD EPYC', cores: 2, node: '20.20.2', nodeSeal: '6.0.3' },
  rings: [
    {
      ringDegree: 8192,
      ops: [
        { op: 'decrypt', primes: 1, ms: 0.354 }, { op: 'decrypt', primes: 2, ms: 0.7962 }, { op: 'decrypt', primes: 3, ms: 1.286 }, { op: 'decrypt', primes: 4, ms: 1.799 }, { op: 'decrypt', primes: 6, ms: 3.046 },
        { op: 'add', primes: 1, ms: 0.02461 }, { op: 'add', primes: 2, ms: 0.03603 }, { op: 'add', primes: 3, ms: 0.07373 }, { op: 'add', primes: 4, ms: 0.06991 }, { op: 'add', primes: 6, ms: 0.1234 },
        { op: 'mul', primes: 1, ms: 0.2743 }, { op: 'mul', primes: 2, ms: 0.5235 }, { op: 'mul', primes: 3, ms: 0.8199 }, { op: 'mul', primes: 4, ms: 1.099 }, { op: 'mul', primes: 6, ms: 1.684 },
        { op: 'relinearize', primes: 1, ms: 1.185 }, { op: 'relinearize', primes: 2, ms: 2.287 }, { op: 'relinearize', primes: 3, ms: 3.925 }, { op: 'relinearize', primes: 4, ms: 5.793 }, { op: 'relinearize', primes: 6, ms: 10.78 },
        { op: 'rotate', primes: 1, ms: 1.186 }, { op: 'rotate', primes: 2, ms: 2.317 }, { op: 'rotate', primes: 3, ms: 3.941 }, { op: 'rotate', primes: 4, ms: 5.785 }, { op: 'rotate', primes: 6, ms: 10.77 },
        { op: 'rescale', primes: 2, ms: 0.5628 }, { op: 'rescale', primes: 3, ms: 0.9401 }, { op: 'rescale', primes: 4, ms: 1.288 }, { op: 'rescale', primes: 6, ms: 2.024 },
        { op: 'encrypt', primes: 2, ms: 4.061 }, { op: 'encrypt', primes: 4, ms: 6.218 }, { op: 'encrypt', primes: 6, ms: 8.638 },
        { op: 'addPlain', primes: 2, ms: 0.485 }, { op: 'addPlain', primes: 4, ms: 0.8078 }, { op: 'addPlain', primes: 6, ms: 1.275 },
        { op: 'mulPlain', primes: 2, ms: 0.7237 }, { op: 'mulPlain', primes: 4, ms: 1.302 }, { op: 'mulPlain', primes: 6, ms: 2 },
      ],
      keys: [
        { primes: 2, keysMs: 162.8, galoisKeyMs: 3.101 },
        { primes: 4, keysMs: 373.4, galoisKeyMs: 9.287 },
        { primes: 6, keysMs: 658.7, galoisKeyMs: 18.65 },
      ],
    },
    {
      ringDegree: 16384,
      ops: [
        { op: 'decrypt', primes: 1, ms: 0.7235 }, { op: 'decrypt', primes: 2, ms: 1.827 }, { op: 'decrypt', primes: 5, ms: 5.076 }, { op: 'decrypt', primes: 8, ms: 9.337 }, { op: 'decrypt', primes: 12, ms: 16.98 },
        { op: 'add', primes: 1, ms: 0.03755 }, { op: 'add', primes: 2, ms: 0.0732 }, { op: 'add', primes: 5, ms: 0.1776 }, { op: 'add', primes: 8, ms: 0.2899 }, { op: 'add', primes: 12, ms: 0.4659 },
        { op: 'mul', primes: 1, ms: 0.5577 }, { op: 'mul', primes: 2, ms: 1.148 }, { op: 'mul', primes: 5, ms: 3.005 }, { op: 'mul', primes: 8, ms: 4.758 }, { op: 'mul', primes: 12, ms: 7.142 },
        { op: 'relinearize', primes: 1, ms: 2.673 }, { op: 'relinearize', primes: 2, ms: 5.246 }, { op: 'relinearize', primes: 5, ms: 17.5 }, { op: 'relinearize', primes: 8, ms: 37.01 }, { op: 'relinearize', primes: 12, ms: 85.78 },
        { op: 'rotate', primes: 1, ms: 2.666 }, { op: 'rotate', primes: 2, ms: 5.272 }, { op: 'rotate', primes: 5, ms: 17.8 }, { op: 'rotate', primes: 8, ms: 37.94 }, { op: 'rotate', primes: 12, ms: 75.96 },
        { op: 'rescale', primes: 2, ms: 1.294 }, { op: 'rescale', primes: 5, ms: 3.671 }, { op: 'rescale', primes: 8, ms: 6.114 }, { op: 'rescale', primes: 12, ms: 9.543 },
        { op: 'encrypt', primes: 2, ms: 8.407 }, { op: 'encrypt', primes: 5, ms: 15.91 }, { op: 'encrypt', primes: 8, ms: 22.42 },
        { op: 'addPlain', primes: 2, ms: 1.045 }, { op: 'addPlain', primes: 5, ms: 2.229 }, { op: 'addPlain', primes: 8, ms: 3.546 },
        { op: 'mulPlain', primes: 2, ms: 1.579 }, { op: 'mulPlain', primes: 5, ms: 3.549 }, { op: 'mulPlain', primes: 8, ms: 5.631 },
      ],
      keys: [
        { primes: 2, keysMs: 323.9, galoisKeyMs: 6.248 },
        { primes: 5, keysMs: 1002, galoisKeyMs: 27.23 },
        { primes: 8, keysMs: 2056, galoisKeyMs: 63.27 },
      ],
    },
  ],
  transferMsPerMiB: 2.385,
  heapGrowthMsPerMiB: 4.476,
  pool: { workerStartMs: 688.3, runMs: 3.882, slowdown: 1.105 },
};
