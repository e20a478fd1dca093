/**
 * Runs every suite: `npm run bench` (full) or `npm run bench -- --quick`; then the encrypted
 * training benchmark (benchmarks/logreg.ts) in child processes.
 * Per ring degree N it creates the backends once (keygen is outside every timed body),
 * runs the per-op, overhead and simulator-vs-SEAL suites, checks nothing leaked, and
 * disposes everything before the next N. Writes one JSON file per suite, summary.json
 * and README.md to the results folder.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { createParams, type Backend } from '../core/index.js';
import { createSealBackend } from '../backends/seal/index.js';
import { createSimBackend } from '../backends/sim/index.js';
import { PARAMS, parseArgs, STEP, type RunOptions } from './config.js';
import { runSuite, type Case, type CaseResult } from './harness.js';
import { opCases } from './ops.bench.js';
import { overheadCases } from './overhead.bench.js';
import { createRawSeal } from './raw-seal.js';
import { markdown, overheadRows, ratioRows, writeReport, type RunSummary } from './report.js';
import { circuitCases } from './sim-vs-seal.bench.js';
import { ROOT, scriptArgs } from './paths.js';

const SUITE_FILE = /^(ops|overhead|circuit)-n\d+.*\.json$|^summary\.json$|^README\.md$/;

const load = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');

/** The commit measured, marked `+changes` when core/ or backends/ differ from it; `unknown` outside git. */
function revision(): string {
  const cwd = ROOT;
  const git = (...args: string[]): string =>
    execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    const dirty = git('status', '--porcelain', '--', 'core', 'backends') !== '';
    return `${git('rev-parse', '--short', 'HEAD')}${dirty ? '+changes' : ''}`;
  } catch {
    return 'unknown';
  }
}

async function timed<T>(fn: () => T | Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const value = await fn();
  return [value, performance.now() - t];
}

/** Runs a suite whose inputs are made by `make` and freed afterwards; fails if a body leaked a ciphertext. */
async function suite(name: string, backends: readonly Backend[], opts: RunOptions, maxTime: number,
  make: () => { cases: Case[]; dispose: () => void }): Promise<CaseResult[]> {
  const before = backends.map((b) => b.memory().ciphertexts);
  const { cases, dispose } = make();
  let results: CaseResult[];
  try {
    results = await runSuite(name, cases, { minSamples: opts.minSamples, maxTime, folder: opts.out });
  } finally {
    dispose();
  }
  backends.forEach((b, i) => {
    const live = b.memory().ciphertexts;
    if (live !== before[i]) throw new Error(`suite ${name}: ${b.name} holds ${live} ciphertexts, ${String(before[i])} before: a body leaks`);
  });
  return results;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  mkdirSync(opts.out, { recursive: true });
  for (const f of readdirSync(opts.out)) if (SUITE_FILE.test(f)) rmSync(join(opts.out, f));

  const started = performance.now();
  const loadStart = load();
  const commit = revision();
  console.log(`hekit benchmarks, ${opts.mode} mode: N = ${opts.ringDegrees.join(', ')}; ` +
    `${opts.minSamples}+ samples, ${opts.maxTime} s per case; ${opts.overheadRounds} overhead rounds of ${opts.overheadMaxTime} s per case; ` +
    `load average ${loadStart}`);

  const cases: CaseResult[] = [];
  const params: Record<number, unknown> = {};
  const keygenMs: Record<number, { seal: number; raw: number; sim: number }> = {};

  for (const N of opts.ringDegrees) {
    const literal = PARAMS[N];
    if (!literal) throw new Error(`no parameters for N = ${N}`);
    const parsed = createParams(literal);
    params[N] = { bitSizes: parsed.bitSizes, levels: parsed.maxLevel, scale: `2^${Math.log2(parsed.scale)}`, security: parsed.security };

    console.log(`\nN = ${N}: creating keys ...`);
    const [seal, sealMs] = await timed(() => createSealBackend(parsed, { rotations: [STEP] }));
    const [raw, rawMs] = await timed(() => createRawSeal(literal, [STEP]));
    const [sim, simMs] = await timed(() => createSimBackend(parsed, { rotations: [STEP], seed: 1 }));
    keygenMs[N] = { seal: sealMs, raw: rawMs, sim: simMs };
    console.log(`  hekit SEAL ${sealMs.toFixed(0)} ms, raw node-seal ${rawMs.toFixed(0)} ms, simulator ${simMs.toFixed(1)} ms`);
    try {
      cases.push(...await suite(`ops-n${N}`, [sim, seal], opts, opts.maxTime, () => opCases(N, [sim, seal])));
      for (let round = 1; round <= opts.overheadRounds; round++) {
        cases.push(...await suite(`overhead-n${N}-r${round}`, [seal], opts, opts.overheadMaxTime, () => overheadCases(N, seal, raw, round % 2 === 0)));
      }
      cases.push(...await suite(`circuit-n${N}`, [sim, seal], opts, opts.maxTime, () => circuitCases(N, [sim, seal])));
    } finally {
      seal.dispose();
      sim.dispose();
      raw.delete();
    }
  }

  const nodeSeal = (createRequire(import.meta.url)('node-seal/package.json') as { version: string }).version;
  const summary: RunSummary = {
    mode: opts.mode,
    date: new Date().toISOString(),
    durationSec: (performance.now() - started) / 1e3,
    environment: {
      commit, node: process.version, nodeSeal, platform: `${process.platform} ${process.arch}`,
      cpu: cpus()[0]?.model.trim() ?? 'unknown', cores: cpus().length, loadStart, loadEnd: load(),
    },
    settings: {
      minSamples: opts.minSamples, maxTime: opts.maxTime, overheadRounds: opts.overheadRounds,
      overheadMaxTime: opts.overheadMaxTime, ringDegrees: opts.ringDegrees,
    },
    params, keygenMs, cases,
    overhead: overheadRows(cases),
    simVsSeal: ratioRows(cases),
  };
  writeReport(opts.out, summary);
  console.log(`\n${markdown(summary)}`);
  console.log(`Wrote ${join(opts.out, 'summary.json')} and README.md in ${summary.durationSec.toFixed(0)} s.`);

  // Encrypted training, each in a process of its own: a fresh WebAssembly heap per run (after other
  // cases the one-round case's 2.1 GiB of keys no longer fit a fragmented heap).
  const training = opts.mode === 'quick' ? [['--quick']] : [[], ['--one-round']];
  for (const args of training) {
    const run = spawnSync(process.execPath, [...scriptArgs('logreg'), ...args], { stdio: 'inherit' });
    if (run.status !== 0) throw new Error(`benchmarks/logreg.ts ${args.join(' ')} exited with ${String(run.status)}`);
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exitCode = 1;
});
