/**
 * A trained logistic-regression model as the client keeps it: weights per binary model, the
 * scaling fitted on the training split, class labels, feature names and how it was trained.
 * Plaintext only: a model file never holds key material, and `fromJSON` accepts no field it
 * does not know.
 */
import { HeError } from '../../core/index.js';
import { sigmoid } from '../poly/index.js';
import { applyTransform, type FeatureTransform } from './prepare.js';

/** The `format` tag of a model file. */
export const MODEL_FORMAT = 'hekit/logreg-model';
/** The model file version this hekit writes and reads. */
export const MODEL_VERSION = 1;

/** How a model was trained: the circuit, the parameters and what it reached on the held-out split. */
export interface TrainingMetadata {
  readonly circuit: 'baseline' | 'lowdepth';
  /** The backend that ran the circuit ('seal', 'sim', ...). */
  readonly backend: string;
  readonly ringDegree: number;
  readonly bitSizes: readonly number[];
  readonly scaleBits: number;
  /** Levels consumed over the whole run. */
  readonly depth: number;
  readonly rounds: number;
  readonly minibatches: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly seed: number;
  /** The label column the model was trained on (null when the table named none). */
  readonly label: string | null;
  /** Held-out accuracy of the encrypted model and of its float64 twin. */
  readonly accuracy: { readonly encrypted: number; readonly twin: number; readonly testRows: number };
}

/** A model file's content: `model.toJSON()`, read back by `Model.fromJSON`. */
export interface ModelJson {
  readonly format: typeof MODEL_FORMAT;
  readonly version: typeof MODEL_VERSION;
  /** Class labels. Binary: [negative, positive]; more: one-vs-rest, one model per class. */
  readonly classes: readonly string[];
  readonly featureNames: readonly string[];
  readonly transform: FeatureTransform;
  /** Binary: one weight vector; K > 2 classes: K, in class order. Each is bias first, then one weight per feature. */
  readonly weights: readonly (readonly number[])[];
  readonly training: TrainingMetadata | null;
}

/** What a `Model` is made of (the JSON form without its format tag). */
export type ModelFields = Omit<ModelJson, 'format' | 'version'>;

/**
 * A trained model: `predict` and `predictProbability` on raw rows (scaled here with the fitted
 * transform), `toJSON` / `fromJSON` for model files. Immutable.
 */
export class Model {
  readonly classes: readonly string[];
  readonly featureNames: readonly string[];
  readonly transform: FeatureTransform;
  /** One weight vector per binary model (bias first). */
  readonly weights: readonly Float64Array[];
  readonly training: TrainingMetadata | null;

  /** Throws MODEL_INVALID naming the first field that does not fit the others. */
  constructor(fields: ModelFields) {
    const problems = checkFields(fields as unknown as Record<string, unknown>);
    if (problems.length > 0) throw invalid(problems);
    this.classes = Object.freeze([...fields.classes]);
    this.featureNames = Object.freeze([...fields.featureNames]);
    this.transform = Object.freeze({ mean: Object.freeze([...fields.transform.mean]), range: Object.freeze([...fields.transform.range]) });
    this.weights = Object.freeze(fields.weights.map((w) => Float64Array.from(w)));
    this.training = fields.training === null ? null : structuredClone(fields.training);
  }

  /** Input features (without the bias). */
  get features(): number {
    return this.featureNames.length;
  }

  /** Scores (1, x')·w per row and binary model: > 0 means the model's positive class. Throws SHAPE_MISMATCH, INVALID_VALUES. */
  decisionFunction(rows: readonly ArrayLike<number>[]): number[][] {
    return rows.map((x, i) => {
      for (let j = 0; j < x.length; j++) {
        if (!Number.isFinite(x[j])) throw new HeError('INVALID_VALUES', `row ${i}, column ${j + 1}: ${x[j]} is not a finite number`, { row: i, column: j });
      }
      const z = applyTransform(this.transform, x);
      return this.weights.map((w) => z.reduce((s, v, j) => s + v * w[j]!, 0));
    });
  }

