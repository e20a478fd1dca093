/**
 * Output files of the `hekit` commands: each written whole or not at all (a temporary file in
 * the same folder, then a rename), and checked before any work so a long run does not end on a
 * folder that is not there.
 */
import { existsSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UsageError } from './options.js';

/** Refuses `--option FILE` when FILE's folder does not exist or FILE is a folder. */
export function checkOutput(option: string, file: string | null): void {
  if (file === null) return;
  const dir = dirname(file);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`--${option} ${file}: no folder ${dir}`);
  if (existsSync(file) && statSync(file).isDirectory()) throw new UsageError(`--${option} ${file}: is a folder; name a file`);
}

/** Writes `text` to `file` atomically: readers see the old file or the whole new one, never a part. */
export function writeAtomic(file: string, text: string): void {
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  try {
    writeFileSync(temp, text);
    renameSync(temp, file);
  } catch (e) {
    rmSync(temp, { force: true });
    throw e;
  }
}
