/**
 * The one-vs-rest driver on shared inputs (shared.ts): K binary models trained in one run whose
 * big inputs (X_k, X_kᵀ, M_k, M_kᵀ of unfolded rows) are encrypted once per round for all classes,
 * while each class adds only its label vectors. Rounds, refreshes and depth are `trainEncrypted`'s.
 */
import { HeError, type Evaluator } from '../../core/index.js';
import { scaleLadder } from '../ladder.js';
import { freeAll, type EncryptedColVector, type EncryptedRowVector } from '../linalg/index.js';
import { baselineRound } from './baseline.js';
import { freshStart, lowDepthRound } from './lowdepth.js';
import type { BatchLabels } from './shared.js';
import {
  localClient, roundConfig, trackedEncryptor, type ProgressEvent, type RoundLabels, type RoundReport, type SharedTrainingClient, type TrainingOptions, type TrainingPlan,
} from './train.js';

/** Options of `trainEncryptedShared`: those of `trainEncrypted`, with a client that sends label vectors. */
export interface SharedTrainingOptions<C = unknown> extends Omit<TrainingOptions<C>, 'client' | 'onProgress'> {
  /** Default: `localClient(ev, plan)`. */
  readonly client?: SharedTrainingClient<C>;
  /** As `trainEncrypted`'s; `minibatch` events fire as the first class reaches each minibatch, `model` is set on `model-end`. */
  readonly onProgress?: (event: ProgressEvent | { readonly kind: 'model-end'; readonly round: number; readonly model: number }) => void;
}

/** One round of a shared run, in `SharedTrainingResult.rounds`. */
export interface SharedRoundReport extends Omit<RoundReport, 'weights'> {
  /** Bytes of the inputs every class shares (X_k, X_kᵀ, M_k, M_kᵀ), sent once. */
  readonly sharedBytes: number;
  /** Bytes of every class's label vectors (packed together). */
  readonly labelBytes: number;
  /** Levels each packed label vector was sent at, by `name.kind`. */
  readonly labelLevels: Readonly<Record<string, number>>;
  /** The weights of each class's model at the round's end, as the client decrypted them. */
  readonly weights: readonly Float64Array[];
}

/** What `trainEncryptedShared` returns. */
export interface SharedTrainingResult {
  /** Each class's final weights (bias first), in `labels` order. */
  readonly weights: readonly Float64Array[];
  readonly rounds: readonly SharedRoundReport[];
  /** Sum of the rounds' `inputBytes` (shared inputs once, plus every class's label vectors). */
  readonly inputBytes: number;
}

/**
 * Trains one model per entry of `labels` on `batches` of unfolded rows (1, x'): `labels[c]` holds
 * class c's ±1 label of every row, in minibatch order. Each round sends the shared inputs once
 * and each class's label vectors, and runs the circuit (`plan.circuit`) once per class; the
 * levels per round are `roundDepth`'s, as for one binary run. Frees everything it creates.
 * Throws INVALID_ARGUMENT (minibatch count, labels not ±1 or of the wrong length), SHAPE_MISMATCH,
 * and what the circuits throw.
 *
 * @example
 * ```ts
 * import { logreg } from 'hekit/algorithms';
 * import { createSimBackend } from 'hekit/sim';
 *
 * const plan = logreg.planTraining({ circuit: 'lowdepth', minibatches: 1, batchSize: 4, features: 2, ringDegree: 8192 });
 * const rows = [[1, 0.5], [1, -0.5], [1, 0.25], [1, -0.75]].map((r) => Float64Array.from(r));
 * const labels = [[1, -1, 1, -1], [-1, 1, -1, 1]]; // two one-vs-rest models
 * const ev = createSimBackend(plan.params, { rotations: plan.rotations, noise: 'inject' });
 * const trained = logreg.trainEncryptedShared(ev, plan, [rows], labels);
 * console.log(trained.weights.length, trained.inputBytes);
 * ev.dispose();
 * ```
 */
