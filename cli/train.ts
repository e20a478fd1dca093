/**
 * `hekit train`: encrypted logistic-regression training on MNIST 3 vs 8, end to end — data,
 * parameter plan, keys, the circuit in rounds, and a comparison with the float64 twin.
 */
import { Command } from 'commander';
import { logreg, sigmoidCubic8 } from '../algorithms/index.js';
import { createSealBackend } from '../backends/seal/index.js';
import { createSealPool } from '../backends/seal/pool/index.js';
import { createSimBackend } from '../backends/sim/index.js';
import { paired, type Backend, type CircuitAnalysis, type ClosestOp, type PairedBackend } from '../core/index.js';
import { checkWorkerCores, checkWorkerMemory, workerMemory, type Machine } from './machine.js';
import { choice, configure, given, integer, option, orWord, parseWith, positiveNumber, refuse, UsageError } from './options.js';
import { PHASES, silent, type Phase, type TrainProgress } from './progress.js';

export interface TrainArgs {
  /** 'paired': SEAL checked op by op against the tracking simulator (DIVERGENCE at the first disagreement). */
  readonly backend: 'seal' | 'sim' | 'paired';
  readonly circuit: logreg.CircuitName;
  readonly minibatches: number;
  readonly batchSize: number;
  readonly seed: number;
  readonly json: boolean;
  readonly noise: 'off' | 'track' | 'inject';
  readonly ringDegree: number;
  /** Cap on minibatches per round (null: as many as the chain allows). */
  readonly perRound: number | null;
  /** null: the smallest scale meeting `precisionBits`, found on the injected simulator. */
  readonly scaleBits: number | null;
  readonly precisionBits: number;
  readonly learningRate: number;
  /** SEAL worker threads: 1 runs on the main thread, more on a pool (hekit/seal/pool). */
  readonly workers: number;
  /** No progress on stderr. */
  readonly quiet: boolean;
}

/** `hekit train`'s options, descriptions, defaults and examples (no action: hekit.ts adds it). */
export function trainCommand(): Command {
  return configure(new Command('train'))
    .summary('train logistic regression on encrypted MNIST digits (3 vs 8), on SEAL or the simulator')
    .description('Train logistic regression on encrypted MNIST digits (3 vs 8): load the data, plan the parameters, make the keys, ' +
      'run the circuit in rounds, and compare with the float64 twin. Progress goes to stderr, the summary (or --json) to stdout.')
    .addOption(option('backend', 'seal|sim|paired', 'where the circuit runs: SEAL, the simulator, or SEAL checked op by op against the simulator', choice('seal', 'sim', 'paired'), 'seal'))
    .addOption(option('circuit', 'lowdepth|baseline', "the update rule: Crockett's low-depth circuit or the Han et al. baseline", choice('lowdepth', 'baseline'), 'lowdepth'))
    .addOption(option('minibatches', 'K', 'minibatches to train on (1 to 64)', integer(1, 64), 6))
    .addOption(option('batch-size', 'B', 'samples per minibatch (1 to 1024)', integer(1, 1024), 256))
    .addOption(option('seed', 'S', 'seed of the train/test split and of the simulator noise (0 to 2^32 - 1)', integer(0, 2 ** 32 - 1), logreg.DEFAULT_SEED))
    .addOption(option('ring', '8192|16384|32768', 'ring degree N', (name, text) => Number(choice('8192', '16384', '32768')(name, text)), 16384))
    .addOption(option('per-round', 'K', 'at most K minibatches per round (default: as many as the chain allows)', integer(1, 64)))
    .addOption(option('scale-bits', 'S|auto', 'scale 2^S (20 to 50); auto: the smallest meeting --precision-bits on the noise-injected simulator',
      orWord('auto', integer(20, 50)), 'auto'))
    .addOption(option('precision-bits', 'P', 'with --scale-bits auto: weights within 2^-P of the float64 twin (1 to 30)', integer(1, 30), 9))
    .addOption(option('learning-rate', 'A', 'learning rate, a positive number', positiveNumber, 2))
    .addOption(option('noise', 'off|track|inject', "with --backend sim: off (exact values), track (predict SEAL's error) or inject (draw it into the values)",
      choice('off', 'track', 'inject'), 'inject'))
    .addOption(option('workers', 'W', 'with --backend seal: SEAL on W worker threads (hekit/seal/pool); at most one per core and as many as memory allows', integer(1, 64), 1))
    .addOption(option('json', null, 'print one JSON object on stdout instead of the summary', null))
    .addOption(option('quiet', null, 'no progress on stderr', null))
    .addHelpText('after', `
Examples:
  hekit train                                      SEAL, low-depth circuit, 6 minibatches of 256 (about a minute)
  hekit train --backend sim --noise off            the same on the simulator, exact values, in seconds
  hekit train --circuit baseline --workers 2 --json
  hekit train --ring 32768 --scale-bits 36         all 6 minibatches in one round

Exit codes: 0 done, 1 failure, 2 bad usage.`);
}

