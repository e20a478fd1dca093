import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { createParams } from '../core/index.js';
import { analyze } from '../core/analysis/analyze.js';
import { analyzeCommand, parseAnalyzeArgs, type AnalyzeReport } from './analyze.js';
import { cubeAndShift } from './fixtures/circuits.js';
import { checkWorkerCores, checkWorkerMemory, workerMemory, type Machine } from './machine.js';
import { progressTo } from './progress.js';
import { predictCommand } from './predict.js';
import type { CandidateJson } from './plan.js';
import { parseTrainArgs, trainCommand, type TrainReport } from './train.js';

const root = fileURLToPath(new URL('..', import.meta.url));
/** Plans priced with the shipped cost model whatever this machine has cached (hekit calibrate), so runs plan alike everywhere. */
const SHIPPED_COSTS = { ...process.env, HEKIT_CACHE_DIR: join(tmpdir(), 'hekit-tests-no-calibration') };
const hekit = (...args: string[]) => {
  const t0 = performance.now();
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'cli/hekit.ts', ...args], { cwd: root, encoding: 'utf8', env: SHIPPED_COSTS });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr, seconds: (performance.now() - t0) / 1000 };
};
const GiB = 2 ** 30;
const bigMachine: Machine = { cores: 64, freeBytes: 512 * GiB, totalBytes: 512 * GiB };
/** Help text with line wrapping undone. */
const flat = (text: string): string => text.replace(/\s+/g, ' ');
/**
 * A duration as progress prints it (cli/progress.ts): 3.0 s below 10 s, then 12 s, then 1 min 05 s.
 * Which form a line gets depends on how fast the machine is, so patterns accept all three.
 */
const DURATION = String.raw`(?:\d+\.\d s|\d+ s|\d+ min \d{2} s)`;
const pattern = (source: string): RegExp => new RegExp(source.replaceAll('DURATION', DURATION));

describe('hekit --help and --version', () => {
  it('lists the commands with what they do, and exits with 0', () => {
    const { code, stdout, stderr } = hekit('--help');
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toMatch(/^Usage: hekit \[options\] \[command\]/);
    expect(flat(stdout)).toContain('train [options] train logistic regression on encrypted data');
    expect(flat(stdout)).toContain('predict [options] classify the rows of a CSV file');
    expect(flat(stdout)).toContain('analyze [options] what a circuit costs');
    expect(stdout).toContain('-V, --version');
  });

  it.each([
    ['train', trainCommand],
    ['predict', predictCommand],
    ['analyze', analyzeCommand],
  ] as const)('hekit %s --help describes the command and shows every option with its default, and examples', (name, command) => {
    const { code, stdout } = hekit(name, '--help');
    expect(code).toBe(0);
    const text = flat(stdout);
    expect(stdout).toMatch(new RegExp(`^Usage: hekit ${name} \\[options\\]`));
    expect(text).toContain(flat(command().description()).slice(0, 60));
    for (const o of command().options) {
      expect(text).toContain(o.flags);
      expect(text).toContain(flat(o.description));
      const shown = o.defaultValueDescription ?? (o.defaultValue === undefined ? undefined : JSON.stringify(o.defaultValue));
      if (shown !== undefined) expect(text).toContain(`${o.flags} ${flat(o.description)} (default: ${shown})`);
    }
    expect(stdout).toContain('Examples:');
    expect(stdout).toContain(`  hekit ${name} --`);
    expect(hekit('help', name).stdout).toBe(stdout);
  });

  it('shows the defaults users rely on', () => {
    const text = flat(hekit('train', '--help').stdout);
    for (const d of ['(default: mnist:3,8)', '(default: seal)', '(default: auto)', '(default: 9)', '(default: 2)', '(default: inject)', '(default: 1)']) {
      expect(text).toContain(d);
    }
  });

  it("--version prints package.json's version and exits with 0", () => {
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    const { code, stdout } = hekit('--version');
    expect(code).toBe(0);
    expect(stdout).toBe(`${version}\n`);
  });
});

