/**
 * `hekit calibrate`: times each op kind, key generation, ciphertext transfer and a worker pool's
 * set-up on this machine at a few levels of N = 8192 and 16384 (32768 with --rings), fits the cost
 * model (core/cost) and caches the result under the machine's description, where planning
 * (`hekit train --plan`) finds it. Each figure is the lowest of its repeats; the pool's slowdown is
 * the median of paired runs.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Command } from 'commander';
import { createSealBackend, loadCiphertext, saveCiphertext } from '../backends/seal/index.js';
import { createSealPool } from '../backends/seal/pool/index.js';
import { eachGaloisKey } from '../backends/seal/serialize/keys.js';
import type { Backend, CkksParamsLiteral } from '../core/index.js';
import { CALIBRATION_VERSION, createCostModel, evaluationKeyBytes, type Calibration, type CostFit, type KeySample, type MachineDescription, type OpSample, type RingCalibration } from '../core/cost/index.js';
import { calibrationPath, machineDescription } from './cost-cache.js';
import { configure, integer, list, choice, option, parseWith } from './options.js';

/** What `hekit calibrate` was asked for. */
export interface CalibrateArgs {
  readonly rings: readonly number[];
  /** Whole measurements repeated; each figure is the lowest over them. */
  readonly repeat: number;
  readonly json: boolean;
}

/** `hekit calibrate`'s options, descriptions, defaults and examples (no action: hekit.ts adds it). */
export function calibrateCommand(): Command {
  return configure(new Command('calibrate'))
    .summary('time the CKKS ops on this machine, for planning by predicted time')
    .description('Time each op kind (multiply, relinearize, rescale, rotate, mulPlain, addPlain, add, encrypt under the public and the secret key, decrypt), key generation, ' +
      'ciphertext transfer and a worker pool (its start, its overhead per run, how much slower ops run side by side) at a few levels of ' +
      'each ring degree, fit the cost model, and cache it under this ' +
      "machine's description (CPU, cores, Node and node-seal versions) in $HEKIT_CACHE_DIR or the user's cache folder. " +
      'hekit train --plan then predicts with it instead of the shipped defaults. Progress on stderr; the fits (or --json, the calibration) on stdout.')
    .addOption(option('rings', 'LIST', 'ring degrees to time, comma-separated (8192, 16384, 32768; 32768 adds about a minute)',
      list((name, text) => Number(choice('8192', '16384', '32768')(name, text))), [8192, 16384], '8192,16384'))
    .addOption(option('repeat', 'R', 'repeat the whole measurement R times and keep the lowest of each figure (1 to 10)', integer(1, 10), 1))
    .addOption(option('json', null, 'print the calibration as JSON on stdout instead of the fits', null))
    .addHelpText('after', `
Examples:
  hekit calibrate                      N = 8192 and 16384, about 35 seconds on 2 cores
  hekit calibrate --repeat 3 --json    the lowest of three runs, as JSON
  hekit calibrate --rings 8192,16384,32768

Exit codes: 0 done, 1 failure, 2 bad usage.`);
}

/** Options `cmd` parsed. */
export function calibrateArgsOf(cmd: Command): CalibrateArgs {
  const v = cmd.opts<{ rings: number[]; repeat: number; json?: boolean }>();
  return { rings: [...new Set(v.rings)].sort((a, b) => a - b), repeat: v.repeat, json: v.json === true };
}

/** Parses `hekit calibrate` options; throws UsageError. */
export function parseCalibrateArgs(argv: readonly string[]): CalibrateArgs {
  return calibrateArgsOf(parseWith(calibrateCommand(), argv));
}

