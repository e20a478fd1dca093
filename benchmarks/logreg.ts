/**
 * Encrypted logistic-regression training benchmark: `npm run bench:logreg [-- --quick]`.
 * k = 6 minibatches of 256 (MNIST 3 vs 8), baseline vs low-depth, scale 2^36, 128-bit security:
 * - "refresh allowed": each circuit on its own smallest chain at N = 16384, as many rounds as it
 *   needs (the default plan of `hekit train`);
 * - "two rounds": both circuits limited to 2 client round trips (3 minibatches per round), so the
 *   baseline needs 15 levels and N = 32768 while the low-depth circuit stays at N = 16384.
 * - "one round" (`-- --one-round`, in a process of its own): no refresh at all.
 * Each case runs in the encoding unit the cost model predicts fastest on the pool (the minibatch's
 * height, half or a quarter of it), as the planner picks.
 * One run per case (a run is tens of seconds to minutes), which also gives the counts, weights
 * and heap; keys are generated outside the timed function. Writes benchmarks/results/logreg.{json,md} (logreg-one-round.* with --one-round).
 *
 * The cost model is calibrated first, in the same process (`hekit calibrate`'s run), and each
 * SEAL case's training and key set-up are predicted with it (`logreg.predictTraining`) beside the
 * measurement. Then the planner's candidates for the default request (`hekit train --plan`, up to
 * 2 workers) are listed with their predicted seconds, and the fastest few are run to measure them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { logreg } from '../algorithms/index.js';
import { createSealBackend, sealHeapBytes } from '../backends/seal/index.js';
import { createSealPool, type SealPool } from '../backends/seal/pool/index.js';
import { createSimBackend } from '../backends/sim/index.js';
import { createCostModel, type Backend, type CkksParams } from '../core/index.js';
import { calibrate } from '../cli/calibrate.js';
import { machineDescription } from '../cli/cost-cache.js';
import { fmtMs, runSuite } from './harness.js';
import { resultsDir } from './paths.js';
import { loadSource, prepare } from '../cli/source.js';

const quick = process.argv.includes('--quick');
const out = resultsDir(quick);
mkdirSync(out, { recursive: true });

const WORKERS = availableParallelism();
const data = logreg.loadDataset();
const [K, B] = quick ? [2, 64] : [6, 256];
const batches = logreg.minibatches(data, K, B);
const scenarios = quick
  ? [{ name: 'refresh allowed', ringDegree: 8192, perRound: undefined, scaleBits: 24 }]
  : [
    { name: 'refresh allowed', ringDegree: 16384, perRound: undefined, scaleBits: 36 },
    { name: 'two rounds', ringDegree: undefined, perRound: 3, scaleBits: 36 },
    // Alone (`-- --one-round`): after the other cases the heap is too fragmented for its 2.1 GiB of keys.
  ].filter(() => !process.argv.includes('--one-round')).concat(
    process.argv.includes('--one-round') ? [{ name: 'one round', ringDegree: undefined, perRound: 6, scaleBits: 36 }] : [],
  );

interface Measured {
  depth: number; ms: number; keygenMs: number;
  /** The cost model's prediction of ms and keygenMs (SEAL and pool only). */
  predictedMs: number | null; predictedKeygenMs: number | null; ops: Record<string, number>; inputBytes: number; accuracy: number; twinAccuracy: number; weightError: number;
  /** SEAL's WebAssembly heap at its largest (per worker for the pool; the whole process's thread for SEAL); null on the simulator. */
  heapBytes: number | null;
}
type Row = { scenario: string; circuit: string; backend: string; ringDegree: number; primes: number; rounds: number; tile?: string } & (Measured | { failure: string });
const rows: Row[] = [];

console.error('calibrating the cost model (hekit calibrate)');
// The lowest of three runs, as the shipped defaults are measured: one run prices ops 1.2 to 1.5x high.
const calibration = await calibrate({ rings: quick ? [8192] : [8192, 16384, 32768], repeat: quick ? 1 : 3, json: false }, (text) => console.error(`calibrate: ${text}`), machineDescription());
const costModel = createCostModel(calibration, 'calibrated');
/** Predicted seconds of `p` on `workers` threads: training (with refreshes) and set-up (keys, pool). */
const predict = (p: logreg.TrainingPlan, workers: number): { training: number; setup: number } => {
  const { seconds: s } = logreg.predictTraining(p, batches, costModel, { workers, cores: WORKERS });
  return { training: s.training + s.refresh + s.transfer, setup: s.keys + s.poolSetUp };
};