describe('hekit train options', () => {
  it('defaults to MNIST 3 vs 8, the SEAL backend, the low-depth circuit, the minibatch shape and ring planned from the data', () => {
    expect(parseTrainArgs([])).toMatchObject({
      data: { kind: 'mnist', digits: [3, 8] }, label: null, positive: null, testFraction: null, out: null, curve: null, testOut: null,
      backend: 'seal', circuit: null, minibatches: null, batchSize: null, seed: 1, json: false, workers: null, quiet: false, noise: 'inject',
      ringDegree: null, perRound: null, maxRounds: null, scaleBits: null, precisionBits: 9, learningRate: 2, plan: false,
    });
    expect(parseTrainArgs(['--minibatches', '6', '--batch-size', '256', '--ring', '16384'])).toMatchObject({ minibatches: 6, batchSize: 256, ringDegree: 16384 });
    expect(parseTrainArgs(['--workers', '2'], bigMachine).workers).toBe(2);
    expect(parseTrainArgs(['--scale-bits', 'auto', '--precision-bits', '12'])).toMatchObject({ scaleBits: null, precisionBits: 12 });
    expect(parseTrainArgs(['--learning-rate', '0.5', '--scale-bits', '30', '--per-round', '2'])).toMatchObject({ learningRate: 0.5, scaleBits: 30, perRound: 2 });
    expect(parseTrainArgs(['--plan', '--max-rounds', '2', '--circuit', 'baseline'])).toMatchObject({ plan: true, maxRounds: 2, circuit: 'baseline' });
    expect([parseTrainArgs([]).unitHeight, parseTrainArgs(['--unit-height', '128']).unitHeight]).toEqual([null, 128]);
  });

  it.each([
    [['--backend', 'gpu'], '--backend must be one of seal, sim, paired; got "gpu"'],
    [['--circuit', 'deep'], '--circuit must be one of lowdepth, baseline or "auto"; got "deep"'],
    [['--max-rounds', '0'], '--max-rounds must be an integer from 1 to 64; got "0"'],
    [['--minibatches', 'six'], '--minibatches must be an integer from 1 to 64 or "auto"; got "six"'],
    [['--minibatches', '-2'], '--minibatches must be an integer from 1 to 64 or "auto"; got "-2"'],
    [['--batch-size', '0'], '--batch-size must be an integer from 1 to 1024 or "auto"; got "0"'],
    [['--seed', '1.5'], '--seed must be an integer'],
    [['--learning-rate=-1'], '--learning-rate must be a positive number; got -1'],
    [['--learning-rate', '-1'], '--learning-rate must be a positive number; got -1'],
    [['--learning-rate', '0'], '--learning-rate must be a positive number; got 0'],
    [['--learning-rate', '1e'], '--learning-rate must be a positive number; got "1e", which is not a number'],
    [['--scale-bits', '10'], '--scale-bits must be an integer from 20 to 50 or "auto"; got "10"'],
    [['--ring', '4096'], '--ring must be one of 8192, 16384, 32768 or "auto"; got "4096"'],
    [['--data', 'mnist:3'], '--data mnist:DIGITS needs two or more distinct digits 0-9'],
    [['--data', 'iris:setosa,rose'], '--data iris:SPECIES needs two of setosa, versicolor, virginica'],
    [['--data', ''], '--data needs a CSV file or a built-in data set'],
    [['--test-fraction', '1'], '--test-fraction must be a number between 0 and 1 (exclusive); got "1"'],
    [['--label', 'y'], '--label applies to CSV files only (got --data MNIST 3 vs 8, whose label is built in)'],
    [['--data', 'a.csv', '--out', 'a.csv'], '--out a.csv would overwrite --data a.csv'],
    [['--out', 'm.json', '--curve', 'm.json'], '--out and --curve name the same file m.json'],
    [['--colour'], "unknown option '--colour'"],
    [['--json', 'yes'], 'too many arguments'],
    [['--workers', '0'], '--workers must be an integer from 1 to 64 or "auto"; got "0"'],
    [['--per-round', '7', '--minibatches', '6'], '--per-round must be at most --minibatches (6); got 7'],
    [['--unit-height', '96'], '--unit-height must be a power of two from 1 to 8192 or "auto"; got "96"'],
  ])('refuses %j with a one-line message naming the option', (argv, message) => {
    expect(() => parseTrainArgs(argv)).toThrow(message);
  });

  it.each([
    [['--workers', '2', '--backend', 'sim'], '--workers applies to --backend seal only (got --backend sim)'],
    [['--workers', '1', '--backend', 'paired'], '--workers applies to --backend seal only (got --backend paired)'],
    [['--noise', 'off'], '--noise applies to --backend sim only (got --backend seal)'],
    [['--noise', 'track', '--backend', 'paired'], '--noise applies to --backend sim only (got --backend paired)'],
    [['--precision-bits', '8', '--scale-bits', '30'], '--precision-bits applies to --scale-bits auto only (got --scale-bits 30)'],
  ])('refuses options that do not apply: %j', (argv, message) => {
    expect(() => parseTrainArgs(argv, bigMachine)).toThrow(message);
  });

  it('counts only options the user passed: defaults of inapplicable options are fine', () => {
    expect(parseTrainArgs(['--backend', 'sim'])).toMatchObject({ backend: 'sim', workers: null, noise: 'inject' });
    expect(parseTrainArgs(['--backend', 'paired', '--scale-bits', '30'])).toMatchObject({ backend: 'paired', scaleBits: 30, precisionBits: 9 });
    expect(parseTrainArgs(['--backend', 'sim', '--noise', 'off', '--scale-bits', 'auto', '--precision-bits', '10']).noise).toBe('off');
  });

  // Six processes, each a tsx start-up: about 1 s each alone, 10 s each at load average 10-15
  // (79 s in all, past the 60 s default).
  it('exits with code 2 and one line on stderr for bad usage', () => {
    const stderrs = new Map<string, string>();
    for (const args of [['train', '--minibatches', '0'], ['fly'], [], ['train', '--learning-rate', '-1'], ['train', '--workers', '2', '--backend', 'sim'], ['analyze', '--svg']]) {
      const { code, stderr, stdout } = hekit(...args);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr).toMatch(/^hekit: /);
      stderrs.set(args.join(' '), stderr);
    }
    expect(stderrs.get('train --minibatches 0')).toContain('--minibatches');
    expect(stderrs.get('train --learning-rate -1')).toBe('hekit: --learning-rate must be a positive number; got -1\n');
  }, 180_000);
});