/** Options `cmd` parsed, checked together: options that do not apply to the backend or scale are refused. */
export function trainArgsOf(cmd: Command, machine?: Machine): TrainArgs {
  const v = cmd.opts<{
    backend: TrainArgs['backend']; circuit: logreg.CircuitName; minibatches: number; batchSize: number; seed: number; ring: number; perRound?: number;
    scaleBits: number | 'auto'; precisionBits: number; learningRate: number; noise: TrainArgs['noise']; workers: number; json?: boolean; quiet?: boolean;
  }>();
  const passed = given(cmd);
  refuse(passed, 'workers', v.backend === 'seal', '--backend seal', `--backend ${v.backend}`);
  refuse(passed, 'noise', v.backend === 'sim', '--backend sim', `--backend ${v.backend}`);
  refuse(passed, 'precision-bits', v.scaleBits === 'auto', '--scale-bits auto', `--scale-bits ${v.scaleBits}`);
  if (v.perRound !== undefined && v.perRound > v.minibatches) {
    throw new UsageError(`--per-round must be at most --minibatches (${v.minibatches}); got ${v.perRound}`);
  }
  if (v.workers > 1) checkWorkerCores(v.workers, machine);
  return {
    backend: v.backend, circuit: v.circuit, minibatches: v.minibatches, batchSize: v.batchSize, seed: v.seed, json: v.json === true,
    noise: v.noise, ringDegree: v.ring, perRound: v.perRound ?? null, scaleBits: v.scaleBits === 'auto' ? null : v.scaleBits, precisionBits: v.precisionBits,
    learningRate: v.learningRate, workers: v.workers, quiet: v.quiet === true,
  };
}

/** Parses `hekit train` options; throws UsageError with a one-line message naming the option. */
export function parseTrainArgs(argv: readonly string[], machine?: Machine): TrainArgs {
  return trainArgsOf(parseWith(trainCommand(), argv), machine);
}

/** What `hekit train --json` prints. */
export interface TrainReport {
  backend: string;
  circuit: string;
  minibatches: number;
  batchSize: number;
  features: number;
  /** SEAL worker threads (1: the main thread; 0 on the simulator). */
  workers: number;
  depth: number;
  depthPerMinibatch: number;
  rounds: number;
  roundDetails: { minibatches: number; levelsUsed: number; seconds: number; inputBytes: number }[];
  params: { polyModulusDegree: number; coeffModulusBits: number[]; scaleBits: number; securityBits: number };
  /** The injected simulator's prediction of weightsMaxAbsDiff at the chosen scale (null when the scale was given). */
  predictedWeightsMaxAbsDiff: number | null;
  ops: { mul: number; mulPlain: number; rotate: number; rescale: number; relinearize: number; add: number };
  inputBytes: number;
  /** Keys and backend set-up (= phases.keys). */
  setupSeconds: number;
  /** Training rounds (= phases.training). */
  seconds: number;
  /**
   * Where the wall time went, in seconds, one phase after the other: process start-up, data, plan,
   * keys (backend set-up: keys, or the pool's keys and workers), training, twin (the float64
   * twins, accuracy, freeing the backend). They add up to wallSeconds.
   */
  phases: Record<Phase, number>;
  /** From the process's start to the report. */
  wallSeconds: number;
  accuracy: { encrypted: number; plaintext: number; plaintextExactSigmoid: number; testSamples: number };
  weightsMaxAbsDiff: number;
  /** With --backend paired: ops checked against the simulator and the one closest to its predicted bound. */
  lockstep: { opsChecked: number; closest: ClosestOp } | null;
}

const describeSetup = (args: TrainArgs): string =>
  args.backend === 'sim' ? `simulator (noise ${args.noise})`
    : args.backend === 'paired' ? 'SEAL keys, and the tracking simulator beside it'
      : args.workers > 1 ? `SEAL keys on the main thread, then ${args.workers} workers loading them (pool set-up)` : 'SEAL keys';

/**
 * Runs a training as `args` says, announcing each phase to `progress`. Throws UsageError when
 * the planned run needs more memory than `--workers` allows.
 */