/**
 * In-heap bytes of the relinearization key and `steps` Galois keys: each is one ciphertext over all
 * k primes per data prime (SEAL's decomposition), 2·N·k·8 bytes each.
 */
const keyHeapBytes = (params: CkksParams, steps: number): number =>
  (steps + 1) * (params.maxLevel + 1) * 2 * params.ringDegree * params.bitSizes.length * 8;
/** Above this the round's working set no longer fits next to the keys (measured: 2.1 GiB runs, 2.7 GiB fails). */
const HEAP_KEY_BUDGET = 2.5 * 2 ** 30;
/** The pool splits Galois keys across its workers above this (its 'auto' placement). */
const POOL_SPLIT_ABOVE = 2 ** 31;

/** Of the minibatch-tall unit, half and a quarter of it, the plan the cost model predicts fastest on the pool (as the planner picks). */
function fastestUnit(request: logreg.TrainingPlanRequest): logreg.TrainingPlan {
  const plans = logreg.unitHeights(request.batchSize, logreg.planTraining(request).params.slots).map((unitHeight) => logreg.planTraining({ ...request, unitHeight }));
  const cost = (p: logreg.TrainingPlan): number => {
    const { training, setup } = predict(p, WORKERS);
    return training + setup;
  };
  return plans.reduce((best, p) => (cost(p) < cost(best) ? p : best));
}

/** The smallest secure ring that fits the requested rounds, or why none does; the unit predicted fastest. */
function plan(circuit: logreg.CircuitName, s: (typeof scenarios)[number]): logreg.TrainingPlan | string {
  const request = { circuit, minibatches: K, batchSize: B, features: data.features, scaleBits: s.scaleBits, valueBits: logreg.valueBits(batches) };
  const perRound = s.perRound === undefined ? {} : { minibatchesPerRound: s.perRound };
  if (s.ringDegree) return fastestUnit({ ...request, ringDegree: s.ringDegree, ...perRound });
  for (const ringDegree of [16384, 32768]) {
    const p = logreg.planTraining({ ...request, ringDegree, ...perRound });
    if (p.rounds.length === Math.ceil(K / s.perRound!)) return fastestUnit({ ...request, ringDegree, ...perRound });
  }
  return `${Math.ceil(K / s.perRound!)} round(s) need ${logreg.roundDepth(circuit, s.perRound!, 'zero')} levels, more than 128-bit security allows at N = 32768 with a 2^${s.scaleBits} scale`;
}

