/**
 * Tracked error of whole training runs against SEAL: `npm run bench:tracking [-- --runs 3 --batch-size 64 --rings 8192,16384 --ks 1,2,3,4,5,6 --circuits lowdepth,baseline]`.
 * For each circuit, k minibatches and ring N, the run is planned as `hekit train` plans it
 * (`planTrainingBySimulation`, tracked, 9 bits: as many rounds as the chain needs, refreshed by
 * the client in between); where no scale meets 9 bits at N, the largest scale that fits a round.
 * tracked = RMS over the weights of the planner's estimate (each round's tracked std of the
 * decrypted weights, summed in variance over the rounds); observed = RMS of (SEAL - exact) over
 * the weights and over `--runs` SEAL runs, each with its own keys and encryptions (SEAL's
 * randomness cannot be seeded). Writes benchmarks/results/tracking.{json,md} after every row.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { logreg } from '../algorithms/index.js';
import { createSealBackend } from '../backends/seal/index.js';
import { createSimBackend } from '../backends/sim/index.js';
import { isHeError } from '../core/index.js';
import { resultsDir } from './paths.js';

function list(name: string, fallback: readonly string[]): string[] {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? '').split(',') : [...fallback];
}

function positive(name: string, fallback: number): number {
  const value = Number(list(name, [String(fallback)])[0]);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
  return value;
}

const runs = positive('runs', 3);
const batchSize = positive('batch-size', 64);
const rings = list('rings', ['8192', '16384']).map(Number);
const ks = list('ks', ['1', '2', '3', '4', '5', '6']).map(Number);
const circuits = list('circuits', ['lowdepth', 'baseline']) as logreg.CircuitName[];
const PRECISION_BITS = 9;
const data = logreg.loadDataset();
const simulator: logreg.SimulatorFactory = (params, options) => createSimBackend(params, options);

type Batches = readonly (readonly Float64Array[])[];

/** The plan `hekit train` would make at `ringDegree`, or the largest scale that fits a round there. */
function planAt(circuit: logreg.CircuitName, k: number, ringDegree: number, batches: Batches): { plan: logreg.TrainingPlan; scale: 'planned' | 'largest fitting' } {
  const shape = { circuit, minibatches: k, batchSize, features: data.features, ringDegree };
  try {
    return { plan: logreg.planTrainingBySimulation({ ...shape, precisionBits: PRECISION_BITS }, batches, simulator), scale: 'planned' };
  } catch (e) {
    if (!isHeError(e, 'PLAN_INFEASIBLE') || typeof e.details.largestScaleBits !== 'number') throw e;
    const scaleBits = e.details.largestScaleBits;
    return { plan: logreg.planTraining({ ...shape, scaleBits, valueBits: logreg.valueBits(batches) }), scale: 'largest fitting' };
  }
}

/** The exact weights and the planner's tracked std of each weight (rounds summed in variance). */
function tracked(plan: logreg.TrainingPlan, batches: Batches): { exact: Float64Array; std: Float64Array } {
  const sim = createSimBackend(plan.params, { rotations: plan.rotations, noise: 'track' });
  try {
    const { weights, std } = logreg.trainTracked(sim, plan, batches);
    return { exact: weights, std };
  } finally {
    sim.dispose();
  }
}

const rms = (xs: ArrayLike<number>): number => Math.sqrt(Array.from(xs).reduce((s, x) => s + x * x, 0) / xs.length);

interface TrackingRow {
  readonly circuit: logreg.CircuitName;
  readonly minibatches: number;
  readonly batchSize: number;
  readonly ringDegree: number;
  readonly scaleBits: number;
  readonly scale: 'planned' | 'largest fitting';
  /** Minibatches per round. */
  readonly rounds: readonly number[];
  readonly trackedRms: number;
  readonly observedRms: number;
  /** observedRms / trackedRms over all runs, and per SEAL run. */
  readonly ratio: number;
  readonly perRun: readonly number[];
  readonly sealSeconds: number;
}

