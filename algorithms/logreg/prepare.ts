/**
 * The client's data preparation for any table: label encoding (two classes, or K for
 * one-vs-rest), a seeded train/test split, centring and scaling fitted on the training split
 * only, and the bias column and label folding the circuits need.
 *
 * The fitted transform is plain data (JSON-ready) and travels inside a saved model, so new rows
 * are scaled exactly as the training rows were.
 */
import { HeError } from '../../core/index.js';
import { shuffle } from './seeded.js';

/** A labelled table in memory: one row of numbers per sample and one label per row. */
export interface Table {
  /** Rows x features, every value a finite number. */
  readonly rows: readonly ArrayLike<number>[];
  /** One label per row: any two values for a binary task, more for one-vs-rest. */
  readonly labels: readonly (string | number)[];
  /** Column names (default `x1`, `x2`, ...). */
  readonly featureNames?: readonly string[];
  /** The label column's name, kept in the model so predictions can be scored against it. */
  readonly labelName?: string;
}

/**
 * The scaling fitted on the training split: x' = (x - mean) / range per column, where range is
 * the largest |x - mean| seen in training, so training values lie in [-1, 1]. A column constant
 * in training has range 0 and maps to 0: it carries no information.
 */
export interface FeatureTransform {
  readonly mean: readonly number[];
  readonly range: readonly number[];
}

/** Options of `prepareTable`. */
export interface PrepareOptions {
  /** Held-out fraction in (0, 1), default 0.2; ignored when `testSize` is given. */
  readonly testFraction?: number;
  /** Held-out rows, a positive integer (overrides `testFraction`). */
  readonly testSize?: number;
  /** Shuffle seed (default 1). */
  readonly seed?: number;
  /** Subtract the training means before scaling (default true). */
  readonly centre?: boolean;
  /**
   * The class order. Binary: `[negative, positive]`. Default: the distinct labels sorted
   * (numerically when every label is a number or numeric string).
   */
  readonly classes?: readonly (string | number)[];
  /** Binary tasks: the label that counts as positive (moved to the end of `classes`). */
  readonly positive?: string | number;
}

/** A table split, scaled and label-encoded: what training, evaluation and the model need. */
export interface PreparedData {
  /** Scaled training rows with the bias first: (1, x'). */
  readonly train: readonly Float64Array[];
  /** Class index of each training row. */
  readonly trainLabels: readonly number[];
  /** Scaled held-out rows with the bias first. */
  readonly test: readonly Float64Array[];
  readonly testLabels: readonly number[];
  /** Class labels as strings, in class-index order. */
  readonly classes: readonly string[];
  readonly featureNames: readonly string[];
  readonly transform: FeatureTransform;
  /** Features including the bias. */
  readonly features: number;
  /** Names of the columns constant on the training split (scaled to 0, weight 0). */
  readonly constantColumns: readonly string[];
  /** The shuffle seed of the split. */
  readonly seed: number;
  /** `Table.labelName`, or null. */
  readonly labelName: string | null;
  /** Row numbers in the table (from 0) of the training and held-out rows, in split order. */
  readonly trainIndices: readonly number[];
  readonly testIndices: readonly number[];
}

/** The class order `prepareTable` uses: given, or the distinct labels sorted; the positive one last. */
export function classOrder(labels: readonly (string | number)[], options: Pick<PrepareOptions, 'classes' | 'positive'> = {}): string[] {
  const distinct = [...new Set(labels.map(String))];
  let classes: string[];
  if (options.classes !== undefined) {
    classes = options.classes.map(String);
    if (new Set(classes).size !== classes.length) throw new HeError('INVALID_ARGUMENT', `classes must be distinct; got ${classes.join(', ')}`, { classes });
    const unknown = distinct.filter((c) => !classes.includes(c));
    if (unknown.length > 0) throw new HeError('INVALID_ARGUMENT', `labels ${unknown.slice(0, 5).join(', ')} are not among the classes ${classes.join(', ')}`, { unknown });
  } else {
    const numeric = distinct.every((c) => c.trim() !== '' && Number.isFinite(Number(c)));
    classes = distinct.sort(numeric ? (a, b) => Number(a) - Number(b) : undefined);
  }
  if (classes.length < 2) throw new HeError('INVALID_ARGUMENT', `the labels hold ${classes.length} class${classes.length === 1 ? ` (${classes[0]})` : 'es'}; training needs at least two`, { classes });
  if (options.positive !== undefined) {
    const positive = String(options.positive);
    if (classes.length !== 2) throw new HeError('INVALID_ARGUMENT', `a positive class applies to two classes; the labels hold ${classes.length}`, { classes });
    if (!classes.includes(positive)) throw new HeError('INVALID_ARGUMENT', `the positive class ${positive} is not among the labels ${classes.join(', ')}`, { positive, classes });
    classes = [...classes.filter((c) => c !== positive), positive];
  }
  return classes;
}

