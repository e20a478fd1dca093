/**
 * What a benchmark run measures: the parameter sets (one per ring degree N, all 128-bit
 * secure, scale 2^40) and the benny/Benchmark.js sampling settings of each mode.
 */
import type { CkksParamsLiteral } from '../core/index.js';
import { resultsDir } from './paths.js';

export const SCALE = 2 ** 40;

/** One parameter set per ring degree: the chain the BRIEF's timings were taken on. */
export const PARAMS: Readonly<Record<number, CkksParamsLiteral>> = {
  // 200 of 218 bits allowed: 2 levels.
  8192: { ringDegree: 8192, bitSizes: [60, 40, 40, 60], scale: SCALE },
  // 360 of 438 bits: 7 levels.
  16384: { ringDegree: 16384, bitSizes: [60, 40, 40, 40, 40, 40, 40, 60], scale: SCALE },
  // 720 of 881 bits: 15 levels; a fresh ciphertext is 8.4 MB.
  32768: { ringDegree: 32768, bitSizes: [60, ...Array<number>(15).fill(40), 60], scale: SCALE },
};

/** The one rotation step benchmarked; it has its own Galois key on every backend. */
export const STEP = 1;

export interface RunOptions {
  readonly mode: 'quick' | 'full';
  readonly ringDegrees: readonly number[];
  /** Benchmark.js: at least this many samples per case. */
  readonly minSamples: number;
  /** Benchmark.js: stop sampling a case after this many seconds (once minSamples are in). */
  readonly maxTime: number;
  /** Overhead suite repetitions, in alternating case order (ABBA) so drift cancels. */
  readonly overheadRounds: number;
  /** Benchmark.js maxTime per case in each overhead round: many short rounds beat one long one on a shared machine. */
  readonly overheadMaxTime: number;
  /** Folder for the JSON files and README.md. */
  readonly out: string;
}

const defaultOut = (mode: 'quick' | 'full'): string => resultsDir(mode === 'quick');

const USAGE = `usage: npm run bench -- [--quick] [--n 8192,16384] [--max-time S] [--rounds R] [--round-time S] [--out DIR]
  --quick       N = 8192 and 16384; 0.5 s per case; 2 overhead rounds of 0.25 s per case; writes benchmarks/results/quick/
  (default)     N = 8192, 16384 and 32768; 3 s per case; 6 overhead rounds of 1.5 s per case; writes benchmarks/results/
  --max-time    seconds of sampling per case (ops and simulator-vs-SEAL suites)
  --rounds      overhead rounds, alternating case order; --round-time: seconds per case in each`;

/** Parses `process.argv`-style flags. Throws with the usage text on anything unknown. */
export function parseArgs(argv: readonly string[]): RunOptions {
  const args = [...argv];
  const mode = args.includes('--quick') ? 'quick' : 'full';
  let ringDegrees: number[] = mode === 'quick' ? [8192, 16384] : [8192, 16384, 32768];
  let maxTime = mode === 'quick' ? 0.5 : 3;
  let overheadRounds = mode === 'quick' ? 2 : 6;
  let overheadMaxTime = mode === 'quick' ? 0.25 : 1.5;
  let out = defaultOut(mode);
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    const value = (): string => {
      const v = args[++i];
      if (v === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
      return v;
    };
    switch (flag) {
      case '--quick': break;
      case '--n':
        ringDegrees = value().split(',').map(Number);
        for (const n of ringDegrees) if (PARAMS[n] === undefined) throw new Error(`no parameter set for N = ${n}\n${USAGE}`);
        break;
      case '--max-time': maxTime = Number(value()); break;
      case '--rounds': overheadRounds = Math.max(1, Math.trunc(Number(value()))); break;
      case '--round-time': overheadMaxTime = Number(value()); break;
      case '--out': out = value(); break;
      case '--help': case '-h': throw new Error(USAGE);
      default: throw new Error(`unknown argument ${flag}\n${USAGE}`);
    }
  }
  if (!(maxTime > 0) || !(overheadMaxTime > 0)) throw new Error(`--max-time and --round-time must be > 0\n${USAGE}`);
  return { mode, ringDegrees, minSamples: 5, maxTime, overheadRounds, overheadMaxTime, out };
}

/** Deterministic slot values in [-1, 1]: the same inputs on every backend and every run. */
export function slotValues(slots: number, seed: number): Float64Array {
  return Float64Array.from({ length: slots }, (_, i) => Math.sin(0.7 * i + seed));
}
