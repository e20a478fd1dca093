/**
 * Benchmarks run compiled (`npm run bench` builds them into .bench/, so they measure the code
 * users import, not tsx's transform) or from sources; results go to benchmarks/results/ either way.
 */
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
/** benchmarks/ in the source tree. */
export const BENCHMARKS_DIR = here.replace(`${sep}.bench${sep}`, sep);
/** The project root. */
export const ROOT = join(BENCHMARKS_DIR, '..');
/** benchmarks/results/ (or its quick/ folder), with a trailing separator. */
export const resultsDir = (quick: boolean): string => join(BENCHMARKS_DIR, quick ? 'results/quick/' : 'results/');
/** Node's arguments to run the benchmark script `name` (without extension) as this one runs. */
export const scriptArgs = (name: string): string[] => (import.meta.url.endsWith('.js')
  ? [fileURLToPath(new URL(`./${name}.js`, import.meta.url))]
  : ['--import', 'tsx', fileURLToPath(new URL(`./${name}.ts`, import.meta.url))]);
