/**
 * `hekit train`: encrypted logistic-regression training on a CSV file or a built-in data set
 * (MNIST 3 vs 8 by default), end to end — data, parameter plan, keys, the circuit in rounds
 * (one-vs-rest in one run on shared inputs), and a comparison with the float64 twin. Saves the model
 * (`--out`), the accuracy curve (`--curve`) and the held-out rows (`--test-out`) once training
 * has succeeded.
 */
import { Command } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { logreg } from '../algorithms/index.js';
import { createSealBackend } from '../backends/seal/index.js';
import { createSealPool, defaultWarmHeapBytes, prestartPoolWorkers, type PrestartedWorkers } from '../backends/seal/pool/index.js';
import { createSimBackend } from '../backends/sim/index.js';
import { availableParallelism } from 'node:os';
import { HeError, isHeError, paired, type Backend, type CircuitAnalysis, type ClosestOp, type PairedBackend } from '../core/index.js';
import { chooseCostModel } from './cost-cache.js';
import { curveSvg } from './curve.js';
import { checkOutput, writeAtomic } from './files.js';
import { checkWorkerCores, checkWorkerMemory, workerMemory, type Machine } from './machine.js';
import { choice, configure, given, integer, nonEmpty, option, orWord, parseWith, positiveNumber, powerOfTwo, refuse, UsageError, type Parser } from './options.js';
import { PHASES, silent, type Phase, type TrainProgress } from './progress.js';
import { loadSource, prepare, sourceName, sourceOption, type SourceSpec } from './source.js';
import { InputError } from './table.js';
import { trainOnService, type ServiceTarget } from './remote.js';

export interface TrainArgs {
  /** Where the table comes from: a CSV file or a built-in data set (default MNIST 3 vs 8). */
  readonly data: SourceSpec;
  /** The label column of a CSV file (null: its last column). */
  readonly label: string | null;
  /** Binary tasks: the label value that is the positive class (null: the larger in sort order). */
  readonly positive: string | null;
  /** Held-out fraction (null: the source's default; MNIST 400 or 1,000 rows, otherwise 0.2). */
  readonly testFraction: number | null;
  /** Where to write the model (null: not written). */
  readonly out: string | null;
  /** Where to write the accuracy curve as SVG (null: not drawn). */
  readonly curve: string | null;
  /** Where to write the held-out rows as CSV, in the data's columns (null: not written). */
  readonly testOut: string | null;
  /** 'paired': SEAL checked op by op against the tracking simulator (DIVERGENCE at the first disagreement). */
  readonly backend: 'seal' | 'sim' | 'paired';
  /** null: the circuit predicted fastest (hekit train --plan). */
  readonly circuit: logreg.CircuitName | null;
  /** null: up to 6, as many as the training split holds. */
  readonly minibatches: number | null;
  /** null: a power of two up to 256 that fits the training split. */
  readonly batchSize: number | null;
  readonly seed: number;
  readonly json: boolean;
  readonly noise: 'off' | 'track' | 'inject';
  /** null: the ring predicted fastest. */
  readonly ringDegree: number | null;
  /** Minibatches per round (null: the number predicted fastest). */
  readonly perRound: number | null;
  /** Height of the encoding unit (null: the one predicted fastest of the minibatch's height, half and a quarter of it). */
  readonly unitHeight: number | null;
  /** At most this many client round trips (null: no limit). */
  readonly maxRounds: number | null;
  /** null: the smallest scale meeting `precisionBits`, from the simulator's tracked error estimate. */
  readonly scaleBits: number | null;
  readonly precisionBits: number;
  readonly learningRate: number;
  /** SEAL worker threads: 1 runs on the main thread, more on a pool (hekit/seal/pool); null: the count predicted fastest (1 off SEAL). */
  readonly workers: number | null;
  /** Print the planner's candidates and exit without training. */
  readonly plan: boolean;
  /** No progress on stderr (notices still). */
  readonly quiet: boolean;
  /** Run the rounds on a hekit service (`hekit serve`) instead of here (null: locally). */
  readonly service: ServiceTarget | null;
}

/** The built-in source `hekit train` uses without `--data`. */
export const DEFAULT_DATA = 'mnist:3,8';

const fraction: Parser<number> = (name, text) => {
  const f = Number(text);
  if (text.trim() === '' || !Number.isFinite(f) || !(f > 0 && f < 1)) throw new UsageError(`--${name} must be a number between 0 and 1 (exclusive); got "${text}"`);
  return f;
};
const ringOption: Parser<number> = (name, text) => Number(choice('8192', '16384', '32768')(name, text));