/** What each ring is timed on: a chain of small primes (op times do not depend on their size), the primes to time ops at, chains to make keys for. */
const PLANS: Readonly<Record<number, { chain: CkksParamsLiteral; opPrimes: number[]; keyPrimes: number[]; galoisKeys: number; repeats: number }>> = {
  8192: { chain: { ringDegree: 8192, bitSizes: [36, 28, 28, 28, 28, 28, 40], scale: 2 ** 28 }, opPrimes: [1, 2, 3, 4, 6], keyPrimes: [2, 4, 6], galoisKeys: 6, repeats: 3 },
  16384: { chain: { ringDegree: 16384, bitSizes: [40, ...Array<number>(11).fill(30), 60], scale: 2 ** 30 }, opPrimes: [1, 2, 5, 8, 12], keyPrimes: [2, 5, 8], galoisKeys: 4, repeats: 2 },
  32768: { chain: { ringDegree: 32768, bitSizes: [50, ...Array<number>(19).fill(40), 60], scale: 2 ** 40 }, opPrimes: [1, 2, 8, 14, 20], keyPrimes: [4, 12, 20], galoisKeys: 2, repeats: 2 },
};

const now = (): number => performance.now();
const lowest = (times: number, run: () => number): number => Math.min(...Array.from({ length: times }, run));
/** The median of an odd number of values. */
const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
/** The lowest of at least `times` runs, more for quick ops (until 20 ms in all, at most 25 runs): one sub-millisecond run is mostly noise. */
function lowestQuick(times: number, run: () => number): number {
  let best = Infinity, spent = 0;
  for (let i = 0; i < 25 && (i < times || spent < 20); i++) {
    const ms = run();
    best = Math.min(best, ms);
    spent += ms;
  }
  return best;
}

/** `chain` cut to its first `dataPrimes` data primes (the special prime kept). */
const cut = (chain: CkksParamsLiteral, dataPrimes: number): CkksParamsLiteral =>
  ({ ...chain, bitSizes: [...chain.bitSizes.slice(0, dataPrimes), chain.bitSizes[chain.bitSizes.length - 1]!] });

/** Times every op kind on ciphertexts of each of `primes` primes. */
function timeOps(ev: Backend, primes: readonly number[], repeats: number): OpSample[] {
  const values = Array.from({ length: ev.params.slots }, (_, i) => Math.sin(i) / 2);
  const samples: OpSample[] = [];
  for (const p of primes) {
    const level = p - 1;
    const timed = (op: OpSample['op'], run: () => unknown): void => {
      samples.push({ op, primes: p, ms: lowestQuick(repeats, () => {
        const t0 = now();
        run();
        return now() - t0;
      }) });
    };
    // At the last level a product must fit the first prime alone: a small scale there.
    const at = level === 0 ? { level, scale: 2 ** 12 } : { level };
    // The scope frees every ciphertext the timings made.
    ev.scope(() => {
      const x = ev.encrypt(values, at);
      const y = ev.encrypt(values, at);
      const product = ev.mul(x, y);
      const relinearized = ev.relinearize(product);
      timed('decrypt', () => ev.decrypt(x));
      timed('add', () => ev.add(x, y));
      timed('mul', () => ev.mul(x, y));
      timed('relinearize', () => ev.relinearize(product));
      // Nothing rescales from the last level.
      if (level > 0) timed('rescale', () => ev.rescale(relinearized));
      timed('rotate', () => ev.rotate(x, 1));
    });
  }
  return samples;
}

async function timeBackend(params: CkksParamsLiteral, rotations: readonly number[]): Promise<number> {
  const t0 = now();
  const ev = await createSealBackend(params, { rotations });
  const ms = now() - t0;
  ev.dispose();
  return ms;
}