describe('hekit train --workers: bounded by the machine', () => {
  const params = createParams({ ringDegree: 32768, bitSizes: [50, ...Array.from({ length: 13 }, () => 36), 60], scale: 2 ** 36 });
  const steps = Array.from({ length: 20 }, (_, i) => (i < 14 ? 2 ** i : -(2 ** (i - 14))));
  const estimate = (w: number) => workerMemory(params, steps, 0.5 * GiB, w);

  it('at most one worker per core, refused before any work', () => {
    expect(() => checkWorkerCores(3, { ...bigMachine, cores: 2 })).toThrow('--workers must be at most 2 on this machine (2 cores available); got 3');
    expect(() => parseTrainArgs(['--workers', '3'], { ...bigMachine, cores: 2 })).toThrow('--workers must be at most 2');
    const { code, stderr } = hekit('train', '--workers', '64');
    expect(code).toBe(2);
    expect(stderr).toMatch(/^hekit: --workers must be at most \d+ on this machine \(\d+ cores? available\); got 64\n$/);
  });

  it('estimates keys and working set per worker, splitting Galois keys as the pool does', () => {
    const one = estimate(1), two = estimate(2);
    expect(one.split).toBe(false);
    expect(two.split).toBe(true);
    expect(two.keyBytes).toBeLessThan(one.keyBytes);
    expect(one.perWorker).toBeGreaterThan(one.keyBytes + one.workingBytes);
    expect(two.total).toBe(two.main + 2 * two.perWorker);
    // 14 data primes and a special one, N = 32768: the public key is 2 · N · 15 · 8 bytes, and each of
    // the 21 key-switching keys (relinearization, 20 Galois) 14 · 2 · N · 15 · 8.
    expect(one.keyBytes).toBe((2 * 15 + 21 * 14 * 2 * 15) * 32768 * 8);
  });

  it("refuses workers beyond the machine's free memory or a 4 GiB worker heap, naming the most that fit", () => {
    const machine: Machine = { cores: 8, freeBytes: estimate(3).total + 1, totalBytes: 64 * GiB };
    expect(checkWorkerMemory(3, estimate, machine).workers).toBe(3);
    expect(() => checkWorkerMemory(4, estimate, machine)).toThrow(/^--workers 4: the run would need about [\d.]+ GiB .*, more than the [\d.]+ GiB free of 64\.00 GiB; at most 3 fit$/);
    const huge = (w: number) => workerMemory(params, steps, 3 * GiB, w);
    expect(() => checkWorkerMemory(2, huge, bigMachine)).toThrow(/each worker would need about [\d.]+ GiB .*more than its 4 GiB WebAssembly heap; no number of workers fits/);
  });
});