  /**
   * Class probabilities per row, in `classes` order, with the exact sigmoid. Binary: [1 - p, p].
   * One-vs-rest: each class's σ(score), normalised to sum 1.
   */
  predictProbability(rows: readonly ArrayLike<number>[]): number[][] {
    return this.decisionFunction(rows).map(probabilitiesOfScores);
  }

  /** The predicted class label of each row. */
  predict(rows: readonly ArrayLike<number>[]): string[] {
    return this.decisionFunction(rows).map((scores) => this.classes[classOfScores(scores)]!);
  }

  /** The model file's content; `JSON.stringify(model)` writes it. */
  toJSON(): ModelJson {
    return {
      format: MODEL_FORMAT, version: MODEL_VERSION, classes: [...this.classes], featureNames: [...this.featureNames],
      transform: { mean: [...this.transform.mean], range: [...this.transform.range] },
      weights: this.weights.map((w) => Array.from(w)), training: this.training === null ? null : structuredClone(this.training),
    };
  }

  /** Reads a model file (its text or parsed JSON). Throws MODEL_INVALID with `details.field` and every problem in `details.problems`. */
  static fromJSON(json: unknown): Model {
    let value = json;
    if (typeof json === 'string') {
      try {
        value = JSON.parse(json);
      } catch (e) {
        throw invalid([{ field: '(file)', problem: `is not JSON: ${(e as Error).message}` }]);
      }
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid([{ field: '(file)', problem: 'is not a JSON object' }]);
    const record = value as Record<string, unknown>;
    if (record.format !== MODEL_FORMAT) throw invalid([{ field: 'format', problem: `must be "${MODEL_FORMAT}"; got ${show(record.format)}` }]);
    if (record.version !== MODEL_VERSION) {
      throw invalid([{ field: 'version', problem: `${show(record.version)} is not a version this hekit reads (it reads ${MODEL_VERSION})` }]);
    }
    const { format: _format, version: _version, ...fields } = record;
    const problems = checkFields(fields);
    if (problems.length > 0) throw invalid(problems);
    return new Model(fields as unknown as ModelFields);
  }
}

/** The class a row's scores pick: binary, positive iff the score is > 0; one-vs-rest, the highest score. */
export function classOfScores(scores: readonly number[]): number {
  if (scores.length === 1) return scores[0]! > 0 ? 1 : 0;
  let best = 0;
  for (let k = 1; k < scores.length; k++) if (scores[k]! > scores[best]!) best = k;
  return best;
}

/**
 * Class probabilities from one row's scores, with the exact sigmoid (as `Model.predictProbability`).
 * Binary: [1 - σ(score), σ(score)]; one-vs-rest: each σ(score), normalised to sum 1.
 */
export function probabilitiesOfScores(scores: readonly number[]): number[] {
  if (scores.length === 1) {
    const p = sigmoid(scores[0]!);
    return [1 - p, p];
  }
  const ps = scores.map(sigmoid);
  const total = ps.reduce((a, b) => a + b, 0);
  return ps.map((p) => p / total);
}

interface Problem {
  readonly field: string;
  readonly problem: string;
}

const show = (v: unknown): string => (v === undefined ? 'nothing' : JSON.stringify(v)?.slice(0, 40) ?? String(v));

function invalid(problems: readonly Problem[]): HeError {
  const [first] = problems;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
  return new HeError('MODEL_INVALID', `model file: ${first!.field} ${first!.problem}${more}`, { field: first!.field, problems });
}

const isFiniteArray = (v: unknown, length?: number): v is number[] =>
  Array.isArray(v) && (length === undefined || v.length === length) && v.every((x) => typeof x === 'number' && Number.isFinite(x));

const FIELDS = ['classes', 'featureNames', 'transform', 'weights', 'training'];
const TRAINING_NUMBERS = ['ringDegree', 'scaleBits', 'depth', 'rounds', 'minibatches', 'batchSize', 'learningRate', 'seed'] as const;

/** Every problem of a model's fields, each naming its field; none when they fit together. */
function checkFields(f: Record<string, unknown>): Problem[] {
  const problems: Problem[] = [];
  const bad = (field: string, problem: string) => void problems.push({ field, problem });
  for (const key of Object.keys(f)) if (!FIELDS.includes(key)) bad(key, 'is not a model field (a model file holds no keys or ciphertexts)');
  const { classes, featureNames, transform, weights, training } = f;
  if (!Array.isArray(classes) || classes.length < 2 || !classes.every((c) => typeof c === 'string') || new Set(classes).size !== classes.length) {
    bad('classes', `must be at least two distinct strings; got ${show(classes)}`);
  }
  const d = Array.isArray(featureNames) ? featureNames.length : -1;
  if (!Array.isArray(featureNames) || d < 1 || !featureNames.every((c) => typeof c === 'string')) bad('featureNames', `must be a non-empty array of strings; got ${show(featureNames)}`);
  const t = transform as Record<string, unknown> | null;
  if (typeof t !== 'object' || t === null) bad('transform', `must be an object with mean and range; got ${show(transform)}`);
  else {
    if (!isFiniteArray(t.mean, d < 0 ? undefined : d)) bad('transform.mean', `must be ${d < 0 ? '' : `${d} `}finite numbers, one per feature`);
    if (!isFiniteArray(t.range, d < 0 ? undefined : d) || t.range.some((r) => r < 0)) bad('transform.range', `must be ${d < 0 ? '' : `${d} `}non-negative numbers, one per feature`);
    for (const key of Object.keys(t)) if (key !== 'mean' && key !== 'range') bad(`transform.${key}`, 'is not a transform field');
  }
  const models = Array.isArray(classes) ? (classes.length === 2 ? 1 : classes.length) : -1;
  if (!Array.isArray(weights) || (models > 0 && weights.length !== models)) {
    bad('weights', `must hold ${models > 0 ? models : 'one'} weight vector${models === 1 ? '' : 's'} (${models === 1 ? 'binary' : 'one per class'}); got ${show(Array.isArray(weights) ? `${weights.length} vectors` : weights)}`);
  } else {
    weights.forEach((w, k) => {
      if (!isFiniteArray(w, d < 0 ? undefined : d + 1)) bad(`weights[${k}]`, `must be ${d < 0 ? '' : `${d + 1} `}finite numbers (bias first)`);
    });
  }
  if (training !== null) checkTraining(training, bad);
  return problems;
}

function checkTraining(training: unknown, bad: (field: string, problem: string) => void): void {
  if (typeof training !== 'object' || training === null || Array.isArray(training)) return bad('training', `must be null or an object; got ${show(training)}`);
  const t = training as Record<string, unknown>;
  if (t.circuit !== 'baseline' && t.circuit !== 'lowdepth') bad('training.circuit', `must be "baseline" or "lowdepth"; got ${show(t.circuit)}`);
  if (typeof t.backend !== 'string') bad('training.backend', `must be a string; got ${show(t.backend)}`);
  for (const key of TRAINING_NUMBERS) if (typeof t[key] !== 'number' || !Number.isFinite(t[key])) bad(`training.${key}`, `must be a finite number; got ${show(t[key])}`);
  if (!isFiniteArray(t.bitSizes)) bad('training.bitSizes', `must be an array of numbers; got ${show(t.bitSizes)}`);
  const a = t.accuracy as Record<string, unknown> | null | undefined;
  if (typeof a !== 'object' || a === null || !['encrypted', 'twin', 'testRows'].every((k) => typeof a[k] === 'number')) {
    bad('training.accuracy', `must hold numbers encrypted, twin and testRows; got ${show(a)}`);
  }
  if (t.label !== null && typeof t.label !== 'string') bad('training.label', `must be a string or null; got ${show(t.label)}`);
  const known = new Set<string>(['circuit', 'backend', 'bitSizes', 'accuracy', 'label', ...TRAINING_NUMBERS]);
  for (const key of Object.keys(t)) if (!known.has(key)) bad(`training.${key}`, 'is not a training field');
}