async function measure(circuit: logreg.CircuitName, k: number, ringDegree: number): Promise<TrackingRow> {
  const batches = logreg.minibatches(data, k, batchSize);
  const { plan, scale } = planAt(circuit, k, ringDegree, batches);
  const { exact, std } = tracked(plan, batches);
  const trackedRms = rms(std);
  const errors: number[] = [];
  const perRun: number[] = [];
  const t0 = performance.now();
  for (let r = 0; r < runs; r++) {
    const seal = await createSealBackend(plan.params, { rotations: plan.rotations });
    try {
      const { weights } = logreg.trainEncrypted(seal, plan, batches);
      const err = Array.from(weights, (w, j) => w - (exact[j] as number));
      errors.push(...err);
      perRun.push(rms(err) / trackedRms);
    } finally {
      seal.dispose();
    }
  }
  const observedRms = rms(errors);
  return {
    circuit, minibatches: k, batchSize, ringDegree, scaleBits: Math.log2(plan.params.scale), scale, rounds: plan.rounds,
    trackedRms, observedRms, ratio: observedRms / trackedRms, perRun, sealSeconds: (performance.now() - t0) / 1000 / runs,
  };
}

function table(rows: readonly TrackingRow[]): string {
  return [
    '| circuit | k | b | N | scale | rounds | tracked RMS std | observed RMS (SEAL) | observed / tracked | per run | SEAL s / run |',
    '|---|---:|---:|---:|---|---|---:|---:|---:|---|---:|',
    ...rows.map((r) => `| ${r.circuit} | ${r.minibatches} | ${r.batchSize} | ${r.ringDegree} | 2^${r.scaleBits}${r.scale === 'planned' ? '' : ' (largest fitting)'} | ${r.rounds.join('+')} | ` +
      `${r.trackedRms.toExponential(2)} | ${r.observedRms.toExponential(2)} | ${r.ratio.toFixed(2)} | ${r.perRun.map((x) => x.toFixed(2)).join(', ')} | ${r.sealSeconds.toFixed(1)} |`),
  ].join('\n');
}

const out = resultsDir(false);
mkdirSync(out, { recursive: true });
const suffix = process.argv.includes('--out') ? `-${list('out', [''])[0]}` : '';
const rows: TrackingRow[] = [];
const write = (): void => {
  const text = [
    '# Tracked error of whole training runs against SEAL',
    '',
    `MNIST 3 vs 8, minibatches of ${batchSize}, node-seal 6.0.3, ${runs} SEAL runs per row (each with its own keys).`,
    `Scale and rounds as \`hekit train\` plans them (tracked, ${PRECISION_BITS} bits of weight precision), refreshed between rounds;`,
    'where no scale meets that at N, the largest scale that fits a round. tracked = RMS over the weights of the planner\'s',
    'estimate (each round\'s tracked std, summed in variance over rounds); observed = RMS of (SEAL - exact) over weights and runs.',
    'Target for observed / tracked: [0.5, 2].',
    '',
    table(rows),
    '',
  ].join('\n');
  writeFileSync(`${out}tracking${suffix}.md`, text);
  writeFileSync(`${out}tracking${suffix}.json`, `${JSON.stringify({ runs, batchSize, rows }, null, 2)}\n`);
};

for (const ringDegree of rings) {
  for (const circuit of circuits) {
    for (const k of ks) {
      const row = await measure(circuit, k, ringDegree);
      console.error(`${circuit} k=${k} N=${ringDegree} 2^${row.scaleBits} rounds ${row.rounds.join('+')}: observed / tracked ${row.ratio.toFixed(2)} (${row.perRun.map((x) => x.toFixed(2)).join(', ')}), ${row.sealSeconds.toFixed(1)} s per SEAL run`);
      rows.push(row);
      write();
    }
  }
}
