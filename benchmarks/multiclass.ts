/**
 * One-vs-rest on shared inputs against K separate runs (issue 15): `npm run bench:multiclass [-- --quick | --seal]`.
 * All 10 MNIST digits (14 x 14, centred and scaled on the training split, 1,000 held-out rows,
 * seed 1), k = 6 minibatches of 256, scale 2^36, N = 16384, 128-bit security; both circuits:
 * - "shared": `trainEncryptedShared`, the unfolded X_k, X_kᵀ, M_k, M_kᵀ encrypted once per round
 *   for all 10 models, each model's label vectors (Xᵀy, M y) on top;
 * - "separate": 10 `trainEncrypted` runs, each on the rows folded for its digit.
 * On the injected simulator (ops from `stats()`: the server's ops and the client's encryptions
 * and decryptions alike); with `--seal`, on SEAL instead, for a small run (k = 2: one low-depth round, two baseline rounds).
 * Writes benchmarks/results/multiclass.{json,md} (multiclass-seal.* with --seal).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { logreg } from '../algorithms/index.js';
import { createSealBackend } from '../backends/seal/index.js';
import { createSimBackend } from '../backends/sim/index.js';
import type { Backend } from '../core/index.js';
import { fmtMs } from './harness.js';
import { resultsDir } from './paths.js';

const quick = process.argv.includes('--quick');
const withSeal = process.argv.includes('--seal');
const out = resultsDir(quick);
mkdirSync(out, { recursive: true });

const DIGITS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
const images = DIGITS.map((d) => logreg.loadDigit(d).map(logreg.downsample));
const data = logreg.prepareTable(
  { rows: images.flat().map((x) => Array.from(x)), labels: images.flatMap((set, d) => set.map(() => d)), featureNames: Array.from(images[0]![0]!, (_, j) => `pixel${j + 1}`) },
  { testSize: 1000, seed: 1, centre: true, classes: DIGITS },
);

interface Case { name: string; backend: 'sim' | 'seal'; minibatches: number; batchSize: number; ringDegree: number }
const cases: Case[] = quick
  ? [{ name: 'quick', backend: 'sim', minibatches: 2, batchSize: 64, ringDegree: 8192 }]
  : withSeal ? [{ name: 'k = 2, b = 256', backend: 'seal', minibatches: 2, batchSize: 256, ringDegree: 16384 }]
    : [{ name: 'k = 6, b = 256', backend: 'sim', minibatches: 6, batchSize: 256, ringDegree: 16384 }];

interface Measured {
  case: string; circuit: string; backend: string; mode: 'shared' | 'separate'; ringDegree: number; rounds: readonly number[];
  /** Levels per round (the same for every model) and their sum. */
  levelsPerRound: readonly number[]; depth: number;
  /** Wall-clock seconds, and this process's CPU seconds (user + system: less sensitive to other jobs on a shared machine). */
  seconds: number; cpuSeconds: number; ops: Record<string, number>; keySwitches: number;
  inputBytes: number; sharedBytes: number | null; labelBytes: number | null;
  accuracy: number; twinAccuracy: number; weightError: number;
}
const rows: Measured[] = [];

