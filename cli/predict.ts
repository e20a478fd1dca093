/**
 * `hekit predict`: a saved model (`hekit train --out`) applied to the rows of a CSV file: the
 * class and the probability of each class per row, written as CSV (or JSON); with the label
 * column present, accuracy and a confusion matrix; with `--encrypted`, the rows scored under
 * encryption (`predictEncrypted`, depth 1) on the simulator or SEAL, checked against the plain
 * model row by row.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { Command } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { logreg } from '../algorithms/index.js';
import { createSealBackend } from '../backends/seal/index.js';
import { createSimBackend } from '../backends/sim/index.js';
import { createParams, isHeError, type Backend, type CkksParamsLiteral } from '../core/index.js';
import { checkOutput, writeAtomic } from './files.js';
import { choice, configure, given, nonEmpty, option, refuse, UsageError } from './options.js';
import { InputError, numericColumns, readCsv, requireColumn, requireColumns, type CsvFile } from './table.js';

export interface PredictArgs {
  /** The model file (`hekit train --out`). */
  readonly model: string;
  /** The CSV file of rows to classify. */
  readonly data: string;
  /** Where to write the predictions as CSV (null: stdout, the summary then on stderr). */
  readonly out: string | null;
  /** The label column to score against (null: the one column that is not a model feature, if any). */
  readonly label: string | null;
  readonly json: boolean;
  /** Score the rows under encryption too, and compare. */
  readonly encrypted: boolean;
  readonly backend: 'seal' | 'sim';
  /** No summary on stderr when the predictions go to stdout (notices still). */
  readonly quiet: boolean;
}

/** `hekit predict`'s options, descriptions, defaults and examples (no action: hekit.ts adds it). */
export function predictCommand(): Command {
  return configure(new Command('predict'))
    .summary('classify the rows of a CSV file with a trained model, in plaintext or encrypted')
    .description('Classify the rows of a CSV file with a model saved by hekit train --out: per row the class and the probability of each class, ' +
      'as CSV (or --json). Columns are matched by name with the model\'s features; other columns are ignored. When the label column is present, ' +
      'prints the accuracy and a confusion matrix. --encrypted scores the rows under encryption as well and reports how many agree.')
    .addOption(option('model', 'FILE', 'the model file written by hekit train --out (required)', nonEmpty('a file name')).makeOptionMandatory())
    .addOption(option('data', 'FILE', 'a CSV file with a header row holding (at least) the model\'s feature columns (required)', nonEmpty('a file name')).makeOptionMandatory())
    .addOption(option('out', 'FILE', 'write the predictions as CSV to FILE (default: stdout, with the summary on stderr)', nonEmpty('a file name')))
    .addOption(option('label', 'COLUMN', 'the column of true classes, for accuracy and the confusion matrix (default: the one column that is not a model feature)',
      nonEmpty('a column name')))
    .addOption(option('encrypted', null, 'also score the rows under encryption (encrypt, score at depth 1, decrypt) and compare with the plain model', null))
    .addOption(option('backend', 'seal|sim', 'with --encrypted: where the encrypted scoring runs', choice('seal', 'sim'), 'seal'))
    .addOption(option('json', null, 'print one JSON object on stdout (predictions, accuracy, confusion matrix) instead of CSV and the summary', null))
    .addOption(option('quiet', null, 'no summary on stderr when the predictions go to stdout', null))
    .addHelpText('after', `
Examples:
  hekit predict --model model.json --data new.csv --out predictions.csv
  hekit predict --model model.json --data held-out.csv --json     accuracy and confusion matrix when the label column is there
  hekit predict --model model.json --data held-out.csv --encrypted --backend sim --out predictions.csv

The predictions CSV has one row per input row: line (its line in --data), class, then p(CLASS) per class.

Exit codes: 0 done, 1 failure, 2 bad usage or bad input (missing or corrupted files, columns that do not match the model).`);
}

/** Options `cmd` parsed, checked together. */
export function predictArgsOf(cmd: Command): PredictArgs {
  const v = cmd.opts<{ model: string; data: string; out?: string; label?: string; encrypted?: boolean; backend: 'seal' | 'sim'; json?: boolean; quiet?: boolean }>();
  const passed = given(cmd);
  refuse(passed, 'backend', v.encrypted === true, '--encrypted', 'no --encrypted');
  if (v.out !== undefined && (v.out === v.data || v.out === v.model)) throw new UsageError(`--out ${v.out} would overwrite --${v.out === v.data ? 'data' : 'model'} ${v.out}`);
  return {
    model: v.model, data: v.data, out: v.out ?? null, label: v.label ?? null, json: v.json === true, encrypted: v.encrypted === true, backend: v.backend, quiet: v.quiet === true,
  };
}

