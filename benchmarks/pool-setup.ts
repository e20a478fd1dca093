/**
 * Pool set-up against what it saves: `tsc -p tsconfig.bench.json && node .bench/benchmarks/pool-setup.js [-- --runs R] [-- --baseline]`.
 * The default training (low-depth, k = 6 minibatches of 256, MNIST 3 vs 8, N = 16384, scale
 * 2^36, two rounds) on one thread, and on a pool of `availableParallelism()` workers whose keys
 * are made on the main thread and loaded ('main') or made by the workers ('workers'). The cases
 * alternate within each of R runs (default 3), so a busy machine slows them alike; every time is
 * reported, with the median and the range. `--baseline` adds the baseline limited to the same two
 * client round trips (N = 32768, keys split), once per key generation. `--setup-only`: the pools'
 * set-up alone (no training, no thread case), for a quick comparison on a busy machine.
 * Writes benchmarks/results/pool-setup.{json,md}.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { logreg } from '../algorithms/index.js';
import { createSealBackend } from '../backends/seal/index.js';
import { createSealPool, type SealPool } from '../backends/seal/pool/index.js';
import type { Backend } from '../core/index.js';
import { resultsDir } from './paths.js';

const arg = (name: string): string | undefined => process.argv[process.argv.indexOf(name) + 1];
const RUNS = Number(arg('--runs') ?? 3);
const SETUP_ONLY = process.argv.includes('--setup-only');
const WORKERS = availableParallelism();
const [K, B] = [6, 256];
const data = logreg.loadDataset();
const batches = logreg.minibatches(data, K, B);

type Case = 'thread' | 'pool, keys from main' | 'pool, keys from workers';
interface Run { circuit: logreg.CircuitName; ringDegree: number; rounds: number; case: Case; run: number; setupSeconds: number; trainingSeconds: number; weightError: number }

function planFor(circuit: logreg.CircuitName): logreg.TrainingPlan {
  const request = { circuit, minibatches: K, batchSize: B, features: data.features, scaleBits: 36, valueBits: logreg.valueBits(batches) };
  // Low-depth: the chain N = 16384 holds (two rounds); baseline: three minibatches per round, which needs N = 32768.
  return circuit === 'lowdepth' ? logreg.planTraining({ ...request, ringDegree: 16384 }) : logreg.planTraining({ ...request, ringDegree: 32768, minibatchesPerRound: 3 });
}

async function measure(circuit: logreg.CircuitName, plan: logreg.TrainingPlan, which: Case, run: number): Promise<Run> {
  const t0 = performance.now();
  const ev: Backend = which === 'thread'
    ? await createSealBackend(plan.params, { rotations: plan.rotations })
    : await createSealPool(plan.params, {
      rotations: plan.rotations, workers: WORKERS, analysis: logreg.analyzeRound(plan, batches), keyGeneration: which === 'pool, keys from main' ? 'main' : 'workers',
    });
  const t1 = performance.now();
  try {
    if (SETUP_ONLY) {
      // Wait for every worker to be ready and idle: one round trip to each.
      if ('workerMemory' in ev) (ev as SealPool).workerMemory();
      const row = { circuit, ringDegree: plan.params.ringDegree, rounds: plan.rounds.length, case: which, run, setupSeconds: (performance.now() - t0) / 1000, trainingSeconds: 0, weightError: 0 };
      console.error(JSON.stringify(row));
      return row;
    }
    const trained = logreg.trainEncrypted(ev, plan, batches);
    const t2 = performance.now();
    const twin = logreg.trainPlain(batches, { rule: circuit === 'baseline' ? 'nesterov' : 'gradient', ...logreg.TRAINING_DEFAULTS }).w;
    const weightError = Math.max(...Array.from(twin, (w, j) => Math.abs(w - trained.weights[j]!)));
    const row = { circuit, ringDegree: plan.params.ringDegree, rounds: plan.rounds.length, case: which, run, setupSeconds: (t1 - t0) / 1000, trainingSeconds: (t2 - t1) / 1000, weightError };
    console.error(JSON.stringify(row));
    return row;
  } finally {
    ev.dispose();
  }
}

const loadAtStart = loadavg()[0]!;
const rows: Run[] = [];
const lowdepth = planFor('lowdepth');
for (let run = 1; run <= RUNS; run++) {
  const cases = SETUP_ONLY ? (['pool, keys from main', 'pool, keys from workers'] as const) : (['thread', 'pool, keys from main', 'pool, keys from workers'] as const);
  for (const which of cases) rows.push(await measure('lowdepth', lowdepth, which, run));
}
if (process.argv.includes('--baseline')) {
  const baseline = planFor('baseline');
  for (const which of ['pool, keys from main', 'pool, keys from workers'] as const) rows.push(await measure('baseline', baseline, which, 1));
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const spread = (xs: number[]): string => `${median(xs).toFixed(1)} (${Math.min(...xs).toFixed(1)}-${Math.max(...xs).toFixed(1)})`;
const groups = [...new Set(rows.map((r) => `${r.circuit}|${r.case}`))].map((key) => rows.filter((r) => `${r.circuit}|${r.case}` === key));
const thread = rows.filter((r) => r.circuit === 'lowdepth' && r.case === 'thread');
const wall = (r: Run): number => r.setupSeconds + r.trainingSeconds;
const md = [
  `# Pool set-up (${WORKERS} workers), ${RUNS} alternating runs: median (min-max) seconds`,
  '',
  `Load average (1 min) at start ${loadAtStart.toFixed(1)}, at end ${loadavg()[0]!.toFixed(1)}, on ${availableParallelism()} cores.`,
  '',
  '| circuit | N | rounds | case | set-up | training | set-up + training | speed-up over one thread, incl. set-up (per run) | max weight error vs twin |',
  '|---|---:|---:|---|---:|---:|---:|---|---:|',
  ...groups.map((g) => {
    const r0 = g[0]!;
    const speedups = r0.circuit === 'lowdepth' && r0.case !== 'thread' && thread.length > 0 ? g.map((r) => (wall(thread.find((t) => t.run === r.run)!) / wall(r)).toFixed(2)).join(', ') : '';
    return `| ${r0.circuit} | ${r0.ringDegree} | ${r0.rounds} | ${r0.case} | ${spread(g.map((r) => r.setupSeconds))} | ${spread(g.map((r) => r.trainingSeconds))} | ${spread(g.map(wall))} | ${speedups} | ${Math.max(...g.map((r) => r.weightError)).toExponential(2)} |`;
  }),
  '',
];
const out = resultsDir(false);
mkdirSync(out, { recursive: true });
const name = SETUP_ONLY ? 'pool-setup-only' : 'pool-setup';
writeFileSync(join(out, `${name}.json`), `${JSON.stringify(rows, null, 2)}\n`);
writeFileSync(join(out, `${name}.md`), md.join('\n'));
console.log(md.join('\n'));
