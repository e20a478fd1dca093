/**
 * `hekit train --server URL --token TOKEN`: the same training as a local run, with the rounds
 * run by a hekit service (`hekit/service`'s `trainRemote`): keys, encryption, the flooded
 * refresh and decryption stay in this process. Binary tasks only (one-vs-rest is not on the
 * protocol's wire). Reports what a local run reports; ops are the workers' counts.
 */
import { logreg } from '../algorithms/index.js';
import type { CircuitStats } from '../core/index.js';
// The service's client loads when --server is given.
import type { TrainProgress } from './progress.js';
import { UsageError } from './options.js';

/** Where the service is and who the client is. */
export interface ServiceTarget {
  readonly server: string;
  readonly token: string;
}

/** What a run on a service gives `runTraining`: what `trainModel` gives, the ops the workers counted, and the job id. */
export interface ServiceTraining {
  readonly trained: ReturnType<typeof logreg.trainModel>;
  readonly ops: CircuitStats['ops'];
  readonly job: string;
}

const OP_NAMES = ['encrypt', 'decrypt', 'add', 'sub', 'neg', 'addPlain', 'mulPlain', 'mul', 'square', 'relinearize', 'rescale', 'dropLevelTo', 'rotate'] as const;

/**
 * Trains `plan` on `data` through the service at `target`, announcing rounds to `progress`.
 * Throws UsageError for more than two classes, and what `trainRemote` throws.
 */
export async function trainOnService(target: ServiceTarget, plan: logreg.ModelPlan, data: logreg.PreparedData, learningRate: number, progress: TrainProgress): Promise<ServiceTraining> {
  if (data.classes.length !== 2) {
    throw new UsageError(`--server trains binary tasks only; the data has ${data.classes.length} classes (train one-vs-rest locally, or pick two classes)`);
  }
  const positive = logreg.modelClasses(data.classes)[0]!;
  const batches = logreg.foldedBatches(data, positive, plan.minibatches, plan.batchSize);
  const levelsUsed = (round: number): number => {
    const out = logreg.roundOutputMeta(plan, round);
    return plan.params.maxLevel - Math.min(out.w.level, out.v?.level ?? out.w.level);
  };
  const { planRequestOf, trainRemote } = await import('../service/client.js');
  progress.training({ kind: 'round-start', round: 0, minibatches: plan.rounds[0]! }, plan);
  const result = await trainRemote({
    server: target.server, token: target.token, plan: planRequestOf(plan, plan.batchSize), learningRate, batches,
    onProgress: (e) => {
      if (e.kind !== 'round-end') return;
      progress.training({ kind: 'round-end', round: e.round, seconds: e.seconds, levelsUsed: levelsUsed(e.round) }, plan);
      if (e.round + 1 < plan.rounds.length) progress.training({ kind: 'round-start', round: e.round + 1, minibatches: plan.rounds[e.round + 1]! }, plan);
    },
  });
  // The float64 twin after every minibatch, and the model after every round, as trainModel reports them.
  const rule: logreg.UpdateRule = plan.circuit === 'baseline' ? 'nesterov' : 'gradient';
  let state = logreg.initialState(plan.features);
  const twin = batches.map((batch) => (state = logreg.trainStep(state, batch, { rule, learningRate, sigmoid: logreg.TRAINING_DEFAULTS.sigmoid })).w);
  const accuracyOf = (w: Float64Array): number => logreg.heldOutAccuracy(data.test, data.testLabels, [w]);
  const weights = result.model.state.w;
  const diff = Math.max(...weights.map((x, j) => Math.abs(x - twin.at(-1)![j]!)));
  const rounds = result.rounds.map((r) => ({ minibatches: r.minibatches, levelsUsed: levelsUsed(r.round), seconds: r.seconds, inputBytes: r.requestBytes }));
  const seconds = rounds.reduce((s, r) => s + r.seconds, 0);
  const inputBytes = rounds.reduce((s, r) => s + r.inputBytes, 0);
  const depth = rounds.reduce((s, r) => s + r.levelsUsed, 0);
  let trainedSoFar = 0;
  const curve = {
    twin: twin.map((w, k) => ({ minibatch: k + 1, accuracy: accuracyOf(w) })),
    encrypted: result.rounds.map((r, i) => ({ minibatch: (trainedSoFar += r.minibatches), accuracy: accuracyOf(i === result.rounds.length - 1 ? weights : r.weights) })),
  };
  const accuracy = { encrypted: accuracyOf(weights), twin: accuracyOf(twin.at(-1)!), testRows: data.test.length };
  const model = new logreg.Model({
    classes: data.classes, featureNames: data.featureNames, transform: data.transform, weights: [Array.from(weights)],
    training: {
      circuit: plan.circuit, backend: 'seal', ringDegree: plan.params.ringDegree, bitSizes: [...plan.params.bitSizes], scaleBits: Math.log2(plan.params.scale),
      depth, rounds: plan.rounds.length, minibatches: plan.minibatches, batchSize: plan.batchSize, learningRate, seed: data.seed, label: data.labelName, accuracy,
    },
  });
  const ops = Object.fromEntries(OP_NAMES.map((op) => [op, result.rounds.reduce((s, r) => s + (r.figures?.ops[op] ?? 0), 0)])) as unknown as CircuitStats['ops'];
  return {
    trained: {
      model,
      report: {
        runs: [{ positives: [data.classes[positive]!], rounds, seconds, inputBytes, weightsMaxAbsDiffs: [diff], weightsMaxAbsDiff: diff }],
        depth, seconds, inputBytes, accuracy, weightsMaxAbsDiff: diff, curve,
      },
    },
    ops,
    job: result.job,
  };
}
