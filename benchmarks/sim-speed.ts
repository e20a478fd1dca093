/**
 * Simulator speed on training rounds, this tree against an older one: `npm run bench:sim-speed [-- --tree DIR --label NAME --repeats 9]`.
 * Times one round of each case in each noise mode ('track', 'inject'): the median of `--repeats`
 * runs after one warm-up, in this process, as wall time and as this process's CPU time (less
 * sensitive to other processes on a shared machine). `--tree` loads the library from another checkout of
 * this repository (`git archive COMMIT | tar -x -C DIR`, with node_modules linked), run through
 * tsx like this one, so a change can be measured against the commit before it. Appends its
 * rows to benchmarks/results/sim-speed.json and rewrites sim-speed.md from all of them.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { logreg as Logreg } from '../algorithms/index.js';
import type { createSimBackend as CreateSim } from '../backends/sim/index.js';
import { ROOT, resultsDir } from './paths.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const tree = resolve(arg('tree') ?? ROOT);
const label = arg('label') ?? 'this tree';
const repeats = Number(arg('repeats') ?? 9);
if (!Number.isInteger(repeats) || repeats <= 0) throw new Error('--repeats must be a positive integer');
const { logreg } = await import(pathToFileURL(join(tree, 'algorithms/index.ts')).href) as { logreg: typeof Logreg };
const { createSimBackend } = await import(pathToFileURL(join(tree, 'backends/sim/index.ts')).href) as { createSimBackend: typeof CreateSim };

interface SpeedRow {
  readonly label: string;
  readonly circuit: Logreg.CircuitName;
  readonly minibatches: number;
  readonly batchSize: number;
  readonly ringDegree: number;
  readonly mode: 'track' | 'inject';
  /** Median and spread of one round's wall time (ms). */
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  /** Median of one round's CPU time (user + system, ms). */
  readonly medianCpuMs: number;
}

const cases = [
  { circuit: 'lowdepth', minibatches: 3, batchSize: 64 },
  { circuit: 'baseline', minibatches: 1, batchSize: 64 },
] as const;
const data = logreg.loadDataset();
const rows: SpeedRow[] = [];
for (const c of cases) {
  const batches = logreg.minibatches(data, c.minibatches, c.batchSize);
  const plan = logreg.planTraining({ ...c, features: data.features, ringDegree: 16384, scaleBits: 36, valueBits: logreg.valueBits(batches) });
  const circuit = logreg.roundCircuit(c.circuit, batches);
  for (const mode of ['track', 'inject'] as const) {
    const times: number[] = [], cpu: number[] = [];
    for (let r = 0; r <= repeats; r++) {
      const sim = createSimBackend(plan.params, { rotations: plan.rotations, noise: mode, seed: r + 1 });
      const t0 = performance.now(), c0 = process.cpuUsage();
      sim.scope(() => {
        for (const o of circuit(sim) as Parameters<typeof sim.decrypt>[0][]) sim.decrypt(o);
      });
      const used = process.cpuUsage(c0);
      if (r > 0) (times.push(performance.now() - t0), cpu.push((used.user + used.system) / 1000));
      sim.dispose();
    }
    times.sort((a, b) => a - b);
    cpu.sort((a, b) => a - b);
    const row = {
      label, ...c, ringDegree: plan.params.ringDegree, mode,
      medianMs: times[(times.length - 1) >> 1] as number, minMs: times[0] as number, maxMs: times.at(-1) as number, medianCpuMs: cpu[(cpu.length - 1) >> 1] as number,
    };
    console.error(`${label}: ${c.circuit} k=${c.minibatches} ${mode}: ${row.medianMs.toFixed(0)} ms (${row.minMs.toFixed(0)}-${row.maxMs.toFixed(0)}), CPU ${row.medianCpuMs.toFixed(0)} ms`);
    rows.push(row);
  }
}

const out = resultsDir(false);
mkdirSync(out, { recursive: true });
const file = `${out}sim-speed.json`;
const all = [...(existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { rows: SpeedRow[] }).rows.filter((r) => r.label !== label) : []), ...rows];
writeFileSync(file, `${JSON.stringify({ repeats, rows: all }, null, 2)}\n`);
writeFileSync(`${out}sim-speed.md`, [
  '# Simulator speed on training rounds',
  '',
  `One round from zero weights (MNIST 3 vs 8, N = 16384, 2^36), median of ${repeats} runs after a warm-up (min-max), each tree loaded through tsx`,
  'in a process of its own on 2 shared cores; the labels name the commit a tree was taken from.',
  '',
  '| tree | circuit | k | b | mode | median wall ms | min-max wall ms | median CPU ms |',
  '|---|---|---:|---:|---|---:|---|---:|',
  ...all.map((r) => `| ${r.label} | ${r.circuit} | ${r.minibatches} | ${r.batchSize} | ${r.mode} | ${r.medianMs.toFixed(0)} | ${r.minMs.toFixed(0)}-${r.maxMs.toFixed(0)} | ${r.medianCpuMs.toFixed(0)} |`),
  '',
].join('\n'));
