/**
 * Automatic scale against a given scale: `npm run bench:planning [-- --repeats 3]`.
 * For each case, `hekit train --backend sim` (MNIST 3 vs 8: both circuits at their defaults, and
 * the low-depth circuit at N = 8192, where the scale is searched below the chain's largest) runs
 * alternately with the scale planned (`--scale-bits auto`, tracked) and with the scale it planned
 * given (`--scale-bits S`), `--repeats` times each, as separate processes; wall = the process's
 * wall time, CPU = its user + system time (GNU time, so a loaded machine shows less), plan = the
 * CLI's own plan phase. Then the same planning request is answered from injected runs
 * (`planTrainingBySimulation`, noise 'inject') to compare the scales.
 * Writes benchmarks/results/planning.{json,md}.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { logreg } from '../algorithms/index.js';
import { createSimBackend } from '../backends/sim/index.js';
import { resultsDir } from './paths.js';

const at = process.argv.indexOf('--repeats');
const repeats = at >= 0 ? Number(process.argv[at + 1]) : 3;
if (!Number.isInteger(repeats) || repeats <= 0) throw new Error('--repeats must be a positive integer');
// Compiled beside this file by tsconfig.bench.json (or run from sources through tsx).
const cli = import.meta.url.endsWith('.js')
  ? [fileURLToPath(new URL('../cli/hekit.js', import.meta.url))]
  : ['--import', 'tsx', fileURLToPath(new URL('../cli/hekit.ts', import.meta.url))];

interface Run {
  readonly wallSeconds: number;
  readonly cpuSeconds: number;
  readonly planSeconds: number;
  readonly scaleBits: number;
  readonly ringDegree: number;
  readonly coeffModulusBits: readonly number[];
}

const scratch = mkdtempSync(join(tmpdir(), 'hekit-planning-'));

function train(c: Case, scaleBits: number | 'auto'): Run {
  const times = join(scratch, 'times');
  const t0 = performance.now();
  const stdout = execFileSync('/usr/bin/time', ['-f', '%U %S', '-o', times, process.execPath, ...cli, 'train', '--backend', 'sim', '--circuit', c.circuit, ...c.args,
    '--scale-bits', String(scaleBits), '--json', '--quiet'], { encoding: 'utf8' });
  const wallSeconds = (performance.now() - t0) / 1000;
  const [user, system] = readFileSync(times, 'utf8').trim().split(/\s+/).slice(-2).map(Number) as [number, number];
  const r = JSON.parse(stdout) as { phases: { plan: number }; params: { scaleBits: number; polyModulusDegree: number; coeffModulusBits: number[] } };
  return {
    wallSeconds, cpuSeconds: user + system, planSeconds: r.phases.plan, scaleBits: r.params.scaleBits, ringDegree: r.params.polyModulusDegree, coeffModulusBits: r.params.coeffModulusBits,
  };
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] as number : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

/** A `hekit train` run: its circuit, options beyond the defaults, and the minibatches they make. */
interface Case {
  readonly circuit: logreg.CircuitName;
  readonly args: readonly string[];
  readonly minibatches: number;
  readonly batchSize: number;
}

interface PlanningRow {
  readonly circuit: logreg.CircuitName;
  readonly args: string;
  readonly ringDegree: number;
  readonly autoWall: readonly number[];
  readonly givenWall: readonly number[];
  readonly autoCpu: readonly number[];
  readonly givenCpu: readonly number[];
  readonly autoPlan: readonly number[];
  /** Median wall (and CPU) time with the scale planned over the same with it given. */
  readonly wallRatio: number;
  readonly cpuRatio: number;
  readonly trackedScaleBits: number;
  readonly injectedScaleBits: number;
  readonly injectedPlanSeconds: number;
}

