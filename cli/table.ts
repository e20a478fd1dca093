/**
 * CSV files for `hekit train --data` and `hekit predict`: read with csv-parse, checked once, and
 * every problem reported as one `InputError` naming the file, the line and the column
 * ("data.csv:7: column "petal_width": "n/a" is not a number"). Line numbers are the file's
 * (the header is line 1); a record spanning lines is named by its last line.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { CsvError, parse } from 'csv-parse/sync';
import { UsageError } from './options.js';

/** A bad input file (missing, empty, malformed, or not fit for the model): exit code 2, nothing written. */
export class InputError extends UsageError {}

/** A CSV file as read: the header and the records, each with the line it ends on. */
export interface CsvFile {
  readonly file: string;
  readonly header: readonly string[];
  readonly records: readonly { readonly line: number; readonly cells: readonly string[] }[];
}

/** A decimal number as a CSV cell holds it (no hex, no Infinity, no NaN). */
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
export const isNumberCell = (cell: string): boolean => NUMBER.test(cell);

const preview = (cells: readonly string[]): string => `${cells.slice(0, 4).join(', ')}${cells.length > 4 ? ', ...' : ''}`;
const names = (columns: readonly string[], max = 12): string =>
  `${columns.slice(0, max).join(', ')}${columns.length > max ? ` (and ${columns.length - max} more)` : ''}`;

/**
 * Reads `file` (named `option` in the message when it does not exist): a header row naming
 * each column once, then one record per row, every record as wide as the header. Empty lines
 * are skipped, cells trimmed, a UTF-8 BOM dropped. Throws InputError.
 */
export function readCsv(file: string, option: string): CsvFile {
  if (!existsSync(file) || !statSync(file).isFile()) throw new InputError(`${option}: no file ${file}`);
  const text = readFileSync(file, 'utf8');
  if (text.trim() === '') throw new InputError(`${file}: the file is empty; a CSV file starts with a header row naming the columns, then one row per sample`);
  let parsed: { record: string[]; info: { lines: number } }[];
  try {
    parsed = parse(text, { bom: true, skip_empty_lines: true, trim: true, info: true }) as unknown as typeof parsed;
  } catch (e) {
    if (!(e instanceof CsvError)) throw e;
    const line = (e as CsvError & { lines?: number }).lines;
    const record = (e as CsvError & { record?: string[] }).record;
    const where = line === undefined ? file : `${file}:${line}`;
    if (e.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH' && record !== undefined) {
      throw new InputError(`${where}: ${record.length} field${record.length === 1 ? '' : 's'}; the header has ${headerWidth(text)}`);
    }
    throw new InputError(`${where}: not valid CSV: ${e.message}`);
  }
  const [head, ...rest] = parsed;
  if (head === undefined) throw new InputError(`${file}: the file is empty; a CSV file starts with a header row naming the columns, then one row per sample`);
  const header = head.record;
  if (header.every(isNumberCell)) {
    throw new InputError(`${file}:${head.info.lines}: no header: the first row holds only numbers (${preview(header)}); it must name the columns`);
  }
  header.forEach((name, j) => {
    if (name === '') throw new InputError(`${file}:${head.info.lines}: column ${j + 1} of the header has no name`);
    if (header.indexOf(name) !== j) throw new InputError(`${file}:${head.info.lines}: column "${name}" appears twice in the header`);
  });
  if (rest.length === 0) throw new InputError(`${file}: a header and no rows; one row per sample should follow it`);
  return { file, header, records: rest.map((r) => ({ line: r.info.lines, cells: r.record })) };
}

/** Fields of the first record (the header), for the message about a ragged record. */
function headerWidth(text: string): number {
  const [first] = parse(text, { bom: true, skip_empty_lines: true, trim: true, to_line: 1 }) as string[][];
  return first?.length ?? 0;
}

/** Columns `wanted` of `csv` as numbers, one Float64Array per record, in `wanted` order. Throws InputError naming the line and column of a bad cell. */
export function numericColumns(csv: CsvFile, wanted: readonly string[]): Float64Array[] {
  const at = wanted.map((name) => csv.header.indexOf(name));
  return csv.records.map(({ line, cells }) => Float64Array.from(at, (j, k) => {
    const cell = cells[j]!;
    if (!isNumberCell(cell)) {
      throw new InputError(`${csv.file}:${line}: column "${wanted[k]}": ${cell === '' ? 'an empty cell' : `"${cell}" is not a number`}; every feature cell must be a number`);
    }
    return Number(cell);
  }));
}

/** Column `name` of `csv` as labels; throws InputError for an empty cell. */
export function labelColumn(csv: CsvFile, name: string): string[] {
  const j = csv.header.indexOf(name);
  return csv.records.map(({ line, cells }) => {
    if (cells[j] === '') throw new InputError(`${csv.file}:${line}: column "${name}" (the label) is empty; every row needs a label`);
    return cells[j]!;
  });
}

/** Throws InputError when `csv` has no column `name`, listing the columns it has. */
export function requireColumn(csv: CsvFile, name: string, option: string): void {
  if (!csv.header.includes(name)) throw new InputError(`${csv.file}: no column "${name}" (${option}); the columns are: ${names(csv.header)}`);
}

/** The columns `wanted` that `csv` lacks, as InputError (`what` says whose they are). */
export function requireColumns(csv: CsvFile, wanted: readonly string[], what: string): void {
  const missing = wanted.filter((name) => !csv.header.includes(name));
  if (missing.length > 0) {
    throw new InputError(`${csv.file}: no column${missing.length > 1 ? 's' : ''} ${names(missing.map((m) => `"${m}"`), 6)}, which ${what}; the file has: ${names(csv.header)}`);
  }
}
