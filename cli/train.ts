/**
 * `hekit train`: encrypted logistic-regression training on MNIST 3 vs 8, end to end — data,
 * parameter plan, keys, the circuit in rounds, and a comparison with the float64 twin.
 */
import { logreg, sigmoidCubic8 } from '../algorithms/index.js';
import { createSealBackend } from '../backends/seal/index.js';
import { createSealPool } from '../backends/seal/pool/index.js';
import { createSimBackend } from '../backends/sim/index.js';
import { paired, type Backend, type ClosestOp, type PairedBackend } from '../core/index.js';
import { choice, integer, parseOptions, UsageError } from './options.js';

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
}

/** Parses `hekit train` options; throws UsageError with a one-line message naming the option. */
export function parseTrainArgs(argv: readonly string[]): TrainArgs {
  const v = parseOptions(argv, {
    backend: { type: 'string', default: 'seal' },
    circuit: { type: 'string', default: 'lowdepth' },
    minibatches: { type: 'string', default: '6' },
    'batch-size': { type: 'string', default: '256' },
    seed: { type: 'string', default: String(logreg.DEFAULT_SEED) },
    json: { type: 'boolean', default: false },
    noise: { type: 'string', default: 'inject' },
    ring: { type: 'string', default: '16384' },
    'per-round': { type: 'string' },
    'scale-bits': { type: 'string', default: 'auto' },
    'precision-bits': { type: 'string', default: '9' },
    'learning-rate': { type: 'string', default: '2' },
    workers: { type: 'string', default: '1' },
  });
  const learningRate = Number(v['learning-rate']);
  if (!(Number.isFinite(learningRate) && learningRate > 0)) throw new UsageError(`--learning-rate must be a positive number; got "${v['learning-rate']}"`);
  return {
    backend: choice('backend', v.backend!, ['seal', 'sim', 'paired'] as const),
    circuit: choice('circuit', v.circuit!, ['lowdepth', 'baseline'] as const),
    minibatches: integer('minibatches', v.minibatches!, 1, 64),
    batchSize: integer('batch-size', v['batch-size']!, 1, 1024),
    seed: integer('seed', v.seed!, 0, 2 ** 32 - 1),
    json: v.json!,
    noise: choice('noise', v.noise!, ['off', 'track', 'inject'] as const),
    ringDegree: Number(choice('ring', v.ring!, ['8192', '16384', '32768'] as const)),
    perRound: v['per-round'] === undefined ? null : integer('per-round', v['per-round'], 1, 64),
    scaleBits: v['scale-bits'] === 'auto' ? null : integer('scale-bits', v['scale-bits']!, 20, 50),
    precisionBits: integer('precision-bits', v['precision-bits']!, 1, 30),
    learningRate,
    workers: integer('workers', v.workers!, 1, 64),
  };
}

/** What `hekit train --json` prints. */
export interface TrainReport {
  backend: string;
  circuit: string;
  minibatches: number;
  batchSize: number;
  features: number;
  depth: number;
  depthPerMinibatch: number;
  rounds: number;
  roundDetails: { minibatches: number; levelsUsed: number; seconds: number; inputBytes: number }[];
  params: { polyModulusDegree: number; coeffModulusBits: number[]; scaleBits: number; securityBits: number };
  /** The injected simulator's prediction of weightsMaxAbsDiff at the chosen scale (null when the scale was given). */
  predictedWeightsMaxAbsDiff: number | null;
  ops: { mul: number; mulPlain: number; rotate: number; rescale: number; relinearize: number; add: number };
  inputBytes: number;
  setupSeconds: number;
  seconds: number;
  accuracy: { encrypted: number; plaintext: number; plaintextExactSigmoid: number; testSamples: number };
  weightsMaxAbsDiff: number;
  /** With --backend paired: ops checked against the simulator and the one closest to its predicted bound. */
  lockstep: { opsChecked: number; closest: ClosestOp } | null;
}

type Progress = (event: logreg.ProgressEvent, plan: logreg.TrainingPlan) => void;

