/**
 * Fidelity report: `npm run fidelity [-- --runs 60 --seed 7]`. Runs random programs on the
 * simulator and on SEAL for each parameter set, prints the table of predicted against
 * observed error per op kind, and writes it to benchmarks/results/fidelity.{json,md}.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fidelitySets, fidelityTable, measureFidelity, pooled, type FidelityRow } from '../property-tests/fidelity.js';
import { resultsDir } from './paths.js';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
  return value;
}

const runs = option('runs', 60);
const seed = option('seed', 20261125);
const started = performance.now();
const rows: FidelityRow[] = [];
for (const set of fidelitySets) rows.push(...await measureFidelity(set, seed, runs));

const summary = (estimate: 'exact' | 'upper') => {
  const p = pooled(rows.filter((r) => r.estimate === estimate));
  return `${estimate} estimates: RMS of normalised error ${p.ratio.toFixed(3)} over ${p.samples} slot samples, max error / bound ${p.worstOverBound.toFixed(3)}`;
};
const text = [
  '# Simulator fidelity against SEAL',
  '',
  `${runs} random programs per parameter set, seed ${seed}, node-seal 6.0.3, ${((performance.now() - started) / 1000).toFixed(0)} s.`,
  'Ratio = RMS over slots of (SEAL - exact) / predicted std: 1 is a perfect prediction; "upper" rows combine',
  'correlated errors conservatively and should sit at or below 1. Predicted and observed RMS are in decoded units.',
  '',
  fidelityTable(rows),
  '',
  `- ${summary('exact')}`,
  `- ${summary('upper')}`,
  '',
].join('\n');
console.log(text);
const out = resultsDir(false);
mkdirSync(out, { recursive: true });
writeFileSync(`${out}fidelity.md`, text);
writeFileSync(`${out}fidelity.json`, `${JSON.stringify({ runs, seed, rows }, null, 2)}\n`);