describe('hekit train runs', () => {
  it('on the simulator prints one JSON object whose fields agree with each other', () => {
    const { code, stdout } = hekit('train', '--backend', 'sim', '--noise', 'off', '--minibatches', '3', '--batch-size', '64', '--circuit', 'lowdepth', '--ring', '16384', '--per-round', '3', '--json');
    expect(code).toBe(0);
    const r = JSON.parse(stdout) as TrainReport;
    expect(r).toMatchObject({ backend: 'sim', circuit: 'lowdepth', minibatches: 3, batchSize: 64, features: 197, rounds: 1, workers: 0 });
    expect(r.params).toMatchObject({ polyModulusDegree: 16384, securityBits: 128 });
    expect(r.params.coeffModulusBits.slice(1, -1).every((b) => b === r.params.scaleBits)).toBe(true);
    expect(r.predictedWeightsMaxAbsDiff).toBeLessThanOrEqual(2 ** -9);
    expect(r.depth).toBe(r.roundDetails.reduce((s, d) => s + d.levelsUsed, 0));
    expect(r.depth).toBe(6);
    expect(r.depthPerMinibatch).toBe(2);
    expect(r.inputBytes).toBe(r.roundDetails.reduce((s, d) => s + d.inputBytes, 0));
    for (const n of Object.values(r.ops)) expect(n).toBeGreaterThan(0);
    expect(r.weightsMaxAbsDiff).toBeLessThan(1e-9);
    expect(r.accuracy.encrypted).toBe(r.accuracy.plaintext);
    expect(r.accuracy.testSamples).toBe(400);
    expect(r.accuracy.plaintext).toBeGreaterThan(0.9);
  });

  it('--plan prints the candidates fastest first without training; the default run is the chosen one', () => {
    const small = ['--backend', 'sim', '--noise', 'off', '--minibatches', '3', '--batch-size', '64', '--quiet'];
    const planned = hekit('train', ...small, '--plan', '--json');
    expect(planned.code).toBe(0);
    const candidates = JSON.parse(planned.stdout) as (CandidateJson & Record<string, unknown>)[];
    for (const field of ['circuit', 'ringDegree', 'minibatchesPerRound', 'rounds', 'unitHeight', 'scaleBits', 'workers', 'predictedSeconds', 'inputBytes']) {
      expect(candidates.every((c) => field in c)).toBe(true);
    }
    const times = candidates.map((c) => c.predictedSeconds);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    // Off SEAL the run is on the main thread: one worker.
    expect(candidates.every((c) => c.workers === 1)).toBe(true);
    const chosen = candidates.filter((c) => c.chosen);
    expect(chosen).toHaveLength(1);
    const run = JSON.parse(hekit('train', ...small, '--json').stdout) as TrainReport;
    expect(run).toMatchObject({ circuit: chosen[0]!.circuit, rounds: chosen[0]!.rounds, params: { polyModulusDegree: chosen[0]!.ringDegree, scaleBits: chosen[0]!.scaleBits } });
    expect(run.unit).toEqual({ height: chosen[0]!.unitHeight, width: chosen[0]!.ringDegree / 2 / chosen[0]!.unitHeight });
    expect(run.predicted.seconds).toBeCloseTo(chosen[0]!.predictedSeconds, 9);
    expect(run.inputBytes).toBeLessThanOrEqual(chosen[0]!.inputBytes);

    const none = hekit('train', ...small, '--plan', '--circuit', 'baseline', '--ring', '8192', '--per-round', '3');
    expect(none.code).toBe(1);
    expect(none.stderr).toBe('hekit: no candidate meets the request: baseline, N = 8192, 3 per round: the chain cannot hold a round\n');
    const table = hekit('train', ...small, '--plan', '--max-rounds', '1', '--ring', '16384');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^hekit train --plan: \d+ candidates?, fastest predicted first; prices from the /);
    expect(table.stdout).toMatch(/\n\* lowdepth {2}16384 {9}3 {6}1 +\d+ +\d+x\d+ /);
    const pinned = JSON.parse(hekit('train', ...small, '--plan', '--json', '--unit-height', '16').stdout) as CandidateJson[];
    expect(new Set(pinned.map((c) => c.unitHeight))).toEqual(new Set([16]));
  }, 240_000);

  it('announces each phase on stderr as it starts, then rounds and minibatches with the time left', () => {
    const { code, stdout, stderr } = hekit('train', '--backend', 'sim', '--minibatches', '3', '--batch-size', '64', '--per-round', '1', '--scale-bits', '30', '--circuit', 'lowdepth', '--ring', '16384');
    expect(code).toBe(0);
    const lines = stderr.trim().split('\n');
    expect(lines.every((l) => pattern(String.raw`^\[DURATION\] `).test(l))).toBe(true);
    const phases = lines.map((l) => l.match(pattern(String.raw`^\[DURATION\] ([\w-]+):`))?.[1]).filter((p) => p !== undefined);
    expect(phases).toEqual(['data', 'plan', 'set-up', 'training', 'twin']);
    expect(stderr).toContain('] data: MNIST 3 vs 8 (seed 1)');
    expect(stderr).toContain('] plan: 3 minibatches of 64 from 1576 training rows; N = 16384, scale 2^30');
    expect(stderr).toContain('] training: 3 rounds (1 + 1 + 1 minibatches)');
    expect(stderr).toMatch(pattern(String.raw`round 1/3 done: \d+ levels, DURATION, about DURATION left`));
    expect(stderr).toMatch(/\] \[-+\] round 1\/3, minibatch 1\/1 \(1\/3\)\n/);
    expect(stderr).toMatch(pattern(String.raw`\] \[#+-+\] round 2/3, minibatch 1/1 \(2/3\), about DURATION left\n`));
    expect(stderr).toContain('round 3/3 done');
    expect(stdout).toMatch(/^hekit train: lowdepth circuit on sim, 3 minibatches of 64/);
    expect(stdout).toMatch(/\n {2}time {9}[\d.]+ s in all: [\d.]+ s start-up, [\d.]+ s data, [\d.]+ s plan, [\d.]+ s set-up, [\d.]+ s training, [\d.]+ s twin\n/);
  });

  it('rewrites one line per minibatch on a terminal', () => {
    const out: string[] = [];
    let t = 0;
    const p = progressTo({ isTTY: true, write: (s: string) => out.push(s) > 0 } as unknown as NodeJS.WritableStream, { now: () => t });
    const plan = { rounds: [2] } as never;
    p.phase('training', '1 round');
    p.training({ kind: 'round-start', round: 0, minibatches: 2 }, plan);
    p.training({ kind: 'minibatch', round: 0, minibatch: 1 }, plan);
    t = 10;
    p.training({ kind: 'minibatch', round: 0, minibatch: 2 }, plan);
    p.training({ kind: 'round-end', round: 0, seconds: 20, levelsUsed: 3 }, plan);
    expect(out).toEqual([
      '[0.0 s] training: 1 round\n',
      '[0.0 s] round 1/1: 2 minibatches\n',
      '\r\x1b[2K[0.0 s] [------------------------] round 1/1, minibatch 1/2 (1/2)',
      '\r\x1b[2K[10 s] [############------------] round 1/1, minibatch 2/2 (2/2), about 10 s left',
      '\n[10 s] round 1/1 done: 3 levels, 20 s\n',
    ]);
    p.training({ kind: 'minibatch', round: 0, minibatch: 1 }, plan);
    p.close();
    expect(out.slice(-2)).toEqual(['\r\x1b[2K[10 s] [------------------------] round 1/1, minibatch 1/2 (1/2)', '\n']);
    p.close();
    expect(out).toHaveLength(7);
  });

  it('shows a notice as one line even between progress lines', () => {
    const out: string[] = [];
    let t = 0;
    const p = progressTo({ isTTY: false, write: (s: string) => out.push(s) > 0 } as unknown as NodeJS.WritableStream, { now: () => t });
    const plan = { rounds: [1, 1] } as never;
    p.phase('training', '3 models (one per class) on shared inputs');
    t = 3;
    p.training({ kind: 'minibatch', round: 1, minibatch: 1 }, plan);
    t = 4;
    p.training({ kind: 'round-end', round: 1, seconds: 1, levelsUsed: 4 }, plan);
    p.notice('data.csv: column flat ignored: constant on the training split');
    expect(out).toEqual([
      '[0.0 s] training: 3 models (one per class) on shared inputs\n',
      '[3.0 s] [############------------] round 2/2, minibatch 1/1 (2/2), about 3.0 s left\n',
      '[4.0 s] round 2/2 done: 4 levels, 1.0 s\n',
      'hekit: notice: data.csv: column flat ignored: constant on the training split\n',
    ]);
  });

  it('--quiet silences the progress; --json reports phases that add up to the wall time', () => {
    const { code, stdout, stderr, seconds } = hekit('train', '--backend', 'sim', '--noise', 'off', '--minibatches', '2', '--batch-size', '32', '--quiet', '--json');
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const r = JSON.parse(stdout) as TrainReport;
    expect(Object.keys(r.phases)).toEqual(['startup', 'data', 'plan', 'keys', 'training', 'twin']);
    for (const s of Object.values(r.phases)) expect(s).toBeGreaterThanOrEqual(0);
    expect(Object.values(r.phases).reduce((a, b) => a + b, 0)).toBeCloseTo(r.wallSeconds, 6);
    expect(r.setupSeconds).toBe(r.phases.keys);
    expect(r.seconds).toBe(r.phases.training);
    // The phases cover the process's life but its launch and exit, which fall outside them. How long launch and exit
    // take is not asserted: on a loaded machine it is unbounded (a 0.75 s margin failed there).
    expect(r.wallSeconds).toBeLessThanOrEqual(seconds);
  });

  // SEAL keys, a 2-worker pool and two baseline rounds at N = 8192: 77 s at load average 10-15
  // (past the 60 s default).
  it('on SEAL (N = 8192, 2 workers) shows progress on stderr and a human summary', () => {
    const { code, stdout, stderr } = hekit('train', '--minibatches', '2', '--batch-size', '64', '--ring', '8192', '--scale-bits', '24', '--circuit', 'baseline', '--workers', '2');
    expect(code).toBe(0);
    expect(stderr).toMatch(/\] keys: 2 SEAL workers making their contexts and keys, the first the secret key \(pool set-up\): N = 8192/);
    // The pool queues ops: minibatches are reported as queued, the time left only at round ends.
    expect(stderr).toContain('round 2/2, minibatch 1/1 queued (2/2)\n');
    expect(stderr).toMatch(pattern(String.raw`round 1/2 done: 5 levels, DURATION, about DURATION left\n`));
    expect(stdout).toMatch(/baseline circuit on seal \(2 workers\), 2 minibatches of 64/);
    expect(stdout).toMatch(/depth {8}10 levels in 2 rounds .* 5\.00 per minibatch/);
    expect(stdout).toMatch(/time {9}[\d.]+ s in all: [\d.]+ s start-up, [\d.]+ s data, [\d.]+ s plan, [\d.]+ s keys and pool set-up, [\d.]+ s training, [\d.]+ s twin\n/);
    expect(stdout).toMatch(/weights {6}max \|encrypted - plaintext twin\| = \d\.\d\de-[0-9]+/);
  }, 240_000);
});