/** `hekit train`'s options, descriptions, defaults and examples (no action: hekit.ts adds it). */
export function trainCommand(): Command {
  return configure(new Command('train'))
    .summary('train logistic regression on encrypted data (a CSV file, MNIST or iris), on SEAL or the simulator')
    .description('Train logistic regression on encrypted data: load a CSV file or a built-in data set, plan the parameters, make the keys, ' +
      'run the circuit in rounds (one model per class when the label has more than two values), and compare with the float64 twin. ' +
      'Progress goes to stderr, the summary (or --json) to stdout; --out saves the model for hekit predict.')
    .addOption(option('data', 'SOURCE', 'a CSV file with a header row, or a built-in data set: mnist:3,8 (or any two or more digits), mnist (all ten), iris (three species), ' +
      'iris:versicolor,virginica (any two species)', sourceOption, { kind: 'mnist', digits: [3, 8] } as SourceSpec, DEFAULT_DATA))
    .addOption(option('label', 'COLUMN', 'with a CSV file: the column holding the class labels (default: the last column)', nonEmpty('a column name')))
    .addOption(option('positive', 'VALUE', 'two classes only: the label value that is the positive class (default: the larger, in numeric or text order)', nonEmpty('a label value')))
    .addOption(option('test-fraction', 'F', 'the fraction of rows held out for testing, between 0 and 1 (default: 0.2; MNIST holds out 400 rows of two digits, 1,000 of ten)', fraction))
    .addOption(option('out', 'FILE', 'write the trained model as JSON to FILE (for hekit predict), once training has succeeded', nonEmpty('a file name')))
    .addOption(option('curve', 'FILE', 'draw the held-out accuracy per minibatch (float64 twin) and per refresh (encrypted) as an SVG line chart', nonEmpty('a file name')))
    .addOption(option('test-out', 'FILE', 'write the held-out rows as CSV (the columns of --data), to score them later with hekit predict', nonEmpty('a file name')))
    .addOption(option('backend', 'seal|sim|paired', 'where the circuit runs: SEAL, the simulator, or SEAL checked op by op against the simulator', choice('seal', 'sim', 'paired'), 'seal'))
    .addOption(option('circuit', 'lowdepth|baseline|auto', "the update rule: Crockett's low-depth circuit or the Han et al. baseline; auto: the one predicted fastest",
      orWord('auto', choice('lowdepth', 'baseline')), 'auto'))
    .addOption(option('minibatches', 'K|auto', 'minibatches to train on (1 to 64); auto: up to 6, as many as the training split holds', orWord('auto', integer(1, 64)), 'auto'))
    .addOption(option('batch-size', 'B|auto', 'samples per minibatch (1 to 1024); auto: a power of two up to 256 that fits the training split', orWord('auto', integer(1, 1024)), 'auto'))
    .addOption(option('seed', 'S', 'seed of the train/test split and of the simulator noise (0 to 2^32 - 1)', integer(0, 2 ** 32 - 1), logreg.DEFAULT_SEED))
    .addOption(option('ring', '8192|16384|32768|auto', 'ring degree N; auto: the one predicted fastest', orWord('auto', ringOption), 'auto'))
    .addOption(option('per-round', 'K', 'K minibatches per round, the last round takes the rest (default: the number predicted fastest)', integer(1, 64)))
    .addOption(option('unit-height', 'H|auto', 'the encoding unit\'s height, a power of two: a minibatch taller than it spans several tile rows, summed with ' +
      'fewer rotations and more for the columns; auto: the one predicted fastest of the minibatch\'s height, half and a quarter of it', orWord('auto', powerOfTwo(1, 8192)), 'auto'))
    .addOption(option('max-rounds', 'R', 'at most R client round trips (rounds), each a decryption and re-encryption of the weights (default: no limit)', integer(1, 64)))
    .addOption(option('scale-bits', 'S|auto', 'scale 2^S (20 to 50); auto: the smallest meeting --precision-bits by the tracked error of the simulator',
      orWord('auto', integer(20, 50)), 'auto'))
    .addOption(option('precision-bits', 'P', 'with --scale-bits auto: weights within 2^-P of the float64 twin (1 to 30)', integer(1, 30), 9))
    .addOption(option('learning-rate', 'A', 'learning rate, a positive number', positiveNumber, 2))
    .addOption(option('noise', 'off|track|inject', "with --backend sim: off (exact values), track (predict SEAL's error) or inject (draw it into the values)",
      choice('off', 'track', 'inject'), 'inject'))
    .addOption(option('workers', 'W|auto', 'with --backend seal: SEAL on W worker threads (hekit/seal/pool); at most one per core and as many as memory allows; ' +
      'auto: the count predicted fastest', orWord('auto', integer(1, 64)), 'auto'))
    .addOption(option('plan', null, 'print the candidate plans (circuit, ring, minibatches per round, scale, workers) with their predicted seconds, rounds and bytes, ' +
      'fastest first, and exit without training (--json: an array); options given above pin their dimension', null))
    .addOption(option('json', null, 'print one JSON object on stdout instead of the summary', null))
    .addOption(option('quiet', null, 'no progress on stderr (notices about the data still)', null))
    .addOption(option('server', 'URL', 'run the rounds on a hekit service (hekit serve) at URL; keys and decryption stay here (binary tasks, --backend seal)', nonEmpty('a URL')))
    .addOption(option('token', 'TOKEN', 'with --server: the API token (hekit token create)', nonEmpty('a token')))
    .addHelpText('after', `
Examples:
  hekit train                                      MNIST 3 vs 8 on SEAL, low-depth circuit, 6 minibatches of 256 (about a minute)
  hekit train --backend sim --noise off            the same on the simulator, exact values, in seconds
  hekit train --data iris --backend sim --out iris.json --curve iris.svg
                                                   three species, one-vs-rest; the model and its accuracy curve saved
  hekit train --data patients.csv --label outcome --positive sick --out model.json --test-out held-out.csv
  hekit train --circuit baseline --workers 2 --json
  hekit train --ring 32768 --scale-bits 36         all 6 minibatches in one round
  hekit train --plan --max-rounds 2                the candidates with at most 2 client round trips, fastest predicted first

Without --circuit, --ring, --per-round, --unit-height, --scale-bits or --workers the planner picks each by predicted
time (keys, pool set-up, training and refreshes), priced by this machine's calibration (hekit
calibrate) or the shipped cost model, among the plans that keep the weights within 2^-P of the twin.

A CSV file has a header row naming the columns; the label column (--label, default the last) holds
the classes, every other column is a numeric feature. More than two classes train one model per
class (one-vs-rest). Columns constant on the training split are kept but carry no weight.

Exit codes: 0 done, 1 failure, 2 bad usage or bad input.`);
}