/** Key generation on chains of `keyPrimes` data primes: context, secret, public and relinearization keys, then `galoisKeys` Galois keys one by one. */
async function timeKeys(chain: CkksParamsLiteral, keyPrimes: readonly number[], galoisKeys: number, repeats: number): Promise<{ keys: KeySample[]; encodes: OpSample[] }> {
  const keys: KeySample[] = [];
  const encodes: OpSample[] = [];
  const steps = Array.from({ length: galoisKeys }, (_, i) => 2 ** i);
  for (const p of keyPrimes) {
    const t0 = now();
    const ev = await createSealBackend(cut(chain, p));
    const keysMs = now() - t0;
    try {
      const t1 = now();
      eachGaloisKey(ev, steps, 'calibrate', () => 0);
      keys.push({ primes: p, keysMs, galoisKeyMs: (now() - t1) / galoisKeys });
      encodes.push(...timeEncodingOps(ev, repeats));
    } finally {
      ev.dispose();
    }
  }
  return { keys, encodes };
}

/**
 * The ops that encode a plaintext (encryption under either key, addPlain, mulPlain), at the top of `ev`'s chain:
 * node-seal encodes at the first level only, then switches down, so their price follows the
 * chain's length more than the operand's level (priced at the chain's top: core/cost/predict.ts).
 */
function timeEncodingOps(ev: Backend, repeats: number): OpSample[] {
  const values = Array.from({ length: ev.params.slots }, (_, i) => Math.sin(i) / 2);
  const primes = ev.params.maxLevel + 1;
  const timed = (op: OpSample['op'], run: () => unknown): OpSample =>
    ({ op, primes, ms: lowestQuick(repeats, () => {
      const t0 = now();
      run();
      return now() - t0;
    }) });
  return ev.scope(() => {
    const x = ev.encrypt(values);
    return [
      timed('encrypt', () => ev.encrypt(values)), timed('encryptSymmetric', () => ev.encrypt(values, { symmetric: true })),
      timed('addPlain', () => ev.addPlain(x, values)), timed('mulPlain', () => ev.mulPlain(x, values)),
    ];
  });
}

/** ±1, ±2, ..., ±128: the Galois keys of the heap and pool timings. */
const SIXTEEN_STEPS: readonly number[] = Array.from({ length: 8 }, (_, i) => 2 ** i).flatMap((s) => [s, -s]);

/**
 * The first use of a fresh heap's memory, per MiB: the same keys (N = 16384, 8 data primes, 16
 * Galois keys, 300 MiB) made twice, the first time on memory this process never used. Only right
 * first thing in a process: its heap never shrinks.
 */
async function timeHeapGrowth(): Promise<number> {
  const params = cut(PLANS[16384]!.chain, 8);
  const [fresh, again] = [await timeBackend(params, SIXTEEN_STEPS), await timeBackend(params, SIXTEEN_STEPS)];
  return Math.max(0, fresh - again) / (evaluationKeyBytes(16384, 8, SIXTEEN_STEPS.length) / 2 ** 20);
}

/** Saving a ciphertext (SEAL bytes, no compression) and loading it back, per MiB, at the top of `chain`. */
async function timeTransfer(chain: CkksParamsLiteral, repeats: number): Promise<number> {
  const ev = await createSealBackend(chain);
  try {
    const x = ev.encrypt(0.5);
    let bytes = 0;
    const ms = lowest(repeats, () => {
      const t0 = now();
      const saved = saveCiphertext(ev, x, { compression: 'none' });
      ev.free(loadCiphertext(ev, saved));
      bytes = saved.length;
      return now() - t0;
    });
    return ms / (bytes / 2 ** 20);
  } finally {
    ev.dispose();
  }
}

/** Seconds of `chains` independent chains of `length` rotations each, summed and decrypted: a circuit as wide as `chains`. */
function timeChains(ev: Backend, chains: number, length: number): number {
  const t0 = now();
  ev.scope(() => {
    const ends = Array.from({ length: chains }, (_, c) => {
      let x = ev.encrypt(0.25 + c / 64);
      for (let i = 0; i < length; i++) x = ev.rotate(x, 1);
      return x;
    });
    ev.decrypt(ends.reduce((a, b) => ev.add(a, b)));
  });
  return now() - t0;
}