export async function runTraining(args: TrainArgs, progress: TrainProgress = silent, machine?: Machine): Promise<TrainReport> {
  // Phases follow each other: each ends where the next starts, so they add up to the wall time.
  const marks: Partial<Record<Phase, number>> = { startup: 0 };
  const start = (phase: Phase, detail: string, label?: string): void => {
    marks[phase] = performance.now();
    progress.phase(phase, detail, label);
  };

  start('data', `MNIST 3 vs 8, ${args.minibatches} minibatches of ${args.batchSize} (seed ${args.seed})`);
  const data = logreg.loadDataset({ seed: args.seed });
  const batches = logreg.minibatches(data, args.minibatches, args.batchSize);
  const options = { learningRate: args.learningRate, sigmoid: sigmoidCubic8 };
  const request = { circuit: args.circuit, minibatches: args.minibatches, batchSize: args.batchSize, features: data.features, ringDegree: args.ringDegree,
    ...(args.perRound === null ? {} : { minibatchesPerRound: args.perRound }) };

  start('plan', args.scaleBits === null
    ? `N = ${args.ringDegree}, the smallest scale keeping the weights within 2^-${args.precisionBits} of the twin (trained on the noise-injected simulator)`
    : `N = ${args.ringDegree}, scale 2^${args.scaleBits}`);
  const plan = args.scaleBits === null
    ? logreg.planTrainingBySimulation({ ...request, precisionBits: args.precisionBits }, batches, createSimBackend, options)
    : logreg.planTraining({ ...request, scaleBits: args.scaleBits, valueBits: logreg.valueBits(batches, options.sigmoid) });
  const analysis = args.backend === 'seal' && args.workers > 1 ? logreg.analyzeRound(plan, batches) : undefined;
  if (analysis !== undefined) {
    checkWorkerMemory(args.workers, (w) => workerMemory(plan.params, plan.rotations, analysis.peak.bytes, w), machine);
  }

  start('keys', `${describeSetup(args)}: N = ${plan.params.ringDegree}, ${plan.params.primes.length} primes, ${plan.rotations.length} rotation steps`,
    args.backend === 'sim' ? 'set-up' : undefined);
  const backend = await createBackend(args, plan, analysis);
  let result: logreg.TrainingResult, stats: ReturnType<Backend['stats']>, lockstep: TrainReport['lockstep'];
  try {
    start('training', `${plan.rounds.length} round${plan.rounds.length > 1 ? 's' : ''} (${plan.rounds.join(' + ')} minibatches), ${plan.depth} levels at most`);
    result = logreg.trainEncrypted(backend, plan, batches, { ...options, onProgress: (e) => progress.training(e, plan) });
    stats = backend.stats();
    lockstep = 'closest' in backend ? { opsChecked: (backend as PairedBackend).opCount, closest: (backend as PairedBackend).closest } : null;
    start('twin', 'the float64 twins and test accuracy');
  } finally {
    backend.dispose();
  }
  const rule = args.circuit === 'baseline' ? 'nesterov' : 'gradient';
  const twin = logreg.trainPlain(batches, { rule, ...options });
  const exact = logreg.trainPlain(batches, { rule, learningRate: args.learningRate, sigmoid: 'exact' });
  const accuracy = {
    encrypted: logreg.accuracy(data.test, result.weights), plaintext: logreg.accuracy(data.test, twin.w),
    plaintextExactSigmoid: logreg.accuracy(data.test, exact.w), testSamples: data.test.length,
  };
  const end = performance.now();
  const phases = Object.fromEntries(PHASES.map((p, i) => {
    const next = PHASES[i + 1];
    return [p, ((next === undefined ? end : marks[next]!) - marks[p]!) / 1000];
  })) as Record<Phase, number>;
  const { ops } = stats;
  const depth = result.rounds.reduce((s, r) => s + r.levelsUsed, 0);
  return {
    backend: args.backend, circuit: args.circuit, minibatches: args.minibatches, batchSize: args.batchSize, features: data.features,
    workers: args.backend === 'sim' ? 0 : args.workers,
    depth, depthPerMinibatch: depth / args.minibatches, rounds: result.rounds.length,
    roundDetails: result.rounds.map(({ minibatches, levelsUsed, seconds: s, inputBytes }) => ({ minibatches, levelsUsed, seconds: s, inputBytes })),
    params: {
      polyModulusDegree: plan.params.ringDegree, coeffModulusBits: [...plan.params.bitSizes], scaleBits: Math.log2(plan.params.scale),
      securityBits: plan.params.security === 'none' ? 0 : plan.params.security,
    },
    predictedWeightsMaxAbsDiff: 'predictedWeightError' in plan ? (plan as logreg.SimulatedPlan).predictedWeightError : null,
    ops: {
      mul: ops.mul + ops.square, mulPlain: ops.mulPlain, rotate: ops.rotate, rescale: ops.rescale, relinearize: ops.relinearize,
      add: ops.add + ops.sub + ops.addPlain,
    },
    inputBytes: result.inputBytes, setupSeconds: phases.keys, seconds: phases.training, phases, wallSeconds: end / 1000,
    accuracy,
    weightsMaxAbsDiff: Math.max(...Array.from(result.weights, (w, j) => Math.abs(w - twin.w[j]!))),
    lockstep,
  };
}

