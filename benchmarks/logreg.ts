/**
 * Encrypted logistic-regression training benchmark: `npm run bench:logreg [-- --quick]`.
 * k = 6 minibatches of 256 (MNIST 3 vs 8), baseline vs low-depth, scale 2^36, 128-bit security:
 * - "refresh allowed": each circuit on its own smallest chain at N = 16384, as many rounds as it
 *   needs (the default plan of `hekit train`);
 * - "two rounds": both circuits limited to 2 client round trips (3 minibatches per round), so the
 *   baseline needs 15 levels and N = 32768 while the low-depth circuit stays at N = 16384.
 * One sample per case (a run is tens of seconds to minutes); keys are generated outside the
 * timed function. Writes benchmarks/results/logreg.{json,md}.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { logreg } from '../algorithms/index.js';
import { createSealBackend } from '../backends/seal/index.js';
import { createSimBackend } from '../backends/sim/index.js';
import type { Backend } from '../core/index.js';
import { fmtMs, runSuite } from './harness.js';

const quick = process.argv.includes('--quick');
const out = fileURLToPath(new URL(quick ? './results/quick/' : './results/', import.meta.url));
mkdirSync(out, { recursive: true });

const data = logreg.loadDataset();
const [K, B] = quick ? [2, 64] : [6, 256];
const batches = logreg.minibatches(data, K, B);
const scenarios = quick
  ? [{ name: 'refresh allowed', ringDegree: 8192, perRound: undefined, scaleBits: 24 }]
  : [
    { name: 'refresh allowed', ringDegree: 16384, perRound: undefined, scaleBits: 36 },
    { name: 'two rounds', ringDegree: undefined, perRound: 3, scaleBits: 36 },
  ];

interface Row {
  scenario: string; circuit: string; backend: string; ringDegree: number; primes: number; rounds: number; depth: number;
  ms: number; keygenMs: number; ops: Record<string, number>; inputBytes: number; accuracy: number; twinAccuracy: number; weightError: number;
}
const rows: Row[] = [];

/** The smallest secure ring that fits the requested rounds. */
function plan(circuit: logreg.CircuitName, s: (typeof scenarios)[number]): logreg.TrainingPlan {
  const request = { circuit, minibatches: K, batchSize: B, features: data.features, scaleBits: s.scaleBits, valueBits: logreg.valueBits(batches) };
  const perRound = s.perRound === undefined ? {} : { minibatchesPerRound: s.perRound };
  if (s.ringDegree) return logreg.planTraining({ ...request, ringDegree: s.ringDegree, ...perRound });
  for (const ringDegree of [16384, 32768]) {
    const p = logreg.planTraining({ ...request, ringDegree, ...perRound });
    if (p.rounds.length === Math.ceil(K / s.perRound!)) return p;
  }
  throw new Error(`${circuit}: no ring fits ${s.name}`);
}

for (const s of scenarios) {
  for (const circuit of ['lowdepth', 'baseline'] as const) {
    const p = plan(circuit, s);
    for (const backendName of ['sim', 'seal'] as const) {
      const t0 = performance.now();
      const ev: Backend = backendName === 'seal'
        ? await createSealBackend(p.params, { rotations: p.rotations })
        : createSimBackend(p.params, { rotations: p.rotations, noise: 'inject' });
      const keygenMs = performance.now() - t0;
      let last: logreg.TrainingResult | undefined;
      const [result] = await runSuite(`logreg-${s.name.replace(/ /g, '-')}-${circuit}-${backendName}`, [{
        name: `${circuit} k=${K}`, fn: () => { ev.resetStats(); last = logreg.trainEncrypted(ev, p, batches); }, tags: { circuit, backend: backendName },
      }], { minSamples: 1, maxTime: 0.01, folder: out });
      const twin = logreg.trainPlain(batches, { rule: circuit === 'baseline' ? 'nesterov' : 'gradient', ...logreg.TRAINING_DEFAULTS });
      rows.push({
        scenario: s.name, circuit, backend: backendName, ringDegree: p.params.ringDegree, primes: p.params.bitSizes.length, rounds: p.rounds.length,
        depth: last!.rounds.reduce((a, r) => a + r.levelsUsed, 0), ms: result!.ms, keygenMs, ops: { ...ev.stats().ops }, inputBytes: last!.inputBytes,
        accuracy: logreg.accuracy(data.test, last!.weights), twinAccuracy: logreg.accuracy(data.test, twin.w),
        weightError: Math.max(...last!.weights.map((w, j) => Math.abs(w - twin.w[j]!))),
      });
      ev.dispose();
      console.error(`${s.name} ${circuit} ${backendName}: ${fmtMs(result!.ms)}`);
    }
  }
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
const find = (scenario: string, circuit: string, backend: string) => rows.find((r) => r.scenario === scenario && r.circuit === circuit && r.backend === backend)!;
const ratios = scenarios.map(({ name }) => {
  const [low, base] = [find(name, 'lowdepth', 'seal'), find(name, 'baseline', 'seal')];
  return `| ${name} | ${(base.ms / low.ms).toFixed(2)}x | ${(low.inputBytes / base.inputBytes).toFixed(2)}x | ${((low.ops.mul! + low.ops.square! + low.ops.mulPlain!) / (base.ops.mul! + base.ops.square! + base.ops.mulPlain!)).toFixed(2)}x | ${(find(name, 'lowdepth', 'sim').ms / low.ms * 100).toFixed(2)}% |`;
});
const text = [
  '# Encrypted logistic-regression training',
  '',
  `MNIST 3 vs 8, k = ${K} minibatches of ${B}, 197 features, scale 2^${scenarios[0]!.scaleBits}, 128-bit security, one run per case (SEAL keys generated outside the timing)${quick ? ' (quick run)' : ''}.`,
  'The simulator runs with noise injection. "depth" sums the levels of all rounds; inputs are uncompressed ciphertext bytes.',
  '',
  '| scenario | circuit | backend | N | primes | rounds | depth | time (ms) | keygen (ms) | ct x ct | ct x pt | rotations | input MiB | accuracy (twin) | max weight error |',
  '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|',
  ...rows.map((r) => `| ${r.scenario} | ${r.circuit} | ${r.backend} | ${r.ringDegree} | ${r.primes} | ${r.rounds} | ${r.depth} | ${fmtMs(r.ms)} | ${fmtMs(r.keygenMs)} | ${r.ops.mul! + r.ops.square!} | ${r.ops.mulPlain} | ${r.ops.rotate} | ${(r.inputBytes / 2 ** 20).toFixed(1)} | ${pct(r.accuracy)} (${pct(r.twinAccuracy)}) | ${r.weightError.toExponential(2)} |`),
  '',
  '| scenario | baseline time / low-depth time (SEAL) | low-depth / baseline input bytes | low-depth / baseline multiplications | simulator time / SEAL time (low-depth) |',
  '|---|---:|---:|---:|---:|',
  ...ratios,
  '',
].join('\n');
console.log(text);
writeFileSync(`${out}logreg.md`, text);
writeFileSync(`${out}logreg.json`, `${JSON.stringify(rows, null, 2)}\n`);