for (const c of cases) {
  const rows0 = data.train.slice(0, c.minibatches * c.batchSize);
  const batches = Array.from({ length: c.minibatches }, (_, k) => rows0.slice(k * c.batchSize, (k + 1) * c.batchSize));
  const labels = DIGITS.map((d) => data.trainLabels.slice(0, rows0.length).map((l) => (l === d ? 1 : -1)));
  const folded = DIGITS.map((d) => {
    const z = logreg.foldLabels(rows0, data.trainLabels.slice(0, rows0.length), d);
    return batches.map((_, k) => z.slice(k * c.batchSize, (k + 1) * c.batchSize));
  });
  for (const circuit of ['lowdepth', 'baseline'] as const) {
    const plan = logreg.planTraining({
      circuit, minibatches: c.minibatches, batchSize: c.batchSize, features: data.features, ringDegree: c.ringDegree, scaleBits: quick ? 24 : 36,
      valueBits: logreg.valueBits(folded[0]!),
    });
    const rule = circuit === 'baseline' ? 'nesterov' : 'gradient';
    const twins = folded.map((z) => logreg.trainPlain(z, { rule, ...logreg.TRAINING_DEFAULTS }).w);
    const twinAccuracy = logreg.heldOutAccuracy(data.test, data.testLabels, twins);
    for (const mode of ['shared', 'separate'] as const) {
      const ev: Backend = c.backend === 'seal'
        ? await createSealBackend(plan.params, { rotations: plan.rotations })
        : createSimBackend(plan.params, { rotations: plan.rotations, noise: 'inject', seed: 1 });
      try {
        ev.resetStats();
        const t0 = performance.now();
        const cpu0 = process.cpuUsage();
        let weights: Float64Array[];
        let levelsPerRound: number[];
        let inputBytes: number;
        let sharedBytes: number | null = null;
        let labelBytes: number | null = null;
        if (mode === 'shared') {
          const result = logreg.trainEncryptedShared(ev, plan, batches, labels);
          weights = [...result.weights];
          levelsPerRound = result.rounds.map((r) => r.levelsUsed);
          inputBytes = result.inputBytes;
          sharedBytes = result.rounds.reduce((s, r) => s + r.sharedBytes, 0);
          labelBytes = result.rounds.reduce((s, r) => s + r.labelBytes, 0);
        } else {
          const results = folded.map((z) => logreg.trainEncrypted(ev, plan, z));
          weights = results.map((r) => r.weights);
          levelsPerRound = results[0]!.rounds.map((r) => r.levelsUsed);
          if (results.some((r) => r.rounds.some((x, i) => x.levelsUsed !== levelsPerRound[i]))) throw new Error('separate runs used different levels');
          inputBytes = results.reduce((s, r) => s + r.inputBytes, 0);
        }
        const seconds = (performance.now() - t0) / 1000;
        const cpu = process.cpuUsage(cpu0);
        const cpuSeconds = (cpu.user + cpu.system) / 1e6;
        const stats = ev.stats();
        rows.push({
          case: c.name, circuit, backend: c.backend, mode, ringDegree: plan.params.ringDegree, rounds: plan.rounds,
          levelsPerRound, depth: levelsPerRound.reduce((a, b) => a + b, 0), seconds, cpuSeconds, ops: { ...stats.ops }, keySwitches: stats.keySwitches,
          inputBytes, sharedBytes, labelBytes,
          accuracy: logreg.heldOutAccuracy(data.test, data.testLabels, weights), twinAccuracy,
          weightError: Math.max(...weights.map((w, d) => Math.max(...w.map((x, j) => Math.abs(x - twins[d]![j]!))))),
        });
        console.error(`${c.name} ${circuit} ${c.backend} ${mode}: ${fmtMs(seconds * 1000)}`);
      } finally {
        ev.dispose();
      }
    }
  }
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
const mib = (b: number | null) => (b === null ? '' : (b / 2 ** 20).toFixed(1));
const mults = (r: Measured) => r.ops.mul! + r.ops.square!;
const pairs = rows.filter((r) => r.mode === 'shared').map((s) => [s, rows.find((r) => r.mode === 'separate' && r.case === s.case && r.circuit === s.circuit)!] as const);
const text = [
  '# One-vs-rest on shared inputs: all 10 MNIST digits',
  '',
  `MNIST 0-9, 14 x 14 (196 features + bias), centred and scaled on the training split, ${data.test.length} held-out rows (seed 1), one-vs-rest with 10 binary models, scale 2^${quick ? 24 : 36}, 128-bit security, α = 2, HHCP's [-8, 8] cubic${quick ? ' (quick run)' : ''}.`,
  '"shared": one `trainEncryptedShared` run, the unfolded minibatches and cross-Gram matrices encrypted once per round for all 10 models, each model adding its label vectors g·s0·Xᵀy (and g·s0·M y for the low-depth circuit); "separate": 10 `trainEncrypted` runs on rows folded per digit.',
  `Seconds are wall-clock, client included; in parentheses this process's CPU seconds. Measured on ${availableParallelism()} cores shared with other jobs (load average ${loadavg()[0]!.toFixed(1)} at the end): CPU seconds are the steadier comparison.`,
  'Ops are counted by the backend (server ops and the client\'s encryptions and decryptions); bytes are uncompressed ciphertexts the client sends; "levels per round" is the same for every model; accuracy is 10-class held-out accuracy (argmax of the 10 scores) of the encrypted models and of their float64 twins.',
  '',
  '| case | circuit | backend | mode | N | levels per round | encryptions | ct x ct | ct x pt | rotations | key switches | adds | input MiB (shared + labels) | seconds (CPU) | accuracy (twin) | max weight error |',
  '|---|---|---|---|---:|---|---:|---:|---:|---:|---:|---:|---|---|---|---:|',
  ...rows.map((r) => `| ${r.case} | ${r.circuit} | ${r.backend} | ${r.mode} | ${r.ringDegree} | ${r.levelsPerRound.join(' + ')} = ${r.depth} | ${r.ops.encrypt} | ${mults(r)} | ${r.ops.mulPlain} | ${r.ops.rotate} | ${r.keySwitches} | ${r.ops.add! + r.ops.sub!} | ${mib(r.inputBytes)}${r.sharedBytes === null ? '' : ` (${mib(r.sharedBytes)} + ${mib(r.labelBytes)})`} | ${r.seconds.toFixed(2)} (${r.cpuSeconds.toFixed(2)}) | ${pct(r.accuracy)} (${pct(r.twinAccuracy)}) | ${r.weightError.toExponential(2)} |`),
  '',
  '| case | circuit | backend | extra levels per round | shared / separate: encryptions | ct x ct | ct x pt | rotations | input bytes | seconds | CPU seconds |',
  '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...pairs.map(([s, p]) => {
    const r = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
    const extra = Math.max(...s.levelsPerRound.map((l, i) => l - p.levelsPerRound[i]!));
    return `| ${s.case} | ${s.circuit} | ${s.backend} | ${extra} | ${r(s.ops.encrypt!, p.ops.encrypt!)} | ${r(mults(s), mults(p))} | ${r(s.ops.mulPlain!, p.ops.mulPlain!)} | ${r(s.ops.rotate!, p.ops.rotate!)} | ${r(s.inputBytes, p.inputBytes)} | ${r(s.seconds, p.seconds)} | ${r(s.cpuSeconds, p.cpuSeconds)} |`;
  }),
  '',
].join('\n');
console.log(text);
const file = withSeal ? 'multiclass-seal' : 'multiclass';
writeFileSync(`${out}${file}.md`, text);
writeFileSync(`${out}${file}.json`, `${JSON.stringify({ digits: DIGITS, testRows: data.test.length, seed: 1, rows }, null, 2)}\n`);