describe('hekit analyze', () => {
  it('parses its options and refuses bad ones naming the option', () => {
    expect(parseAnalyzeArgs([])).toMatchObject({ circuit: 'lowdepth', module: null, minibatches: 6, batchSize: 256, ringDegree: 16384, svg: null, dot: null, graph: null, scaleLike: [] });
    expect(parseAnalyzeArgs(['--module', 'm.js'])).toMatchObject({ module: { file: 'm.js', exportName: 'default' } });
    expect(parseAnalyzeArgs(['--svg', 'a.svg', '--scale-like', 'lowdepth,baseline'])).toMatchObject({ scaleLike: ['lowdepth', 'baseline'] });
    expect(() => parseAnalyzeArgs(['--circuit', 'deep'])).toThrow('--circuit must be one of lowdepth, baseline; got "deep"');
    expect(() => parseAnalyzeArgs(['--minibatches', '13'])).toThrow('--minibatches must be an integer from 1 to 12');
    expect(() => parseAnalyzeArgs(['--svg'])).toThrow("option '--svg <FILE>' argument missing");
    expect(() => parseAnalyzeArgs(['--svg', 'a.svg', '--scale-like', 'deep'])).toThrow('--scale-like must be one of lowdepth, baseline; got "deep"');
    expect([parseAnalyzeArgs([]).unitHeight, parseAnalyzeArgs(['--unit-height', '4096']).unitHeight]).toEqual([null, 4096]);
    expect(() => parseAnalyzeArgs(['--unit-height', '8192'])).toThrow('--unit-height must be at most N/4 = 4096 (two columns); got 8192');
    expect(() => parseAnalyzeArgs(['--unit-height', '100'])).toThrow('--unit-height must be a power of two from 1 to 8192; got "100"');
  });

  it('--unit-height lays a round out in shorter, wider tiles: fewer key switches for the low-depth round of 4 x 256', () => {
    const run = (...extra: string[]) => JSON.parse(hekit('analyze', '--circuit', 'lowdepth', '--minibatches', '4', '--json', ...extra).stdout) as AnalyzeReport;
    const [tall, short] = [run(), run('--unit-height', '128')];
    expect([tall.unit, short.unit]).toEqual([{ height: 256, width: 32 }, { height: 128, width: 64 }]);
    expect([tall.keySwitches, short.keySwitches]).toEqual([348, 244]);
    expect(short.depth).toBe(tall.depth);
    expect(short.rotations).toContain(-32);
  });

  it.each([
    [['--module', 'm.js', '--circuit', 'baseline'], '--circuit applies to built-in circuits only (got --module m.js)'],
    [['--module', 'm.js', '--minibatches', '2'], '--minibatches applies to built-in circuits only (got --module m.js)'],
    [['--module', 'm.js', '--batch-size', '2'], '--batch-size applies to built-in circuits only (got --module m.js)'],
    [['--module', 'm.js', '--unit-height', '8'], '--unit-height applies to built-in circuits only (got --module m.js)'],
    [['--export', 'f'], '--export applies to --module only (got no --module)'],
    [['--scale-like', 'baseline'], '--scale-like applies to --svg only (got no --svg)'],
    [['--module', 'm.js', '--svg', 'a.svg', '--scale-like', 'baseline'], '--scale-like applies to built-in circuits only (got --module m.js)'],
  ])('refuses options that do not apply: %j', (argv, message) => {
    expect(() => parseAnalyzeArgs(argv)).toThrow(message);
  });

  it('writes the SVG timeline, DOT and graph JSON of a round, consistent with its JSON report', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hekit-analyze-'));
    const [svg, dot, graph] = ['t.svg', 't.dot', 't.json'].map((f) => join(dir, f)) as [string, string, string];
    const { code, stdout } = hekit('analyze', '--circuit', 'lowdepth', '--minibatches', '4', '--batch-size', '64', '--ring', '8192',
      '--svg', svg, '--dot', dot, '--graph', graph, '--json');
    expect(code).toBe(0);
    const r = JSON.parse(stdout) as AnalyzeReport;
    expect(r).toMatchObject({ circuit: 'lowdepth', minibatches: 4, depth: 8, depthPerMinibatch: 2, ringDegree: 8192 });
    expect(r.levelsSpentBy).toHaveLength(8);
    const total = Object.values(r.ops).reduce((a, b) => a + b, 0);
    expect(r.width.reduce((s, w) => s + w.ciphertexts, 0)).toBe(total);
    const nodes = (JSON.parse(readFileSync(graph, 'utf8')) as { nodes: unknown[] }).nodes;
    expect(nodes).toHaveLength(total);
    expect(readFileSync(dot, 'utf8').match(/^ {2}n\d+ \[label=/gm)).toHaveLength(total);
    const picture = readFileSync(svg, 'utf8');
    expect(picture).toContain('data-levels="8"');
    expect([...picture.matchAll(/data-op="(\w+)"/g)].map((m) => m[1])).toEqual(r.levelsSpentBy);
    rmSync(dir, { recursive: true });
  });

  it('prints a summary whose depth line names the ops that spent the levels', () => {
    const { code, stdout } = hekit('analyze', '--circuit', 'baseline', '--minibatches', '2', '--batch-size', '64', '--ring', '8192');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^hekit analyze: baseline circuit, one round of 2 minibatches of 64/);
    expect(stdout).toContain('depth        10 levels, 5.00 per minibatch; the critical path spends them on: × p × × p × p × × p');
  });

  it('draws two circuits on one scale with --scale-like', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hekit-scale-'));
    const [a, b] = [join(dir, 'a.svg'), join(dir, 'b.svg')];
    const common = ['--minibatches', '2', '--batch-size', '64', '--ring', '8192'];
    expect(hekit('analyze', '--circuit', 'lowdepth', ...common, '--svg', a, '--scale-like', 'baseline').code).toBe(0);
    expect(hekit('analyze', '--circuit', 'baseline', ...common, '--svg', b, '--scale-like', 'lowdepth').code).toBe(0);
    const head = (f: string) => readFileSync(f, 'utf8').split('\n')[0];
    expect(head(a)).toBe(head(b));
    const ticks = (f: string) => [...readFileSync(f, 'utf8').matchAll(/data-tick="(\d+)"/g)].map((m) => m[1]).join(',');
    expect(ticks(a)).toBe(ticks(b));
    rmSync(dir, { recursive: true });
  });

  it.each(['lowdepth', 'baseline'] as const)('the README picture of the %s circuit is what hekit analyze draws now, on the scale of both', (circuit) => {
    const dir = mkdtempSync(join(tmpdir(), 'hekit-docs-'));
    const out = join(dir, `${circuit}.svg`);
    const other = circuit === 'lowdepth' ? 'baseline' : 'lowdepth';
    expect(hekit('analyze', '--circuit', circuit, '--svg', out, '--scale-like', other).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(join(root, 'docs', `${circuit}.svg`), 'utf8'));
    rmSync(dir, { recursive: true });
  });
});