/** Runs a training as `args` says; `progress` receives round and minibatch events. */
export async function runTraining(args: TrainArgs, progress?: Progress): Promise<TrainReport> {
  const data = logreg.loadDataset({ seed: args.seed });
  const batches = logreg.minibatches(data, args.minibatches, args.batchSize);
  const options = { learningRate: args.learningRate, sigmoid: sigmoidCubic8 };
  const request = { circuit: args.circuit, minibatches: args.minibatches, batchSize: args.batchSize, features: data.features, ringDegree: args.ringDegree,
    ...(args.perRound === null ? {} : { minibatchesPerRound: args.perRound }) };
  const plan = args.scaleBits === null
    ? logreg.planTrainingBySimulation({ ...request, precisionBits: args.precisionBits }, batches, createSimBackend, options)
    : logreg.planTraining({ ...request, scaleBits: args.scaleBits, valueBits: logreg.valueBits(batches, options.sigmoid) });
  const t0 = performance.now();
  const backend = await createBackend(args, plan, batches);
  try {
    const setupSeconds = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    const result = logreg.trainEncrypted(backend, plan, batches, { ...options, onProgress: (e) => progress?.(e, plan) });
    const seconds = (performance.now() - t1) / 1000;
    const rule = args.circuit === 'baseline' ? 'nesterov' : 'gradient';
    const twin = logreg.trainPlain(batches, { rule, ...options });
    const exact = logreg.trainPlain(batches, { rule, learningRate: args.learningRate, sigmoid: 'exact' });
    const { ops } = backend.stats();
    const depth = result.rounds.reduce((s, r) => s + r.levelsUsed, 0);
    return {
      backend: args.backend, circuit: args.circuit, minibatches: args.minibatches, batchSize: args.batchSize, features: data.features,
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
      inputBytes: result.inputBytes, setupSeconds, seconds,
      accuracy: {
        encrypted: logreg.accuracy(data.test, result.weights), plaintext: logreg.accuracy(data.test, twin.w),
        plaintextExactSigmoid: logreg.accuracy(data.test, exact.w), testSamples: data.test.length,
      },
      weightsMaxAbsDiff: Math.max(...Array.from(result.weights, (w, j) => Math.abs(w - twin.w[j]!))),
      lockstep: 'closest' in backend ? { opsChecked: (backend as PairedBackend).opCount, closest: (backend as PairedBackend).closest } : null,
    };
  } finally {
    backend.dispose();
  }
}

async function createBackend(args: TrainArgs, plan: logreg.TrainingPlan, batches: readonly (readonly Float64Array[])[]): Promise<Backend> {
  const rotations = plan.rotations;
  if (args.backend === 'sim') return createSimBackend(plan.params, { rotations, noise: args.noise, seed: args.seed });
  if (args.backend === 'seal' && args.workers > 1) {
    return createSealPool(plan.params, { rotations, workers: args.workers, analysis: logreg.analyzeRound(plan, batches) });
  }
  const seal = await createSealBackend(plan.params, { rotations });
  if (args.backend === 'seal') return seal;
  const sim = createSimBackend(plan.params, { rotations, noise: 'track', seed: args.seed });
  return paired(seal, sim, { ownsBackends: true });
}

const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;
const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** The human summary. */
export function summary(r: TrainReport): string {
  return [
    `hekit train: ${r.circuit} circuit on ${r.backend}, ${r.minibatches} minibatches of ${r.batchSize} (MNIST 3 vs 8, ${r.features} features)`,
    `  parameters   N = ${r.params.polyModulusDegree}, primes [${r.params.coeffModulusBits.join(', ')}] bits, scale 2^${r.params.scaleBits}, ${r.params.securityBits}-bit security`,
    `  depth        ${r.depth} levels in ${r.rounds} round${r.rounds > 1 ? 's' : ''} (${r.roundDetails.map((d) => `${d.minibatches} minibatch${d.minibatches > 1 ? 'es' : ''}: ${d.levelsUsed}`).join('; ')}), ${r.depthPerMinibatch.toFixed(2)} per minibatch`,
    `  operations   ${r.ops.mul} mul, ${r.ops.mulPlain} mulPlain, ${r.ops.rotate} rotate, ${r.ops.rescale} rescale, ${r.ops.relinearize} relinearize, ${r.ops.add} add`,
    `  input        ${mib(r.inputBytes)} of ciphertexts (uncompressed)`,
    `  time         ${r.seconds.toFixed(1)} s training + ${r.setupSeconds.toFixed(1)} s keys`,
    `  accuracy     ${pct(r.accuracy.encrypted)} encrypted, ${pct(r.accuracy.plaintext)} plaintext twin, ${pct(r.accuracy.plaintextExactSigmoid)} plaintext with exact σ (${r.accuracy.testSamples} held-out samples)`,
    `  weights      max |encrypted - plaintext twin| = ${r.weightsMaxAbsDiff.toExponential(2)}` +
      (r.predictedWeightsMaxAbsDiff === null ? '' : ` (the injected simulator predicted ${r.predictedWeightsMaxAbsDiff.toExponential(2)} when planning)`),
    ...(r.lockstep === null ? [] : [
      `  lockstep     ${r.lockstep.opsChecked} ops checked against the simulator, none diverged; closest: op #${r.lockstep.closest.opIndex} ` +
        `(${r.lockstep.closest.op}) at ${r.lockstep.closest.ratio.toFixed(3)} of its predicted bound`,
    ]),
  ].join('\n');
}

/** A progress bar on stderr, one update per minibatch; plain lines when stderr is not a terminal. */
export function progressBar(stream: NodeJS.WriteStream): Progress {
  let done = 0;
  return (event, plan) => {
    const total = plan.rounds.reduce((a, b) => a + b, 0);
    if (event.kind === 'minibatch') {
      done++;
      const width = 24, filled = Math.round((done / total) * width);
      const line = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] round ${event.round + 1}/${plan.rounds.length}, minibatch ${event.minibatch}/${plan.rounds[event.round]} (${done}/${total})`;
      stream.write(stream.isTTY ? `\r${line}` : `${line}\n`);
    } else if (event.kind === 'round-end') {
      stream.write(`${stream.isTTY ? '\n' : ''}round ${event.round + 1}/${plan.rounds.length} done: ${event.levelsUsed} levels, ${event.seconds.toFixed(1)} s\n`);
    }
  };
}
