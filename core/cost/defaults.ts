/**
 * The shipped calibration, measured on this project's machine (2 cores shared with other jobs,
 * Node 20, node-seal 6.0.3): each op and key figure the lowest of six `hekit calibrate` runs (two
 * runs of `--repeat 3`); the pool's worker start from a later `--repeat 2` run of the built CLI
 * (calibration version 2). Planning uses it unless the machine it runs on has a calibration of
 * its own (cli/cost-cache.ts).
 */
import type { Calibration } from './model.js';

/** Op timings (ms) by primes, key generation by chain length, transfer and pool set-up, measured on 2026-12-04. */
export const DEFAULT_CALIBRATION: Calibration = {
  format: 'hekit/calibration', version: 2, created: '2026-12-04T12:40:37.592Z',
  machine: { cpu: 'AMD EPYC', cores: 2, node: '20.20.2', nodeSeal: '6.0.3' },
  rings: [
    {
      ringDegree: 8192,
      ops: [
        { op: 'encrypt', primes: 2, ms: 4.69 }, { op: 'encrypt', primes: 3, ms: 5.595 }, { op: 'encrypt', primes: 4, ms: 6.569 }, { op: 'encrypt', primes: 6, ms: 8.563 },
        { op: 'decrypt', primes: 2, ms: 0.7907 }, { op: 'decrypt', primes: 3, ms: 1.267 }, { op: 'decrypt', primes: 4, ms: 1.756 }, { op: 'decrypt', primes: 6, ms: 2.924 },
        { op: 'add', primes: 2, ms: 0.03555 }, { op: 'add', primes: 3, ms: 0.0502 }, { op: 'add', primes: 4, ms: 0.06528 }, { op: 'add', primes: 6, ms: 0.1044 },
        { op: 'addPlain', primes: 2, ms: 1.168 }, { op: 'addPlain', primes: 3, ms: 1.193 }, { op: 'addPlain', primes: 4, ms: 1.17 }, { op: 'addPlain', primes: 6, ms: 1.176 },
        { op: 'mulPlain', primes: 2, ms: 1.411 }, { op: 'mulPlain', primes: 3, ms: 1.566 }, { op: 'mulPlain', primes: 4, ms: 1.644 }, { op: 'mulPlain', primes: 6, ms: 1.913 },
        { op: 'mul', primes: 2, ms: 0.538 }, { op: 'mul', primes: 3, ms: 0.8265 }, { op: 'mul', primes: 4, ms: 1.091 }, { op: 'mul', primes: 6, ms: 1.662 },
        { op: 'relinearize', primes: 2, ms: 2.334 }, { op: 'relinearize', primes: 3, ms: 3.865 }, { op: 'relinearize', primes: 4, ms: 5.812 }, { op: 'relinearize', primes: 6, ms: 10.49 },
        { op: 'rescale', primes: 2, ms: 0.5757 }, { op: 'rescale', primes: 3, ms: 0.9461 }, { op: 'rescale', primes: 4, ms: 1.255 }, { op: 'rescale', primes: 6, ms: 1.936 },
        { op: 'rotate', primes: 2, ms: 2.356 }, { op: 'rotate', primes: 3, ms: 3.927 }, { op: 'rotate', primes: 4, ms: 6.045 }, { op: 'rotate', primes: 6, ms: 10.65 },
      ],
      keys: [
        { primes: 2, keysMs: 157.3, galoisKeyMs: 3.042 },
        { primes: 4, keysMs: 358.3, galoisKeyMs: 8.984 },
        { primes: 6, keysMs: 636.6, galoisKeyMs: 17.94 },
      ],
    },
    {
      ringDegree: 16384,
      ops: [
        { op: 'encrypt', primes: 2, ms: 12.13 }, { op: 'encrypt', primes: 5, ms: 18.66 }, { op: 'encrypt', primes: 8, ms: 23.62 }, { op: 'encrypt', primes: 12, ms: 31.38 },
        { op: 'decrypt', primes: 2, ms: 1.69 }, { op: 'decrypt', primes: 5, ms: 4.819 }, { op: 'decrypt', primes: 8, ms: 8.738 }, { op: 'decrypt', primes: 12, ms: 15.82 },
        { op: 'add', primes: 2, ms: 0.0678 }, { op: 'add', primes: 5, ms: 0.172 }, { op: 'add', primes: 8, ms: 0.274 }, { op: 'add', primes: 12, ms: 0.4234 },
        { op: 'addPlain', primes: 2, ms: 5.05 }, { op: 'addPlain', primes: 5, ms: 5.12 }, { op: 'addPlain', primes: 8, ms: 5.108 }, { op: 'addPlain', primes: 12, ms: 5.135 },
        { op: 'mulPlain', primes: 2, ms: 5.581 }, { op: 'mulPlain', primes: 5, ms: 6.372 }, { op: 'mulPlain', primes: 8, ms: 7.062 }, { op: 'mulPlain', primes: 12, ms: 8.613 },
        { op: 'mul', primes: 2, ms: 1.095 }, { op: 'mul', primes: 5, ms: 2.846 }, { op: 'mul', primes: 8, ms: 4.867 }, { op: 'mul', primes: 12, ms: 8.611 },
        { op: 'relinearize', primes: 2, ms: 4.885 }, { op: 'relinearize', primes: 5, ms: 21.63 }, { op: 'relinearize', primes: 8, ms: 44.35 }, { op: 'relinearize', primes: 12, ms: 82.23 },
        { op: 'rescale', primes: 2, ms: 1.225 }, { op: 'rescale', primes: 5, ms: 3.488 }, { op: 'rescale', primes: 8, ms: 6.155 }, { op: 'rescale', primes: 12, ms: 10.08 },
        { op: 'rotate', primes: 2, ms: 4.886 }, { op: 'rotate', primes: 5, ms: 21.48 }, { op: 'rotate', primes: 8, ms: 43.43 }, { op: 'rotate', primes: 12, ms: 81.56 },
      ],
      keys: [
        { primes: 2, keysMs: 316.4, galoisKeyMs: 6.537 },
        { primes: 5, keysMs: 987.1, galoisKeyMs: 28.78 },
        { primes: 8, keysMs: 2043.0, galoisKeyMs: 63.55 },
      ],
    },
  ],
  transferMsPerMiB: 2.912,
  pool: { workerStartMs: 1567, runMs: 17, slowdown: 1.47 },
};