/** One row's prediction. */
export interface RowPrediction {
  /** The row's line in the data file (the header is line 1). */
  readonly line: number;
  readonly class: string;
  /** In `classes` order. */
  readonly probabilities: readonly number[];
}

/** What `hekit predict --json` prints. */
export interface PredictReport {
  readonly model: string;
  readonly data: string;
  /** The model's classes, the order of every probability vector and of the confusion matrix. */
  readonly classes: readonly string[];
  readonly rows: number;
  /** The predictions file written (--out), or null. */
  readonly out: string | null;
  /** The label column scored against, or null when the data has none. */
  readonly label: string | null;
  /** Fraction of rows whose predicted class is their label (null without a label column). */
  readonly accuracy: number | null;
  /** counts[t][p]: rows of true class t predicted as p (null without a label column). */
  readonly confusion: readonly (readonly number[])[] | null;
  /** With --encrypted: the encrypted predictions' agreement with the plain model. */
  readonly encrypted: {
    readonly backend: string;
    readonly ringDegree: number;
    /** Rows whose encrypted class is the plain model's. */
    readonly agree: number;
    /** Lines of the rows that disagree. */
    readonly disagreeing: readonly number[];
    /** max |encrypted score - plain score| over rows and binary models. */
    readonly maxScoreDiff: number;
    readonly seconds: number;
  } | null;
  /** The predictions: the encrypted ones with --encrypted. */
  readonly predictions: readonly RowPrediction[];
}

/** Depth-1 parameters for encrypted scoring: 128-bit secure at N = 8192, a 60-bit first prime leaving 20 bits above the scale for the scores. */
export const INFERENCE_PARAMS: CkksParamsLiteral = { ringDegree: 8192, bitSizes: [60, 40, 60], scale: 2 ** 40 };

/** Reads and checks the model file: InputError for a missing, corrupted or unreadable one. */
export function readModel(file: string): logreg.Model {
  if (!existsSync(file) || !statSync(file).isFile()) throw new InputError(`--model: no file ${file}`);
  try {
    return logreg.Model.fromJSON(readFileSync(file, 'utf8'));
  } catch (e) {
    if (!isHeError(e, 'MODEL_INVALID')) throw e;
    const message = e.message.replace(/^model file: /, '');
    throw new InputError(e.details.field === '(file)' ? `${file}: not a hekit model file: it ${message.replace(/^\(file\) /, '')}` : `${file}: not a model this hekit reads: ${message}`);
  }
}

/**
 * The label column: `--label`, else the column the model was trained on when the data has it,
 * else the one column that is not a model feature and holds only the model's classes.
 */
function labelOf(csv: CsvFile, model: logreg.Model, label: string | null, notice: (text: string) => void): { column: string; labels: string[] } | null {
  const classes = new Set(model.classes);
  const at = (column: string) => csv.header.indexOf(column);
  if (label !== null) {
    requireColumn(csv, label, '--label');
    const j = at(label);
    for (const { line, cells } of csv.records) {
      if (!classes.has(cells[j]!)) {
        throw new InputError(`${csv.file}:${line}: column "${label}": "${cells[j]}" is not one of the model's classes (${model.classes.join(', ')})`);
      }
    }
    return { column: label, labels: csv.records.map((r) => r.cells[j]!) };
  }
  const trainedOn = model.training?.label ?? null;
  if (trainedOn !== null && csv.header.includes(trainedOn)) return labelOf(csv, model, trainedOn, notice);
  const extra = csv.header.filter((c) => !model.featureNames.includes(c));
  const fits = extra.filter((c) => csv.records.every((r) => classes.has(r.cells[at(c)]!)));
  if (fits.length === 1) return { column: fits[0]!, labels: csv.records.map((r) => r.cells[at(fits[0]!)]!) };
  if (fits.length > 1) notice(`${csv.file}: columns ${fits.join(', ')} all hold the model's classes; --label COLUMN picks the one to score against`);
  return null;
}

/** The data's feature rows in the model's column order: InputError naming missing columns or a bad cell. */
export function featureRows(csv: CsvFile, model: logreg.Model, modelFile: string): Float64Array[] {
  requireColumns(csv, model.featureNames, `the model ${modelFile} takes as features`);
  return numericColumns(csv, model.featureNames);
}

/**
 * Classifies the rows of `args.data` with `args.model` (and under encryption with --encrypted),
 * then writes the predictions (--out). `notice` hears about ambiguous label columns. Throws
 * InputError (exit 2, nothing written) for bad files.
 */