for (const s of scenarios) {
  for (const circuit of ['lowdepth', 'baseline'] as const) {
    const p = plan(circuit, s);
    if (typeof p === 'string') {
      rows.push({ scenario: s.name, circuit, backend: 'seal', ringDegree: 0, primes: 0, rounds: 0, failure: p });
      console.error(`${s.name} ${circuit}: ${p}`);
      continue;
    }
    for (const backendName of ['sim', 'sim-off', 'seal', 'pool'] as const) {
      let ev: Backend | undefined;
      const all = keyHeapBytes(p.params, p.rotations.length);
      const keys = backendName === 'pool' && all > POOL_SPLIT_ABOVE ? all / WORKERS : all;
      if ((backendName === 'seal' || backendName === 'pool') && keys > HEAP_KEY_BUDGET) {
        const failure = `keys need ${(keys / 2 ** 30).toFixed(2)} GiB of the 4 GiB WebAssembly heap; a round needs 1.5 GiB more (std::bad_alloc when tried)`;
        rows.push({ scenario: s.name, circuit, backend: backendName, ringDegree: p.params.ringDegree, primes: p.params.bitSizes.length, rounds: p.rounds.length, failure });
        console.error(`${s.name} ${circuit} ${backendName}: skipped: ${failure}`);
        continue;
      }
      try {
        const t0 = performance.now();
        ev = backendName === 'seal' ? await createSealBackend(p.params, { rotations: p.rotations })
          : backendName === 'pool' ? await createSealPool(p.params, { rotations: p.rotations, workers: WORKERS, analysis: logreg.analyzeRound(p, batches) })
          : createSimBackend(p.params, { rotations: p.rotations, noise: backendName === 'sim' ? 'inject' : 'off' });
        const keygenMs = performance.now() - t0;
        const backend = ev;
        // The timed run also gives the counts, weights and heap (benny reports a body's throw only as "not completed").
        let trained: logreg.TrainingResult | undefined;
        let thrown: unknown;
        const [result] = await runSuite(`logreg-${s.name.replace(/ /g, '-')}-${circuit}-${backendName}`, [{
          name: `${circuit} k=${K}`, tags: { circuit, backend: backendName },
          fn: () => {
            backend.resetStats();
            try {
              trained = logreg.trainEncrypted(backend, p, batches);
            } catch (e) {
              thrown = e;
              throw e;
            }
          },
        }], { minSamples: 1, maxTime: 0.01, folder: out }).catch((e: unknown) => { throw thrown ?? e; });
        if (trained === undefined) throw thrown ?? new Error('the timed run did not finish');
        const ops = { ...ev.stats().ops };
        const heap = 'poolStats' in ev ? (ev as SealPool).poolStats().workerHeapBytes : [sealHeapBytes()];
        const twin = logreg.trainPlain(batches, { rule: circuit === 'baseline' ? 'nesterov' : 'gradient', ...logreg.TRAINING_DEFAULTS });
        rows.push({
          scenario: s.name, circuit, backend: backendName, ringDegree: p.params.ringDegree, primes: p.params.bitSizes.length, rounds: p.rounds.length,
          tile: `${p.unit.height} x ${p.unit.width}`, depth: trained.rounds.reduce((a, r) => a + r.levelsUsed, 0), ms: result!.ms, keygenMs, ops, inputBytes: trained.inputBytes,
          ...(backendName.startsWith('sim') ? { predictedMs: null, predictedKeygenMs: null } : (() => {
            const predicted = predict(p, backendName === 'pool' ? WORKERS : 1);
            return { predictedMs: 1000 * predicted.training, predictedKeygenMs: 1000 * predicted.setup };
          })()),
          heapBytes: backendName.startsWith('sim') ? null : Math.max(...heap),
          accuracy: logreg.accuracy(data.test, trained.weights), twinAccuracy: logreg.accuracy(data.test, twin.w),
          weightError: Math.max(...trained.weights.map((w, j) => Math.abs(w - twin.w[j]!))),
        });
        console.error(`${s.name} ${circuit} ${backendName}: ${fmtMs(result!.ms)}`);
      } catch (e) {
        // node-seal's heap is capped at 4 GiB: a deep chain's Galois keys alone can exhaust it.
        const failure = e instanceof Error ? e.message : typeof e === 'number' ? `node-seal aborted with a C++ exception (${e}; std::bad_alloc when the 4 GiB heap is full)` : String(e);
        rows.push({ scenario: s.name, circuit, backend: backendName, ringDegree: p.params.ringDegree, primes: p.params.bitSizes.length, rounds: p.rounds.length, failure });
        console.error(`${s.name} ${circuit} ${backendName}: failed: ${failure}`);
      } finally {
        ev?.dispose();
      }
    }
  }
}