export function trainEncryptedShared<C>(
  ev: Evaluator<C>, plan: TrainingPlan, batches: readonly (readonly Float64Array[])[], labels: readonly BatchLabels[], options: SharedTrainingOptions<C> = {},
): SharedTrainingResult {
  const total = plan.rounds.reduce((a, b) => a + b, 0);
  if (batches.length !== total) throw new HeError('INVALID_ARGUMENT', `the plan is for ${total} minibatches; got ${batches.length}`, { planned: total, got: batches.length });
  const features = plan.features;
  const size = batches[0]!.length;
  if (batches.some((b) => b.length !== size || b.some((z) => z.length !== features))) {
    throw new HeError('SHAPE_MISMATCH', `every minibatch must have ${size} rows of ${features} features`, { features });
  }
  if (labels.length < 1 || labels.some((y) => y.length !== total * size)) {
    throw new HeError('INVALID_ARGUMENT', `each class needs one label per training row (${total * size})`, { classes: labels.length, rows: total * size });
  }
  const config = roundConfig(plan, scaleLadder(ev.params), size, options);
  const client = options.client ?? localClient(ev, plan, options);
  const top = ev.params.maxLevel;
  const classes = labels.length;
  let w: Float64Array[] = labels.map(() => new Float64Array(features));
  let v: Float64Array[] = labels.map(() => new Float64Array(features));
  let step = 0;
  const reports: SharedRoundReport[] = [];
  let offset = 0;
  plan.rounds.forEach((k, round) => {
    options.onProgress?.({ kind: 'round-start', round, minibatches: k });
    const t0 = performance.now();
    const first = offset;
    const roundBatches = batches.slice(first, first + k);
    offset += k;
    let reached = 0;
    const onFirst = (minibatch: number): void => {
      for (; reached < Math.min(minibatch, k); reached++) options.onProgress?.({ kind: 'minibatch', round, minibatch: reached + 1 });
    };
    const source = client.roundInputs(roundBatches, onFirst);
    let low = top;
    let labelBytes = 0;
    let labelLevels: Record<string, number> = {};
    let inputLevels: Record<string, number> = {};
    const nextW: Float64Array[] = [];
    const nextV: Float64Array[] = [];
    let nextStep = step;
    const y = labels.map((yc) => Array.from({ length: k }, (_, j) => Array.prototype.slice.call(yc, (first + j) * size, (first + j + 1) * size) as number[]));
    let roundLabels: RoundLabels<C> | undefined;
    try {
      roundLabels = client.roundLabels(roundBatches, y, onFirst);
      for (let c = 0; c < classes; c++) {
        const classLabels = roundLabels.forClass(c);
        const made: Array<EncryptedColVector<C> | EncryptedRowVector<C>> = [];
        const track = <T extends EncryptedColVector<C> | EncryptedRowVector<C>>(x: T): T => (made.push(x), x);
        try {
          if (plan.circuit === 'lowdepth') {
            const start = round === 0 ? null : freshStart(trackedEncryptor(client, track), top, k, w[c]!, roundBatches[0]!);
            const out = track(lowDepthRound(ev, source, k, config, start, classLabels));
            low = Math.min(low, ev.meta(out.tiles[0]!).level);
            nextW.push(client.decrypt(out));
          } else {
            const start = { w: track(client.encryptCol(w[c]!)), v: track(client.encryptCol(v[c]!)), step };
            const out = baselineRound(ev, source, k, config, start, classLabels);
            [out.w, out.v].forEach(track);
            low = Math.min(low, ev.meta(out.v.tiles[0]!).level);
            nextW.push(client.decrypt(out.w));
            nextV.push(client.decrypt(out.v));
            nextStep = out.step;
          }
        } finally {
          made.forEach((x) => freeAll(ev, x));
        }
        options.onProgress?.({ kind: 'model-end', round, model: c });
      }
    } finally {
      inputLevels = Object.fromEntries(source.levels());
      if (roundLabels !== undefined) {
        labelLevels = Object.fromEntries(roundLabels.levels());
        labelBytes = roundLabels.bytes;
        roundLabels.free();
      }
      source.free();
    }
    w = nextW;
    if (plan.circuit === 'baseline') v = nextV;
    step = plan.circuit === 'baseline' ? nextStep : step + k;
    const seconds = (performance.now() - t0) / 1000;
    reports.push({
      minibatches: k, levelsUsed: top - low, inputBytes: source.bytes + labelBytes, sharedBytes: source.bytes, labelBytes, seconds,
      inputLevels, labelLevels, weights: w,
    });
    options.onProgress?.({ kind: 'round-end', round, seconds, levelsUsed: top - low });
  });
  return { weights: w, rounds: reports, inputBytes: reports.reduce((s, r) => s + r.inputBytes, 0) };
}