async function createBackend(args: TrainArgs, plan: logreg.TrainingPlan, analysis: CircuitAnalysis | undefined): Promise<Backend> {
  const rotations = plan.rotations;
  if (args.backend === 'sim') return createSimBackend(plan.params, { rotations, noise: args.noise, seed: args.seed });
  if (args.backend === 'seal' && args.workers > 1) {
    return createSealPool(plan.params, { rotations, workers: args.workers, ...(analysis === undefined ? {} : { analysis }) });
  }
  const seal = await createSealBackend(plan.params, { rotations });
  if (args.backend === 'seal') return seal;
  const sim = createSimBackend(plan.params, { rotations, noise: 'track', seed: args.seed });
  return paired(seal, sim, { ownsBackends: true });
}

const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;
const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const SETUP_NAME = (r: TrainReport): string => (r.backend === 'sim' ? 'set-up' : r.workers > 1 ? 'keys and pool set-up' : 'keys');

/** The human summary. */
export function summary(r: TrainReport): string {
  const p = r.phases;
  const on = r.backend === 'seal' && r.workers > 1 ? `seal (${r.workers} workers)` : r.backend;
  return [
    `hekit train: ${r.circuit} circuit on ${on}, ${r.minibatches} minibatches of ${r.batchSize} (MNIST 3 vs 8, ${r.features} features)`,
    `  parameters   N = ${r.params.polyModulusDegree}, primes [${r.params.coeffModulusBits.join(', ')}] bits, scale 2^${r.params.scaleBits}, ${r.params.securityBits}-bit security`,
    `  depth        ${r.depth} levels in ${r.rounds} round${r.rounds > 1 ? 's' : ''} (${r.roundDetails.map((d) => `${d.minibatches} minibatch${d.minibatches > 1 ? 'es' : ''}: ${d.levelsUsed}`).join('; ')}), ${r.depthPerMinibatch.toFixed(2)} per minibatch`,
    `  operations   ${r.ops.mul} mul, ${r.ops.mulPlain} mulPlain, ${r.ops.rotate} rotate, ${r.ops.rescale} rescale, ${r.ops.relinearize} relinearize, ${r.ops.add} add`,
    `  input        ${mib(r.inputBytes)} of ciphertexts (uncompressed)`,
    `  time         ${r.wallSeconds.toFixed(1)} s in all: ${p.startup.toFixed(1)} s start-up, ${p.data.toFixed(1)} s data, ${p.plan.toFixed(1)} s plan, ` +
      `${p.keys.toFixed(1)} s ${SETUP_NAME(r)}, ${p.training.toFixed(1)} s training, ${p.twin.toFixed(1)} s twin`,
    `  accuracy     ${pct(r.accuracy.encrypted)} encrypted, ${pct(r.accuracy.plaintext)} plaintext twin, ${pct(r.accuracy.plaintextExactSigmoid)} plaintext with exact σ (${r.accuracy.testSamples} held-out samples)`,
    `  weights      max |encrypted - plaintext twin| = ${r.weightsMaxAbsDiff.toExponential(2)}` +
      (r.predictedWeightsMaxAbsDiff === null ? '' : ` (the injected simulator predicted ${r.predictedWeightsMaxAbsDiff.toExponential(2)} when planning)`),
    ...(r.lockstep === null ? [] : [
      `  lockstep     ${r.lockstep.opsChecked} ops checked against the simulator, none diverged; closest: op #${r.lockstep.closest.opIndex} ` +
        `(${r.lockstep.closest.op}) at ${r.lockstep.closest.ratio.toFixed(3)} of its predicted bound`,
    ]),
  ].join('\n');
}