// The planner's candidates for the default request of `hekit train` (MNIST 3 vs 8 as it prepares it), the fastest few measured.
const defaultData = prepare(loadSource({ kind: 'mnist', digits: [3, 8] }, null), { testFraction: null, positive: null, seed: logreg.DEFAULT_SEED });
const request = quick ? { minibatches: K, batchSize: B } : {};
const timed = logreg.planModelByTime(defaultData, { ...request, maxWorkers: WORKERS, cores: WORKERS }, createSimBackend, costModel);
const MEASURED_CANDIDATES = quick ? 2 : 8;
// The chosen candidate and the fastest others.
const chosenIndex = timed.candidates.indexOf(timed.chosen);
const measuredIndices = new Set([chosenIndex, ...[...timed.candidates.keys()].filter((i) => i !== chosenIndex).slice(0, MEASURED_CANDIDATES - 1)]);
const candidateRows = [];
for (const [i, c] of timed.candidates.entries()) {
  let measuredSeconds: number | string | null = null;
  if (measuredIndices.has(i)) {
    const pinned = { circuit: c.circuit, ringDegree: c.ringDegree, minibatchesPerRound: c.minibatchesPerRound, unitHeight: c.unitHeight, workers: c.workers, scaleBits: c.scaleBits ?? c.largestScaleBits };
    const { plan: p } = logreg.planModelByTime(defaultData, { ...request, ...pinned, maxWorkers: WORKERS }, createSimBackend, costModel);
    let ev: Backend | undefined;
    try {
      const t0 = performance.now();
      ev = c.workers > 1 ? await createSealPool(p.params, { rotations: p.rotations, workers: c.workers, keyPlacement: c.keyPlacement, analysis: logreg.analyzeRound(p, logreg.foldedBatches(defaultData, 1, p.minibatches, p.batchSize)) })
        : await createSealBackend(p.params, { rotations: p.rotations });
      logreg.trainModel(Object.assign(ev, { name: 'seal' }), p, defaultData);
      measuredSeconds = (performance.now() - t0) / 1000;
    } catch (e) {
      measuredSeconds = `failed: ${e instanceof Error ? e.message : String(e)}`;
    } finally {
      ev?.dispose();
    }
    console.error(`candidate ${i + 1}: ${c.circuit} N = ${c.ringDegree} ${c.minibatchesPerRound}/round ${c.workers} workers: predicted ${c.predictedSeconds.toFixed(1)} s, measured ${typeof measuredSeconds === 'number' ? measuredSeconds.toFixed(1) : measuredSeconds}`);
  }
  candidateRows.push({ ...c, chosen: c === timed.chosen, measuredSeconds });
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
const find = (scenario: string, circuit: string, backend: string) => rows.find((r) => r.scenario === scenario && r.circuit === circuit && r.backend === backend);
const measured = (r: Row | undefined): (Row & Measured) | undefined => (r && !('failure' in r) ? r : undefined);
const ratio = (a: (Row & Measured) | undefined, b: (Row & Measured) | undefined): string => (a && b ? `${(a.ms / b.ms).toFixed(2)}x` : 'n/a');
const ratios = scenarios.map(({ name }) => {
  const [low, base, lowSim, lowOff, lowPool, basePool] = [
    measured(find(name, 'lowdepth', 'seal')), measured(find(name, 'baseline', 'seal')), measured(find(name, 'lowdepth', 'sim')),
    measured(find(name, 'lowdepth', 'sim-off')), measured(find(name, 'lowdepth', 'pool')), measured(find(name, 'baseline', 'pool')),
  ];
  const mults = low && base ? `${((low.ops.mul! + low.ops.square! + low.ops.mulPlain!) / (base.ops.mul! + base.ops.square! + base.ops.mulPlain!)).toFixed(2)}x` : 'n/a';
  const bytes = low && base ? `${(low.inputBytes / base.inputBytes).toFixed(2)}x` : 'n/a';
  return `| ${name} | ${ratio(base, low)} | ${ratio(basePool, lowPool)} | ${ratio(low, lowPool)} | ${ratio(base, basePool)} | ${bytes} | ${mults} | ${ratio(low, lowSim)} | ${ratio(low, lowOff)} |`;
});
const text = [
  '# Encrypted logistic-regression training',
  '',
  `MNIST 3 vs 8, k = ${K} minibatches of ${B}, 197 features, scale 2^${scenarios[0]!.scaleBits}, 128-bit security, one run per case (SEAL keys generated outside the timing)${quick ? ' (quick run)' : ''}.`,
  `Backends: the simulator with noise injection (sim) or values only (sim-off), SEAL on the main thread, and SEAL on a pool of ${WORKERS} worker threads (hekit/seal/pool). "depth" sums the levels of all rounds; inputs are uncompressed ciphertext bytes; heap is SEAL's WebAssembly heap at its largest (per worker for the pool).`,
  '',
  '| scenario | circuit | backend | N | primes | tiles | rounds | depth | time (ms) | keygen (ms) | ct x ct | ct x pt | rotations | input MiB | heap MiB | accuracy (twin) | max weight error |',
  '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|',
  ...rows.map((r) => ('failure' in r
    ? `| ${r.scenario} | ${r.circuit} | ${r.backend} | ${r.ringDegree} | ${r.primes} | | ${r.rounds} | | failed: ${r.failure} | | | | | | | | |`
    : `| ${r.scenario} | ${r.circuit} | ${r.backend} | ${r.ringDegree} | ${r.primes} | ${r.tile} | ${r.rounds} | ${r.depth} | ${fmtMs(r.ms)} | ${fmtMs(r.keygenMs)} | ${r.ops.mul! + r.ops.square!} | ${r.ops.mulPlain} | ${r.ops.rotate} | ${(r.inputBytes / 2 ** 20).toFixed(1)} | ${r.heapBytes === null ? '' : (r.heapBytes / 2 ** 20).toFixed(0)} | ${pct(r.accuracy)} (${pct(r.twinAccuracy)}) | ${r.weightError.toExponential(2)} |`)),
  '',
  `| scenario | baseline / low-depth time (SEAL, 1 thread) | baseline / low-depth time (pool, ${WORKERS} workers) | pool speed-up, low-depth | pool speed-up, baseline | low-depth / baseline input bytes | low-depth / baseline multiplications | SEAL / simulator time, injected noise (low-depth) | SEAL / simulator time, noise off (low-depth) |`,
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...ratios,
  '',
  `Cost model, calibrated in this run (${calibration.rings.map((r) => r.ringDegree).join(', ')}): predicted against measured seconds of each SEAL case (training with refreshes; set-up: keys, and the pool's start and key loading).`,
  '',
  '| scenario | circuit | backend | training predicted (s) | measured (s) | predicted / measured | set-up predicted (s) | measured (s) | predicted / measured |',
  '|---|---|---|---:|---:|---:|---:|---:|---:|',
  ...rows.filter((r): r is Row & Measured => !('failure' in r) && r.predictedMs !== null).map((r) =>
    `| ${r.scenario} | ${r.circuit} | ${r.backend} | ${(r.predictedMs! / 1000).toFixed(2)} | ${(r.ms / 1000).toFixed(2)} | ${(r.predictedMs! / r.ms).toFixed(2)} | ` +
    `${(r.predictedKeygenMs! / 1000).toFixed(2)} | ${(r.keygenMs / 1000).toFixed(2)} | ${(r.predictedKeygenMs! / r.keygenMs).toFixed(2)} |`),
  '',
  `Candidates of the default request (\`hekit train --plan\`: MNIST 3 vs 8, ${timed.plan.minibatches} minibatches of ${timed.plan.batchSize}, 2^-9, up to ${WORKERS} workers), fastest predicted first; the chosen one in bold; ` +
    `the chosen one and the fastest others, ${MEASURED_CANDIDATES} in all, measured (keys, pool set-up and training with \`logreg.trainModel\`, one run each). Scale '<= S': unchecked, the largest that fits (measured at it).`,
  '',
  '| circuit | N | per round | rounds | primes | tiles | scale | workers | predicted (s) | measured (s) | predicted / measured | input MiB | keys MiB | precision |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ...candidateRows.map((c) => {
    const m = c.measuredSeconds;
    const name = c.chosen ? `**${c.circuit}**` : c.circuit;
    return `| ${name} | ${c.ringDegree} | ${c.minibatchesPerRound} | ${c.rounds} | ${c.primes} | ${c.unitHeight} x ${c.ringDegree / 2 / c.unitHeight} | ${c.scaleBits ?? `<= ${c.largestScaleBits}`} | ${c.workers} | ${c.predictedSeconds.toFixed(1)} | ` +
      `${typeof m === 'number' ? m.toFixed(1) : m ?? ''} | ${typeof m === 'number' ? (c.predictedSeconds / m).toFixed(2) : ''} | ${(c.inputBytes / 2 ** 20).toFixed(0)} | ${(c.keyBytes / 2 ** 20).toFixed(0)} | ` +
      `${c.precision}${c.predictedWeightError === null ? '' : ` (${c.predictedWeightError.toExponential(1)})`} |`;
  }),
  '',
].join('\n');
console.log(text);
const file = process.argv.includes('--one-round') ? 'logreg-one-round' : 'logreg';
writeFileSync(`${out}${file}.md`, text);
writeFileSync(`${out}${file}.json`, `${JSON.stringify(rows, null, 2)}\n`);
writeFileSync(`${out}${file}-plan.json`, `${JSON.stringify({ calibration, candidates: candidateRows }, null, 2)}\n`);