/**
 * A pool of `workers` at N = 16384 (5 data primes, 16 Galois keys): a circuit on it against one
 * thread, a tiny one (one rotation) for the overhead per run and a wide one (8 chains of 6
 * rotations, warmed up, then timed in turns) for how much slower ops run side by side; then its
 * worker start, solved from its set-up timed whole less what `rings`' key-generation curves say
 * the keys cost at that slowdown (the model's `poolSetUpMs`).
 */
async function timePool(workers: number, cores: number, rings: readonly RingCalibration[], heapGrowthMsPerMiB: number, machine: MachineDescription, repeats: number): Promise<Calibration['pool']> {
  const params = cut(PLANS[16384]!.chain, 5);
  const t0 = now();
  const pool = await createSealPool(params, { rotations: SIXTEEN_STEPS, workers });
  const ms = now() - t0;
  let thread: Backend | undefined;
  let tiny: number, wide: number;
  try {
    const single = await createSealBackend(params, { rotations: [1] });
    thread = single;
    const run = (ev: Backend, chains: number, length: number): number => lowest(repeats, () => timeChains(ev, chains, length));
    // Warm-ups of the wide circuit: its first runs grow every heap (on the reference machine the
    // pool's first two took 1.07 and 0.87 s, later ones 0.67 to 0.73 s), which is not slowdown.
    timeChains(pool, 8, 6);
    timeChains(single, 8, 6);
    tiny = Math.max(0, run(pool, 1, 1) - run(single, 1, 1));
    // Alone and side by side in turns, the median ratio: the lowest of each apart would pair one's
    // quiet minute with the other's busy one.
    const ratios = Array.from({ length: 2 * repeats + 1 }, () => {
      const alone = timeChains(single, 8, 6);
      return (workers * Math.max(1, timeChains(pool, 8, 6) - tiny)) / alone;
    });
    wide = Math.max(1, median(ratios));
  } finally {
    pool.dispose();
    thread?.dispose();
  }
  const model = createCostModel({ format: 'hekit/calibration', version: CALIBRATION_VERSION, machine, created: '', rings, transferMsPerMiB: 1, heapGrowthMsPerMiB, pool: { workerStartMs: 1, runMs: 0, slowdown: 1 } }, 'calibrated');
  const keys = model.keyGenMs(16384, 5, SIXTEEN_STEPS.length);
  // ms = (start + slowdown·keys) · max(1, workers / cores).
  return { workerStartMs: Math.max(1, ms / Math.max(1, workers / cores) - wide * keys), runMs: tiny, slowdown: wide };
}

/** Lowest of each figure over several calibrations of the same rings. */
function lowestOf(runs: readonly Calibration[]): Calibration {
  const [first] = runs as [Calibration, ...Calibration[]];
  const rings = first.rings.map((ring, i): RingCalibration => ({
    ringDegree: ring.ringDegree,
    ops: ring.ops.map((s, j) => ({ ...s, ms: Math.min(...runs.map((r) => r.rings[i]!.ops[j]!.ms)) })),
    keys: ring.keys.map((k, j) => ({
      primes: k.primes, keysMs: Math.min(...runs.map((r) => r.rings[i]!.keys[j]!.keysMs)), galoisKeyMs: Math.min(...runs.map((r) => r.rings[i]!.keys[j]!.galoisKeyMs)),
    })),
  }));
  return {
    ...first, rings,
    transferMsPerMiB: Math.min(...runs.map((r) => r.transferMsPerMiB)),
    heapGrowthMsPerMiB: first.heapGrowthMsPerMiB,
    pool: {
      workerStartMs: Math.min(...runs.map((r) => r.pool.workerStartMs)),
      runMs: Math.min(...runs.map((r) => r.pool.runMs)),
      slowdown: Math.min(...runs.map((r) => r.pool.slowdown)),
    },
  };
}