const data = logreg.loadDataset();
const cases: readonly Case[] = [
  { circuit: 'lowdepth', args: [], minibatches: 6, batchSize: 256 },
  { circuit: 'baseline', args: [], minibatches: 6, batchSize: 256 },
  { circuit: 'lowdepth', args: ['--ring', '8192', '--minibatches', '2', '--batch-size', '64'], minibatches: 2, batchSize: 64 },
];
const rows: PlanningRow[] = [];
for (const c of cases) {
  const { circuit } = c;
  const first = train(c, 'auto');
  const auto: Run[] = [], given: Run[] = [];
  for (let r = 0; r < repeats; r++) {
    auto.push(r === 0 ? first : train(c, 'auto'));
    given.push(train(c, first.scaleBits));
  }
  // The same request, judged by injected runs: the CLI's ring, special prime and minibatches.
  const batches = logreg.minibatches(data, c.minibatches, c.batchSize);
  const t0 = performance.now();
  const injected = logreg.planTrainingBySimulation(
    { circuit, minibatches: c.minibatches, batchSize: c.batchSize, features: data.features, ringDegree: first.ringDegree, specialPrimeBits: first.coeffModulusBits.at(-1) as number, noise: 'inject' },
    batches, (params, options) => createSimBackend(params, options),
  );
  const injectedPlanSeconds = (performance.now() - t0) / 1000;
  const row: PlanningRow = {
    circuit, args: c.args.join(' '), ringDegree: first.ringDegree,
    autoWall: auto.map((a) => a.wallSeconds), givenWall: given.map((g) => g.wallSeconds),
    autoCpu: auto.map((a) => a.cpuSeconds), givenCpu: given.map((g) => g.cpuSeconds), autoPlan: auto.map((a) => a.planSeconds),
    wallRatio: median(auto.map((a) => a.wallSeconds)) / median(given.map((g) => g.wallSeconds)),
    cpuRatio: median(auto.map((a) => a.cpuSeconds)) / median(given.map((g) => g.cpuSeconds)),
    trackedScaleBits: first.scaleBits, injectedScaleBits: Math.log2(injected.params.scale), injectedPlanSeconds,
  };
  console.error(`${circuit} ${row.args}: auto ${row.autoWall.map((s) => s.toFixed(1)).join(', ')} s, given ${row.givenWall.map((s) => s.toFixed(1)).join(', ')} s, ratio ${row.wallRatio.toFixed(2)} (CPU ${row.cpuRatio.toFixed(2)}); scale 2^${row.trackedScaleBits} tracked, 2^${row.injectedScaleBits} injected`);
  rows.push(row);
}

const fmt = (xs: readonly number[]): string => xs.map((s) => s.toFixed(1)).join(', ');
const text = [
  '# Automatic scale against a given scale',
  '',
  `\`hekit train --backend sim\` on MNIST 3 vs 8 (defaults otherwise: 6 minibatches of 256, injected noise), ${repeats} runs each, alternating,`,
  'each a process of its own on 2 shared cores. wall = the process from start to exit; CPU = its user + system time; plan = the CLI\'s plan phase.',
  'Scales: the tracked plan (what the CLI chose) against the same request planned from injected runs.',
  '',
  '| circuit | options | N | wall, scale planned (s) | plan phase (s) | wall, scale given (s) | wall ratio (medians) | CPU planned / given (s) | CPU ratio | scale tracked | scale injected | injected planning (s) |',
  '|---|---|---:|---|---|---|---:|---|---:|---:|---:|---:|',
  ...rows.map((r) => `| ${r.circuit} | ${r.args || 'defaults'} | ${r.ringDegree} | ${fmt(r.autoWall)} | ${fmt(r.autoPlan)} | ${fmt(r.givenWall)} | ${r.wallRatio.toFixed(2)} | ${fmt(r.autoCpu)} / ${fmt(r.givenCpu)} | ${r.cpuRatio.toFixed(2)} | 2^${r.trackedScaleBits} | 2^${r.injectedScaleBits} | ${r.injectedPlanSeconds.toFixed(1)} |`),
  '',
].join('\n');
console.log(text);
const out = resultsDir(false);
mkdirSync(out, { recursive: true });
writeFileSync(`${out}planning.md`, text);
writeFileSync(`${out}planning.json`, `${JSON.stringify({ repeats, rows }, null, 2)}\n`);
rmSync(scratch, { recursive: true, force: true });