/** Fits the scaling on `rows` (each of equal width). */
export function fitTransform(rows: readonly ArrayLike<number>[], options: { readonly centre?: boolean } = {}): FeatureTransform {
  const width = rows[0]?.length ?? 0;
  const mean = new Float64Array(width);
  if (options.centre ?? true) {
    for (const x of rows) for (let j = 0; j < width; j++) mean[j]! += (x[j] as number) / rows.length;
  }
  const range = new Float64Array(width);
  for (const x of rows) for (let j = 0; j < width; j++) range[j] = Math.max(range[j]!, Math.abs((x[j] as number) - mean[j]!));
  // A constant column's mean can miss its value by rounding, leaving a range of 1e-15 that would blow rounding up to ±1.
  for (let j = 0; j < width; j++) if (rows.every((x) => x[j] === rows[0]![j])) range[j] = 0;
  return { mean: Array.from(mean), range: Array.from(range) };
}

/** (1, x') for one raw row: the bias first, then each column scaled by the fitted transform. */
export function applyTransform(transform: FeatureTransform, x: ArrayLike<number>): Float64Array {
  const { mean, range } = transform;
  if (x.length !== mean.length) throw new HeError('SHAPE_MISMATCH', `a row of ${mean.length} features was expected; got ${x.length}`, { expected: mean.length, got: x.length });
  const out = new Float64Array(mean.length + 1);
  out[0] = 1;
  for (let j = 0; j < mean.length; j++) out[j + 1] = range[j]! > 0 ? ((x[j] as number) - mean[j]!) / range[j]! : 0;
  return out;
}

/**
 * Folded rows for the binary model of class `positive` (one-vs-rest): z = ỹ·(1, x'), ỹ = +1 for
 * rows of that class and -1 otherwise, so a row is classified right iff z·w > 0.
 */
export function foldLabels(rows: readonly Float64Array[], labels: readonly number[], positive: number): Float64Array[] {
  return rows.map((x, i) => {
    return labels[i] === positive ? Float64Array.from(x) : x.map((v) => -v);
  });
}

/**
 * Splits `table` by a seeded shuffle (held-out rows first), fits the scaling on the training
 * split only and encodes the labels. Throws INVALID_ARGUMENT (ragged or non-finite rows, one
 * class, a split leaving either side empty).
 */
export function prepareTable(table: Table, options: PrepareOptions = {}): PreparedData {
  const { rows, labels } = table;
  const width = rows[0]?.length ?? 0;
  if (rows.length !== labels.length) throw new HeError('INVALID_ARGUMENT', `${rows.length} rows but ${labels.length} labels`, { rows: rows.length, labels: labels.length });
  if (width === 0) throw new HeError('INVALID_ARGUMENT', 'the table has no rows or no feature columns', { rows: rows.length });
  rows.forEach((x, i) => {
    if (x.length !== width) throw new HeError('SHAPE_MISMATCH', `row ${i} has ${x.length} values; the first has ${width}`, { row: i, expected: width, got: x.length });
    for (let j = 0; j < width; j++) {
      if (!Number.isFinite(x[j])) throw new HeError('INVALID_VALUES', `row ${i}, column ${j + 1}: ${x[j]} is not a finite number`, { row: i, column: j });
    }
  });
  const featureNames = table.featureNames ?? Array.from({ length: width }, (_, j) => `x${j + 1}`);
  if (featureNames.length !== width) throw new HeError('SHAPE_MISMATCH', `${featureNames.length} feature names for ${width} columns`, { names: featureNames.length, columns: width });
  const classes = classOrder(labels, options);
  const index = new Map(classes.map((c, k) => [c, k]));

  const testSize = options.testSize ?? Math.round(rows.length * (options.testFraction ?? 0.2));
  if (options.testSize === undefined && options.testFraction !== undefined && !(options.testFraction > 0 && options.testFraction < 1)) {
    throw new HeError('INVALID_ARGUMENT', `testFraction ${options.testFraction} must lie strictly between 0 and 1`, { testFraction: options.testFraction });
  }
  if (!Number.isInteger(testSize) || testSize < 1 || testSize >= rows.length) {
    throw new HeError('INVALID_ARGUMENT', `a held-out split of ${testSize} must leave both splits non-empty (${rows.length} rows)`, { testSize, rows: rows.length });
  }
  const seed = options.seed ?? 1;
  const order = shuffle(Array.from(rows.keys()), seed);
  const testRows = order.slice(0, testSize);
  const trainRows = order.slice(testSize);
  const transform = fitTransform(trainRows.map((i) => rows[i]!), options);
  const scale = (ids: number[]) => ids.map((i) => applyTransform(transform, rows[i]!));
  const label = (ids: number[]) => ids.map((i) => index.get(String(labels[i]))!);
  return {
    train: scale(trainRows), trainLabels: label(trainRows), test: scale(testRows), testLabels: label(testRows),
    classes, featureNames: [...featureNames], transform, features: width + 1,
    constantColumns: featureNames.filter((_, j) => transform.range[j] === 0), seed, labelName: table.labelName ?? null, trainIndices: trainRows, testIndices: testRows,
  };
}