/** Measures a calibration of `args.rings` on this machine; `progress` hears what is being timed. */
export async function calibrate(args: CalibrateArgs, report: (text: string) => void = () => {}, machine: MachineDescription = machineDescription()): Promise<Calibration> {
  const start = now();
  const progress = (text: string): void => report(`${((now() - start) / 1000).toFixed(1)} s: ${text}`);
  // The first backend loads the WebAssembly module: not part of any figure.
  await timeBackend(cut(PLANS[8192]!.chain, 1), []);
  const heapGrowthMsPerMiB = await timeHeapGrowth();
  const runs: Calibration[] = [];
  for (let r = 0; r < args.repeat; r++) {
    const rings: RingCalibration[] = [];
    for (const ringDegree of args.rings) {
      const plan = PLANS[ringDegree]!;
      progress(`N = ${ringDegree}: ops at ${plan.opPrimes.join(', ')} primes${args.repeat > 1 ? ` (run ${r + 1} of ${args.repeat})` : ''}`);
      const ev = await createSealBackend(plan.chain, { rotations: [1] });
      let ops: OpSample[];
      try {
        timeOps(ev, plan.opPrimes.slice(0, 1), 1); // warm-up: the first calls of each op are slower
        ops = timeOps(ev, plan.opPrimes, plan.repeats);
      } finally {
        ev.dispose();
      }
      progress(`N = ${ringDegree}: keys on chains of ${plan.keyPrimes.join(', ')} primes`);
      const { keys, encodes } = await timeKeys(plan.chain, plan.keyPrimes, plan.galoisKeys, plan.repeats);
      rings.push({ ringDegree, ops: [...ops, ...encodes], keys });
    }
    progress('transfer and pool set-up');
    const transferMsPerMiB = await timeTransfer(PLANS[16384]!.chain, 3);
    const pool = await timePool(Math.min(2, machine.cores), machine.cores, rings, heapGrowthMsPerMiB, machine, 2);
    progress('done');
    runs.push({ format: 'hekit/calibration', version: CALIBRATION_VERSION, machine, created: new Date().toISOString(), rings, transferMsPerMiB, heapGrowthMsPerMiB, pool });
  }
  return lowestOf(runs);
}

/** Writes `calibration` to this machine's cache file; returns its path. */
export function saveCalibration(calibration: Calibration, file: string = calibrationPath(calibration.machine)): string {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(calibration, null, 2)}\n`);
  return file;
}

const fmt = (c: number): string => (Math.abs(c) >= 0.01 || c === 0 ? c.toFixed(3) : c.toExponential(2));
const curve = (f: CostFit): string => f.coefficients.map((c, i) => (i === 0 ? fmt(c) : `${c < 0 ? '-' : '+'} ${fmt(Math.abs(c))}·L${i > 1 ? '²' : ''}`)).join(' ');

/** The human summary: each fitted curve (ms against L primes) and its worst residual. */
export function calibrationSummary(calibration: Calibration, file: string): string {
  const model = createCostModel(calibration, 'calibrated');
  const m = calibration.machine;
  return [
    `hekit calibrate: ${m.cpu}, ${m.cores} cores, Node ${m.node}, node-seal ${m.nodeSeal}; written to ${file}`,
    ...model.fits.map((f) => `  N = ${String(f.ringDegree).padEnd(5)} ${f.kind.padEnd(11)} ms = ${curve(f).padEnd(44)} worst residual ${(100 * f.worstResidual).toFixed(1)}%`),
    `  transfer    ${calibration.transferMsPerMiB.toFixed(2)} ms per MiB (save and load, no compression)`,
    `  heap        ${calibration.heapGrowthMsPerMiB.toFixed(2)} ms per MiB a fresh heap first gives (keys of a new process or worker)`,
    `  pool        ${calibration.pool.workerStartMs.toFixed(0)} ms for a worker to start, before it makes its keys; ` +
      `${calibration.pool.runMs.toFixed(0)} ms more per run than one thread; ops ${calibration.pool.slowdown.toFixed(2)}x slower side by side`,
  ].join('\n');
}