describe('hekit analyze --module', () => {
  it("reports a module's circuit as the library's analyze() does", () => {
    const { code, stdout } = hekit('analyze', '--module', 'cli/fixtures/circuits.ts', '--export', 'cubeAndShift', '--ring', '8192', '--json');
    expect(code).toBe(0);
    const r = JSON.parse(stdout) as AnalyzeReport;
    const a = analyze(cubeAndShift, { ringDegree: 8192 });
    expect(r).toMatchObject({
      circuit: 'cli/fixtures/circuits.ts#cubeAndShift', minibatches: null, batchSize: null, features: null, depthPerMinibatch: null, ringDegree: 8192,
      depth: a.depth, ops: { ...a.ops }, keySwitches: a.keySwitches, rotations: [...a.rotations], peak: { ...a.peak },
    });
    expect(r.depth).toBe(2);
    expect(r.ops).toMatchObject({ mul: 2, square: 1, rotate: 1, mulPlain: 1 });
    expect(r.outputs).toEqual(a.outputs.map((o) => ({ depth: o.depth, level: o.level, scaleBits: Math.log2(o.scale) })));
    expect(r.width.map((w) => w.ciphertexts)).toEqual(a.width.map((w) => w.ciphertexts));
  });

  it('loads JavaScript modules directly and takes the default export without --export', () => {
    const js = hekit('analyze', '--module', 'cli/fixtures/circuits.mjs', '--export', 'triple', '--ring', '8192');
    expect(js.code).toBe(0);
    expect(js.stdout).toMatch(/^hekit analyze: circuit cli\/fixtures\/circuits\.mjs#triple, N = 8192\n {2}depth {8}1 level; the critical path spends it on: p\n/);
    const ts = hekit('analyze', '--module', 'cli/fixtures/circuits.ts', '--ring', '8192', '--json');
    expect((JSON.parse(ts.stdout) as AnalyzeReport).ops.mul).toBe(2);
  });

  it.each([
    [['--module', 'cli/fixtures/none.ts'], 'hekit: --module: no file cli/fixtures/none.ts'],
    [['--module', 'cli/fixtures'], 'hekit: --module: no file cli/fixtures'],
    [['--module', 'package.json'], 'hekit: --module must be a .js, .mjs, .ts or .mts file; got package.json'],
    [['--module', 'cli/fixtures/circuits.ts', '--export', 'nope'], 'hekit: --export: cli/fixtures/circuits.ts has no export "nope"; its exports: cubeAndShift, default, notACircuit, triple'],
    [['--module', 'cli/fixtures/circuits.mjs'], 'hekit: --export: cli/fixtures/circuits.mjs has no export "default"; its exports: triple'],
    [['--module', 'cli/fixtures/circuits.ts', '--export', 'notACircuit'], 'hekit: --export notACircuit: in cli/fixtures/circuits.ts it is a number, not a circuit function (ev) => ciphertext'],
  ])('refuses %j with exit code 2 and one line', (argv, message) => {
    const { code, stderr } = hekit('analyze', ...argv);
    expect(code).toBe(2);
    expect(stderr).toBe(`${message}\n`);
  });
});

describe('hekit analyze --module without tsx', () => {
  it('asks for tsx or a compiled module when a TypeScript module cannot be loaded', async () => {
    vi.resetModules();
    vi.doMock('tsx/esm/api', () => {
      throw new Error("Cannot find package 'tsx'");
    });
    try {
      const { loadCircuit } = await import('./analyze.js');
      await expect(loadCircuit('cli/fixtures/circuits.ts', 'triple')).rejects.toThrow(
        '--module cli/fixtures/circuits.ts: loading TypeScript needs tsx (npm install tsx); or compile the module to .js or .mjs');
      expect(typeof await loadCircuit('cli/fixtures/circuits.mjs', 'triple')).toBe('function');
    } finally {
      vi.doUnmock('tsx/esm/api');
      vi.resetModules();
    }
  });
});

describe('hekit train --backend paired', () => {
  it('checks every SEAL op against the simulator and reports the closest call', () => {
    const { code, stdout } = hekit('train', '--backend', 'paired', '--minibatches', '2', '--batch-size', '64', '--ring', '8192', '--scale-bits', '30', '--json');
    expect(code).toBe(0);
    const r = JSON.parse(stdout) as TrainReport;
    expect(r.backend).toBe('paired');
    // Every op the report counts was checked (encryptions and level drops besides).
    expect(r.lockstep?.opsChecked).toBeGreaterThanOrEqual(Object.values(r.ops).reduce((a, b) => a + b, 0));
    expect(r.lockstep?.closest.ratio).toBeGreaterThan(0);
    expect(r.lockstep?.closest.ratio).toBeLessThanOrEqual(1);
    expect(r.weightsMaxAbsDiff).toBeLessThan(0.05);
  });
});