/** Options `cmd` parsed, checked together: options that do not apply to the backend, scale or data are refused. */
export function trainArgsOf(cmd: Command, machine?: Machine): TrainArgs {
  const v = cmd.opts<{
    data: SourceSpec; label?: string; positive?: string; testFraction?: number; out?: string; curve?: string; testOut?: string;
    backend: TrainArgs['backend']; circuit: logreg.CircuitName | 'auto'; minibatches: number | 'auto'; batchSize: number | 'auto'; seed: number; ring: number | 'auto'; perRound?: number; unitHeight: number | 'auto';
    maxRounds?: number; scaleBits: number | 'auto'; precisionBits: number; learningRate: number; noise: TrainArgs['noise']; workers: number | 'auto'; json?: boolean; quiet?: boolean;
    plan?: boolean; server?: string; token?: string;
  }>();
  const passed = given(cmd);
  refuse(passed, 'workers', v.backend === 'seal', '--backend seal', `--backend ${v.backend}`);
  refuse(passed, 'noise', v.backend === 'sim', '--backend sim', `--backend ${v.backend}`);
  refuse(passed, 'precision-bits', v.scaleBits === 'auto', '--scale-bits auto', `--scale-bits ${v.scaleBits}`);
  refuse(passed, 'token', v.server !== undefined, '--server', 'no --server');
  if (v.server !== undefined) {
    if (v.token === undefined) throw new UsageError('--server needs --token TOKEN (hekit token create makes one)');
    refuse(passed, 'workers', false, 'local runs', '--server');
    refuse(passed, 'backend', v.backend === 'seal', '--backend seal', '--server');
  }
  refuse(passed, 'label', v.data.kind === 'csv', 'CSV files', `--data ${sourceName(v.data)}, whose label is built in`);
  if (v.perRound !== undefined && v.minibatches !== 'auto' && v.perRound > v.minibatches) {
    throw new UsageError(`--per-round must be at most --minibatches (${v.minibatches}); got ${v.perRound}`);
  }
  const outputs = [['out', v.out], ['curve', v.curve], ['test-out', v.testOut]].filter((o): o is [string, string] => o[1] !== undefined);
  for (const [name, file] of outputs) {
    if (v.data.kind === 'csv' && file === v.data.file) throw new UsageError(`--${name} ${file} would overwrite --data ${file}`);
    const twin = outputs.find(([other, f]) => other !== name && f === file);
    if (twin !== undefined) throw new UsageError(`--${name} and --${twin[0]} name the same file ${file}`);
  }
  if (v.workers !== 'auto' && v.workers > 1) checkWorkerCores(v.workers, machine);
  const auto = <T>(value: T | 'auto'): T | null => (value === 'auto' ? null : value);
  return {
    data: v.data, label: v.label ?? null, positive: v.positive ?? null, testFraction: v.testFraction ?? null,
    out: v.out ?? null, curve: v.curve ?? null, testOut: v.testOut ?? null,
    backend: v.backend, circuit: auto(v.circuit), minibatches: auto(v.minibatches), batchSize: auto(v.batchSize), seed: v.seed, json: v.json === true,
    noise: v.noise, ringDegree: auto(v.ring), perRound: v.perRound ?? null, unitHeight: auto(v.unitHeight), maxRounds: v.maxRounds ?? null, scaleBits: auto(v.scaleBits), precisionBits: v.precisionBits,
    learningRate: v.learningRate, workers: auto(v.workers), plan: v.plan === true, quiet: v.quiet === true,
    service: v.server === undefined ? null : { server: v.server, token: v.token! },
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
  /**
   * The data set: its name, rows in all, feature columns (without the bias), class labels in
   * model order, the split and its seed, and the columns constant on the training split.
   */
  dataset: { source: string; rows: number; features: number; classes: string[]; trainRows: number; testRows: number; seed: number; constantColumns: string[] };
  /** The model file written (--out), or null. */
  model: string | null;
  minibatches: number;
  batchSize: number;
  /** Features the circuit sees: the feature columns plus the bias. */
  features: number;
  /** SEAL worker threads (1: the main thread; 0 on the simulator). */
  workers: number;
  /** Levels one binary model's run consumes. */
  depth: number;
  depthPerMinibatch: number;
  rounds: number;
  /** Per round: minibatches and levels (the same in every binary model's run), seconds and input bytes summed over the runs. */
  roundDetails: { minibatches: number; levelsUsed: number; seconds: number; inputBytes: number }[];
  /** One run per training: the binary model, or every one-vs-rest model on shared inputs. */
  runs: { positives: string[]; seconds: number; weightsMaxAbsDiffs: number[] }[];
  params: { polyModulusDegree: number; coeffModulusBits: number[]; scaleBits: number; securityBits: number };
  /** The encoding unit every matrix and vector is laid out in: tile height and width. */
  unit: { height: number; width: number };
  /** The simulator's prediction of weightsMaxAbsDiff at the chosen scale, from its tracked error (null when the scale was given). */
  predictedWeightsMaxAbsDiff: number | null;
  /**
   * The planner's prediction for the chosen plan, for SEAL on this machine (`hekit train --plan`):
   * seconds in all (keys + poolSetUp + training + refresh + transfer, to compare with
   * phases.keys + phases.training), its parts, how many candidates it priced and where the prices come from.
   */
  predicted: logreg.PredictedSeconds & { seconds: number; candidates: number; costModel: string };
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
  /** On the held-out split. */
  accuracy: { encrypted: number; plaintext: number; plaintextExactSigmoid: number; testSamples: number };
  /** Held-out accuracy of the float64 twin after every minibatch and of the encrypted model at every refresh (what --curve draws). */
  curve: logreg.ModelReport['curve'];
  weightsMaxAbsDiff: number;
  /** With --backend paired: ops checked against the simulator and the one closest to its predicted bound. */
  lockstep: { opsChecked: number; closest: ClosestOp } | null;
  /** With --server: the service's job id. */
  job?: string;
}

const describeSetup = (args: TrainArgs & { workers: number }): string =>
  args.backend === 'sim' ? `simulator (noise ${args.noise})`
    : args.backend === 'paired' ? 'SEAL keys, and the tracking simulator beside it'
      : args.workers > 1 ? `${args.workers} SEAL workers making their contexts and keys, the first the secret key (pool set-up)` : 'SEAL keys';

/** What the data and plan phases produce. */
interface Prepared {
  readonly source: ReturnType<typeof loadSource>;
  readonly data: logreg.PreparedData;
  /** The class each binary model is positive for. */
  readonly positives: number[];
  readonly plan: logreg.ModelPlan;
  readonly timed: logreg.TimedPlan;
  /** Where the cost model's prices come from. */
  readonly costNote: string;
  /** SEAL worker threads of the run (1 off SEAL). */
  readonly workers: number;
}

/**
 * Loads and splits the data (phase 'data'), then plans the run by predicted time (phase 'plan'):
 * the options given pin their dimension, the rest is the planner's fastest candidate that meets
 * the precision and the round-trip limit. Throws InputError, UsageError, PLAN_INFEASIBLE.
 */
function preparePlan(args: TrainArgs, progress: TrainProgress, start: (phase: Phase, detail: string) => void, machine?: Machine): Prepared {
  start('data', `${sourceName(args.data)} (seed ${args.seed})`);
  const source = loadSource(args.data, args.label);
  const data = prepare(source, { testFraction: args.testFraction, positive: args.positive, seed: args.seed });
  // Built-in sets are known (MNIST's border pixels are blank): the notice is for the user's own files.
  if (data.constantColumns.length > 0 && args.data.kind === 'csv') {
    const n = data.constantColumns.length;
    progress.notice(`${source.name}: column${n > 1 ? 's' : ''} ${data.constantColumns.slice(0, 8).join(', ')}${n > 8 ? ` (and ${n - 8} more)` : ''} ` +
      'ignored: constant on the training split (scaled to 0, no weight)');
  }
  let shape: { minibatches: number; batchSize: number };
  try {
    shape = logreg.minibatchShape(data.train.length, { ...(args.minibatches === null ? {} : { minibatches: args.minibatches }), ...(args.batchSize === null ? {} : { batchSize: args.batchSize }) });
  } catch (e) {
    if (!isHeError(e, 'INVALID_ARGUMENT')) throw e;
    const { minibatches: k, batchSize: b } = e.details as { minibatches: number; batchSize: number };
    const need = k < 1 ? `, fewer than one minibatch of ${b} (--batch-size)` : `; ${k} minibatch${k === 1 ? '' : 'es'} of ${b} (--minibatches, --batch-size) need ${k * b}`;
    throw new InputError(`${source.name}: the training split has ${data.train.length} rows${need}; ` +
      'train on fewer or smaller minibatches, or give more rows');
  }
  if (args.perRound !== null && args.perRound > shape.minibatches) {
    throw new UsageError(`--per-round must be at most the ${shape.minibatches} minibatches the split holds; got ${args.perRound}`);
  }
  const ringDegree = args.ringDegree;
  const positives = logreg.modelClasses(data.classes);
  // Off SEAL the run is a rehearsal of one on the main thread: workers are not enumerated.
  const cores = machine?.cores ?? availableParallelism();
  // A pool's threads, started before planning, warm their heaps meanwhile: priced as they will be.
  const prestarted = prestartCount(args, cores);
  const request: logreg.TimedPlanRequest = {
    ...shape, learningRate: args.learningRate, precisionBits: args.precisionBits, maxWorkers: args.backend === 'seal' ? cores : 1, cores,
    ...(prestarted > 0 ? { prefaultedHeapBytes: defaultWarmHeapBytes(prestarted) } : {}),
    ...(args.circuit === null ? {} : { circuit: args.circuit }), ...(args.maxRounds === null ? {} : { maxRounds: args.maxRounds }),
    ...(ringDegree === null ? {} : { ringDegree }), ...(args.scaleBits === null ? {} : { scaleBits: args.scaleBits }),
    ...(args.perRound === null ? {} : { minibatchesPerRound: args.perRound }), ...(args.unitHeight === null ? {} : { unitHeight: args.unitHeight }),
    ...(args.service !== null ? { workers: 1 } : args.workers === null ? {} : { workers: args.workers }),
    // A service run's client floods each refresh (trainRemote's default strength): the precision check must count it.
    ...(args.service === null ? {} : { refresh: { flooding: {} } }),
  };

  const rows = `${shape.minibatches} minibatches of ${shape.batchSize} from ${data.train.length} training rows`;
  const ring = ringDegree === null ? 'the circuit, ring and rounds predicted fastest' : `N = ${ringDegree}`;
  start('plan', args.scaleBits === null
    ? `${rows}; ${ring}, the smallest scale keeping the weights within 2^-${args.precisionBits} of the twin (predicted by the simulator's error tracking)`
    : `${rows}; ${ring}, scale 2^${args.scaleBits}`);
  const { model, note } = chooseCostModel();
  let timed: logreg.TimedPlan;
  try {
    timed = logreg.planModelByTime(data, request, createSimBackend, model);
  } catch (e) {
    if (args.service === null || !isHeError(e, 'PLAN_INFEASIBLE')) throw e;
    throw new HeError('PLAN_INFEASIBLE', `${e.message}. With --server every refresh between rounds is flooded (about 17 bits of precision): ` +
      'allow a larger ring (--ring), fewer rounds (--per-round, --max-rounds) or fewer --precision-bits', e.details);
  }
  return { source, data, positives, plan: timed.plan, timed, costNote: note, workers: args.backend === 'seal' ? timed.chosen.workers : 1 };
}


/** Plans as `hekit train` would (phases 'data' and 'plan' on `progress`), without training: what `--plan` prints. */
export function planOnly(args: TrainArgs, progress: TrainProgress = silent, machine?: Machine): { timed: logreg.TimedPlan; costNote: string } {
  const { timed, costNote } = preparePlan(args, progress, (phase, detail) => progress.phase(phase, detail), machine);
  return { timed, costNote };
}

/**
 * Runs a training as `args` says, announcing each phase to `progress`, then writes the files
 * asked for. Throws InputError for bad data (nothing written), UsageError when the planned run
 * needs more memory than `--workers` allows.
 */
export async function runTraining(args: TrainArgs, progress: TrainProgress = silent, machine?: Machine): Promise<TrainReport> {
  checkOutput('out', args.out);
  checkOutput('curve', args.curve);
  checkOutput('test-out', args.testOut);
  // A pool's threads load their module and node-seal while the run is planned; stopped if the plan takes one thread.
  const count = prestartCount(args, machine?.cores ?? availableParallelism());
  const prestarted = count > 0 ? prestartPoolWorkers(count) : undefined;
  try {
    return await trainAndReport(args, progress, machine, prestarted);
  } finally {
    prestarted?.dispose();
  }
}

/** Threads `hekit train` starts before planning, at most: a larger pool starts the rest once planned. */
const PRESTARTED_AT_MOST = 8;

/** Pool threads `hekit train` starts before planning: none unless the run is on local SEAL and may take a pool. */
const prestartCount = (args: TrainArgs, cores: number): number =>
  args.backend === 'seal' && args.service === null && args.workers !== 1 && cores > 1 ? Math.min(args.workers ?? cores, PRESTARTED_AT_MOST) : 0;

async function trainAndReport(args: TrainArgs, progress: TrainProgress, machine: Machine | undefined, prestarted: PrestartedWorkers | undefined): Promise<TrainReport> {
  // Phases follow each other: each ends where the next starts, so they add up to the wall time.
  const marks: Partial<Record<Phase, number>> = { startup: 0 };
  const start = (phase: Phase, detail: string, label?: string): void => {
    marks[phase] = performance.now();
    progress.phase(phase, detail, label);
  };

  const { source, data, positives, plan, timed, costNote, workers } = preparePlan(args, progress, start, machine);
  // Prestarted threads fault their heaps in until taken: one that no pool will take would only compete.
  if (workers === 1) prestarted?.dispose();
  const run = { ...args, workers };
  progress.workers?.(workers);
  const analysis = args.backend === 'seal' && workers > 1 ? logreg.analyzeRound(plan, logreg.foldedBatches(data, positives[0]!, plan.minibatches, plan.batchSize)) : undefined;
  if (analysis !== undefined) {
    checkWorkerMemory(workers, (w) => workerMemory(plan.params, plan.rotations, analysis.peak.bytes, w, timed.chosen.keyPlacement), machine);
  }

  start('keys', `${describeSetup(run)}: N = ${plan.params.ringDegree}, ${plan.params.primes.length} primes, ${plan.rotations.length} rotation steps`,
    args.backend === 'sim' ? 'set-up' : undefined);
  const models = positives.length > 1 ? `${positives.length} models (one per class) on shared inputs, ` : '';
  const rounds = `${plan.rounds.length} round${plan.rounds.length > 1 ? 's' : ''} (${plan.rounds.join(' + ')} minibatches), ${plan.depth} levels at most`;
  let trained: ReturnType<typeof logreg.trainModel>, ops: ReturnType<Backend['stats']>['ops'], lockstep: TrainReport['lockstep'] = null, job: string | undefined;
  if (args.service !== null) {
    start('training', `${rounds}, on the service at ${args.service.server}`);
    ({ trained, ops, job } = await trainOnService(args.service, plan, data, args.learningRate, progress));
    start('twin', 'the float64 twins and test accuracy');
  } else {
    const backend = await createBackend(run, plan, timed.chosen.keyPlacement, analysis, prestarted);
    prestarted?.dispose();
    try {
      start('training', `${models}${rounds}`);
      trained = logreg.trainModel(backend, plan, data, {
        learningRate: args.learningRate,
        onProgress: (e) => progress.training(e, plan),
      });
      ops = backend.stats().ops;
      lockstep = 'closest' in backend ? { opsChecked: (backend as PairedBackend).opCount, closest: (backend as PairedBackend).closest } : null;
      start('twin', 'the float64 twins and test accuracy');
    } finally {
      backend.dispose();
    }
  }
  const { model, report } = trained;
  const rule = plan.circuit === 'baseline' ? 'nesterov' : 'gradient';
  const exact = positives.map((p) => logreg.trainPlain(logreg.foldedBatches(data, p, plan.minibatches, plan.batchSize), { rule, learningRate: args.learningRate, sigmoid: 'exact' }).w);
  const accuracy = {
    encrypted: report.accuracy.encrypted, plaintext: report.accuracy.twin,
    plaintextExactSigmoid: logreg.heldOutAccuracy(data.test, data.testLabels, exact), testSamples: data.test.length,
  };
  const end = performance.now();
  const phases = Object.fromEntries(PHASES.map((p, i) => {
    const next = PHASES[i + 1];
    return [p, ((next === undefined ? end : marks[next]!) - marks[p]!) / 1000];
  })) as Record<Phase, number>;
  const first = report.runs[0]!;
  const result: TrainReport = {
    backend: args.backend, circuit: plan.circuit,
    dataset: {
      source: source.name, rows: source.table.rows.length, features: data.featureNames.length, classes: [...data.classes],
      trainRows: data.train.length, testRows: data.test.length, seed: data.seed, constantColumns: [...data.constantColumns],
    },
    model: args.out,
    minibatches: plan.minibatches, batchSize: plan.batchSize, features: data.features,
    workers: args.backend === 'sim' ? 0 : workers,
    depth: report.depth, depthPerMinibatch: report.depth / plan.minibatches, rounds: plan.rounds.length,
    roundDetails: first.rounds.map(({ minibatches, levelsUsed }, r) => ({
      minibatches, levelsUsed, seconds: report.runs.reduce((s, run) => s + run.rounds[r]!.seconds, 0), inputBytes: report.runs.reduce((s, run) => s + run.rounds[r]!.inputBytes, 0),
    })),
    runs: report.runs.map((r) => ({ positives: [...r.positives], seconds: r.seconds, weightsMaxAbsDiffs: [...r.weightsMaxAbsDiffs] })),
    params: {
      polyModulusDegree: plan.params.ringDegree, coeffModulusBits: [...plan.params.bitSizes], scaleBits: Math.log2(plan.params.scale),
      securityBits: plan.params.security === 'none' ? 0 : plan.params.security,
    },
    unit: { height: plan.unit.height, width: plan.unit.width },
    predictedWeightsMaxAbsDiff: plan.predictedWeightError,
    predicted: { seconds: timed.chosen.predictedSeconds, ...timed.chosen.seconds, candidates: timed.candidates.length, costModel: costNote },
    ops: {
      mul: ops.mul + ops.square, mulPlain: ops.mulPlain, rotate: ops.rotate, rescale: ops.rescale, relinearize: ops.relinearize,
      add: ops.add + ops.sub + ops.addPlain,
    },
    inputBytes: report.inputBytes, setupSeconds: phases.keys, seconds: phases.training, phases, wallSeconds: end / 1000,
    accuracy, curve: report.curve,
    weightsMaxAbsDiff: report.weightsMaxAbsDiff,
    lockstep,
    ...(job === undefined ? {} : { job }),
  };
  // Only now, with training done, do files appear: each whole or not at all.
  if (args.out !== null) writeAtomic(args.out, `${JSON.stringify(model)}\n`);
  if (args.curve !== null) writeAtomic(args.curve, curveSvg(report.curve, { data: source.name, detail: curveDetail(result) }));
  if (args.testOut !== null) writeAtomic(args.testOut, stringify([source.header, ...data.testIndices.map((i) => source.cells(i))]));
  return result;
}

/** The facts line under the curve's title (no times, so the same run draws the same picture). */
const curveDetail = (r: TrainReport): string[] => [
  `${r.dataset.classes.length} classes${r.dataset.classes.length > 2 ? ' (one-vs-rest)' : ''}, ${r.dataset.features} features, ` +
    `${r.dataset.trainRows} training rows, ${r.dataset.testRows} held out (seed ${r.dataset.seed})`,
  `${r.circuit} circuit on ${r.backend}: ${r.minibatches} minibatches of ${r.batchSize} in ${r.rounds} round${r.rounds > 1 ? 's' : ''}, ` +
    `N = ${r.params.polyModulusDegree}, scale 2^${r.params.scaleBits}`,
];

async function createBackend(args: TrainArgs & { workers: number }, plan: logreg.TrainingPlan, keyPlacement: 'replicate' | 'split', analysis: CircuitAnalysis | undefined, prestarted?: PrestartedWorkers): Promise<Backend> {
  const rotations = plan.rotations;
  if (args.backend === 'sim') return createSimBackend(plan.params, { rotations, noise: args.noise, seed: args.seed });
  if (args.backend === 'seal' && args.workers > 1) {
    return createSealPool(plan.params, { rotations, workers: args.workers, keyPlacement, ...(analysis === undefined ? {} : { analysis }), ...(prestarted === undefined ? {} : { prestarted }) });
  }
  const seal = await createSealBackend(plan.params, { rotations });
  if (args.backend === 'seal') return seal;
  try {
    return paired(seal, createSimBackend(plan.params, { rotations, noise: 'track', seed: args.seed }), { ownsBackends: true });
  } catch (e) {
    seal.dispose();
    throw e;
  }
}

const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;
const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const SETUP_NAME = (r: TrainReport): string => (r.backend === 'sim' ? 'set-up' : r.workers > 1 ? 'keys and pool set-up' : 'keys');

const classList = (classes: readonly string[]): string => (classes.length <= 10 ? classes.join(', ') : `${classes.slice(0, 10).join(', ')}, ...`);

/** The human summary. */
export function summary(r: TrainReport): string {
  const p = r.phases;
  const d = r.dataset;
  const on = r.backend === 'seal' && r.workers > 1 ? `seal (${r.workers} workers)` : r.backend;
  return [
    `hekit train: ${r.circuit} circuit on ${on}, ${r.minibatches} minibatches of ${r.batchSize} (${d.source}, ${r.features} features)`,
    `  dataset      ${d.rows} rows, ${d.features} features, ${d.classes.length} classes (${classList(d.classes)})${d.classes.length > 2 ? ', one model per class' : ''}; ` +
      `${d.trainRows} training rows, ${d.testRows} held out` +
      (d.constantColumns.length === 0 ? '' : `; ${d.constantColumns.length} constant column${d.constantColumns.length > 1 ? 's' : ''} ignored`),
    `  parameters   N = ${r.params.polyModulusDegree}, primes [${r.params.coeffModulusBits.join(', ')}] bits, scale 2^${r.params.scaleBits}, ${r.params.securityBits}-bit security, ` +
      `${r.unit.height} x ${r.unit.width} tiles`,
    `  depth        ${r.depth} levels in ${r.rounds} round${r.rounds > 1 ? 's' : ''} (${r.roundDetails.map((d) => `${d.minibatches} minibatch${d.minibatches > 1 ? 'es' : ''}: ${d.levelsUsed}`).join('; ')}), ${r.depthPerMinibatch.toFixed(2)} per minibatch`,
    `  operations   ${r.ops.mul} mul, ${r.ops.mulPlain} mulPlain, ${r.ops.rotate} rotate, ${r.ops.rescale} rescale, ${r.ops.relinearize} relinearize, ${r.ops.add} add`,
    `  input        ${mib(r.inputBytes)} of ciphertexts (uncompressed)`,
    `  predicted    ${r.predicted.seconds.toFixed(1)} s for keys${r.workers > 1 ? ', pool set-up' : ''} and training on SEAL (${(r.predicted.keys + r.predicted.poolSetUp).toFixed(1)} s ${SETUP_NAME(r)}, ` +
      `${(r.predicted.training + r.predicted.refresh + r.predicted.transfer).toFixed(1)} s training), the fastest of ${r.predicted.candidates} candidates (hekit train --plan)`,
    `  time         ${r.wallSeconds.toFixed(1)} s in all: ${p.startup.toFixed(1)} s start-up, ${p.data.toFixed(1)} s data, ${p.plan.toFixed(1)} s plan, ` +
      `${p.keys.toFixed(1)} s ${SETUP_NAME(r)}, ${p.training.toFixed(1)} s training, ${p.twin.toFixed(1)} s twin`,
    `  accuracy     ${pct(r.accuracy.encrypted)} encrypted, ${pct(r.accuracy.plaintext)} plaintext twin, ${pct(r.accuracy.plaintextExactSigmoid)} plaintext with exact σ (${r.accuracy.testSamples} held-out samples)`,
    `  model        ${r.model === null ? 'not saved (--out FILE saves it for hekit predict)' : `written to ${r.model}`}`,
    `  weights      max |encrypted - plaintext twin| = ${r.weightsMaxAbsDiff.toExponential(2)}` +
      (r.predictedWeightsMaxAbsDiff === null ? '' : ` (the simulator predicted ${r.predictedWeightsMaxAbsDiff.toExponential(2)} when planning)`),
    ...(r.lockstep === null ? [] : [
      `  lockstep     ${r.lockstep.opsChecked} ops checked against the simulator, none diverged; closest: op #${r.lockstep.closest.opIndex} ` +
        `(${r.lockstep.closest.op}) at ${r.lockstep.closest.ratio.toFixed(3)} of its predicted bound`,
    ]),
  ].join('\n');
}
