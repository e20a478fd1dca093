/**
 * Fidelity report: `npm run fidelity [-- --runs 60 --seed 7 --repeats 4 --only random,patterns,rounds]`.
 * - random: random programs on the simulator and on SEAL for each parameter set, predicted against
 *   observed error per op kind;
 * - patterns: the correlated circuits of issue 17 (shared ancestry) on SEAL, observed RMS error
 *   against the tracked RMS std;
 * - rounds: one logistic-regression training round (both circuits, k = 1..3 minibatches of 64,
 *   N = 16384, 2^36), the injected simulator's error against the tracked RMS std, with the wall
 *   time of a tracked and of an injected run; SEAL too where the round fits N = 16384 and b = 64
 *   (`--seal-runs`, default 1).
 * Writes benchmarks/results/fidelity.{json,md}.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { measurePatterns, measureRound, patternSets, patternTable, roundTable, type PatternRow, type RoundRow } from '../property-tests/correlated.js';
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
const repeats = option('repeats', 4);
const onlyAt = process.argv.indexOf('--only');
const parts = new Set(onlyAt >= 0 ? (process.argv[onlyAt + 1] ?? '').split(',') : ['random', 'patterns', 'rounds']);
const started = performance.now();
const text: string[] = ['# Simulator fidelity against SEAL', ''];
const json: Record<string, unknown> = { runs, seed, repeats };

if (parts.has('random')) {
  const rows: FidelityRow[] = [];
  for (const set of fidelitySets) rows.push(...await measureFidelity(set, seed, runs));
  const summary = (estimate: 'exact' | 'upper') => {
    const p = pooled(rows.filter((r) => r.estimate === estimate));
    if (p.samples === 0) return `${estimate} estimates: none`;
    return `${estimate} estimates: RMS of normalised error ${p.ratio.toFixed(3)} over ${p.samples} slot samples, max error / bound ${p.worstOverBound.toFixed(3)}`;
  };
  text.push(
    '## Random programs',
    '',
    `${runs} random programs per parameter set, seed ${seed}, node-seal 6.0.3.`,
    'Ratio = RMS over slots of (SEAL - exact) / predicted std: 1 is a perfect prediction; "upper" rows (a rule',
    'bounded instead of estimating) should sit at or below 1. Predicted and observed RMS are in decoded units.',
    '',
    fidelityTable(rows),
    '',
    `- ${summary('exact')}`,
    `- ${summary('upper')}`,
    '',
  );
  json.random = rows;
}

if (parts.has('patterns')) {
  const rows: PatternRow[] = [];
  for (const set of patternSets) rows.push(...await measurePatterns(set, repeats));
  text.push(
    '## Correlated patterns (shared ancestry)',
    '',
    `Each pattern run ${repeats} times on SEAL, one key set per run (fresh encryptions of the same inputs; the sum over every slot, whose error is one value shared by all slots, 16 fresh encryptions per key set); observed / tracked = RMS of SEAL's error over RMS of the tracked std (target [0.5, 2]).`,
    '',
    patternTable(rows),
    '',
  );
  json.patterns = rows;
}

if (parts.has('rounds')) {
  const rows: RoundRow[] = [];
  const sealRuns = option('seal-runs', 1);
  for (const batchSize of [64, 256]) {
    for (const circuit of ['lowdepth', 'baseline'] as const) {
      for (const minibatches of [1, 2, 3]) {
        // SEAL where a round fits N = 16384 (a round at N = 32768 takes minutes and 2 GiB of keys).
        const seal = batchSize === 64 && (circuit === 'lowdepth' || minibatches === 1) ? sealRuns : 0;
        const row = await measureRound({ circuit, minibatches, batchSize, ringDegree: 16384, scaleBits: 36 }, [1, 2, 3], seal);
        console.error(`${circuit} k=${minibatches} b=${batchSize}: injected / tracked ${row.ratio.toFixed(3)}, SEAL / tracked ${row.sealRatio?.toFixed(3) ?? '-'}`);
        rows.push(row);
      }
    }
  }
  text.push(
    '## Training rounds',
    '',
    'One round from zero weights, MNIST 3 vs 8, 2^36, the smallest of N = 16384, 32768 holding the round; observed = RMS over',
    'the output tiles of (injected - exact), 3 injection seeds, and of (SEAL - exact) where SEAL ran (one key set per run);',
    'tracked = RMS of the tracked std over the same slots (target [0.5, 2]). Times are one run on this machine (wall, shared cores).',
    '',
    roundTable(rows),
    '',
  );
  json.rounds = rows;
}

text.splice(2, 0, `node-seal 6.0.3, ${((performance.now() - started) / 1000).toFixed(0)} s in all.`, '');
console.log(text.join('\n'));
const out = resultsDir(false);
mkdirSync(out, { recursive: true });
const suffix = parts.size === 3 ? '' : `-${[...parts].join('-')}`;
writeFileSync(`${out}fidelity${suffix}.md`, text.join('\n'));
writeFileSync(`${out}fidelity${suffix}.json`, `${JSON.stringify(json, null, 2)}\n`);