export async function runPrediction(args: PredictArgs, notice: (text: string) => void = () => {}): Promise<PredictReport> {
  checkOutput('out', args.out);
  const model = readModel(args.model);
  const csv = readCsv(args.data, '--data');
  const rows = featureRows(csv, model, args.model);
  const label = labelOf(csv, model, args.label, notice);
  const lines = csv.records.map((r) => r.line);
  const plainScores = model.decisionFunction(rows);
  const plainClasses = plainScores.map((s) => model.classes[logreg.classOfScores(s)]!);
  let predictions: RowPrediction[] = plainScores.map((s, i) => ({ line: lines[i]!, class: plainClasses[i]!, probabilities: logreg.probabilitiesOfScores(s) }));
  let encrypted: PredictReport['encrypted'] = null;
  if (args.encrypted) {
    const t0 = performance.now();
    const params = createParams(INFERENCE_PARAMS);
    const rotations = logreg.scoreRotations(logreg.inferenceUnit(model, params.slots));
    const backend: Backend = args.backend === 'sim'
      ? createSimBackend(params, { rotations, noise: 'inject', seed: 1 })
      : await createSealBackend(params, { rotations });
    let result: logreg.EncryptedPrediction;
    try {
      result = logreg.predictEncrypted(backend, model, rows);
    } catch (e) {
      if (isHeError(e, 'VALUES_TOO_LARGE')) {
        throw new InputError(`${args.data}: values far outside the training range do not fit the encrypted scoring's scale (${e.message})`);
      }
      throw e;
    } finally {
      backend.dispose();
    }
    const disagreeing = lines.filter((_, i) => result.classes[i] !== plainClasses[i]);
    encrypted = {
      backend: args.backend, ringDegree: params.ringDegree, agree: rows.length - disagreeing.length, disagreeing,
      maxScoreDiff: Math.max(...result.scores.flatMap((s, i) => s.map((v, k) => Math.abs(v - plainScores[i]![k]!)))),
      seconds: (performance.now() - t0) / 1000,
    };
    predictions = result.scores.map((_, i) => ({ line: lines[i]!, class: result.classes[i]!, probabilities: result.probabilities[i]! }));
  }
  let accuracy: number | null = null, confusion: number[][] | null = null;
  if (label !== null) {
    const index = new Map(model.classes.map((c, k) => [c, k]));
    confusion = model.classes.map(() => model.classes.map(() => 0));
    predictions.forEach((p, i) => confusion![index.get(label.labels[i]!)!]![index.get(p.class)!]! += 1);
    accuracy = predictions.filter((p, i) => p.class === label.labels[i]).length / predictions.length;
  }
  if (args.out !== null) writeAtomic(args.out, predictionsCsv(model.classes, predictions));
  return {
    model: args.model, data: args.data, classes: model.classes, rows: rows.length, out: args.out, label: label?.column ?? null,
    accuracy, confusion, encrypted, predictions,
  };
}

/** The predictions as CSV: line, class, then p(CLASS) per class. */
export function predictionsCsv(classes: readonly string[], predictions: readonly RowPrediction[]): string {
  return stringify([['line', 'class', ...classes.map((c) => `p(${c})`)], ...predictions.map((p) => [p.line, p.class, ...p.probabilities])]);
}

const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;

/** The human summary: rows, where the predictions went, accuracy and confusion matrix, encrypted agreement. */
export function predictionSummary(r: PredictReport): string {
  const lines = [
    `hekit predict: ${r.rows} row${r.rows === 1 ? '' : 's'} of ${r.data} with ${r.model} (${r.classes.length} classes: ${r.classes.join(', ')})`,
    `  predictions  ${r.out === null ? 'on stdout (CSV)' : `written to ${r.out}`}${r.encrypted === null ? '' : ', from the encrypted scores'}`,
  ];
  if (r.accuracy !== null && r.confusion !== null) {
    const correct = r.confusion.reduce((s, row, t) => s + row[t]!, 0);
    lines.push(`  accuracy     ${pct(r.accuracy)} (${correct} of ${r.rows} rows match column "${r.label}")`);
    const width = Math.max(6, ...r.classes.map((c) => c.length), ...r.confusion.flat().map((n) => String(n).length));
    const cell = (s: string) => s.padStart(width);
    lines.push('  confusion    rows: true class, columns: predicted');
    lines.push(`    ${cell('')}  ${r.classes.map(cell).join('  ')}`);
    r.confusion.forEach((row, t) => lines.push(`    ${cell(r.classes[t]!)}  ${row.map((n) => cell(String(n))).join('  ')}`));
  } else {
    lines.push('  accuracy     no label column (--label COLUMN names one)');
  }
  if (r.encrypted !== null) {
    const e = r.encrypted;
    lines.push(`  encrypted    ${e.backend}, N = ${e.ringDegree}, depth 1: ${e.agree} of ${r.rows} classes agree with the plain model` +
      `${e.disagreeing.length === 0 ? '' : ` (lines ${e.disagreeing.slice(0, 10).join(', ')}${e.disagreeing.length > 10 ? ', ...' : ''} differ)`}; ` +
      `max |score difference| ${e.maxScoreDiff.toExponential(2)}; ${e.seconds.toFixed(1)} s`);
  }
  return lines.join('\n');
}
