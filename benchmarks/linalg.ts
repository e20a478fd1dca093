/**
 * Encrypted linear algebra benchmark: `npm run bench:linalg [-- --quick]`. Row-vector x
 * matrix (depth 1) and matrix x column-vector (depth 2) for a 128 x 196 matrix (an MNIST
 * minibatch of 14x14 images), and an 8 x 196 by 196 x 64 matrix product in both forms
 * (depth 3), on both backends, with the op counts of one call. Writes
 * benchmarks/results/linalg.{json,md}.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { linalg } from '../algorithms/index.js';
import { createSealBackend } from '../backends/seal/index.js';
import { createSimBackend } from '../backends/sim/index.js';
import type { Backend, CircuitStats } from '../core/index.js';
import { fmtMs, runSuite, type CaseResult } from './harness.js';
import { resultsDir } from './paths.js';

const quick = process.argv.includes('--quick');
const ringDegrees = quick ? [16384] : [16384, 32768];
const [rows, cols] = [128, 196];
const out = resultsDir(quick);
mkdirSync(out, { recursive: true });

const data = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => Math.sin(i * 7 + j) / 4));
const results: Array<CaseResult & { stats: CircuitStats }> = [];

for (const N of ringDegrees) {
  const literal = { ringDegree: N, bitSizes: [60, 40, 40, 40, 60], scale: 2 ** 40 };
  const unit = linalg.encodingUnit(rows, N / 2);
  // Powers of two both ways: every step the products use, directly or through its NAF.
  const rotations = Array.from({ length: Math.log2(N / 2) }, (_, i) => 2 ** i).flatMap((s) => [s, -s]);
  const backends: Backend[] = [createSimBackend(literal, { rotations }), await createSealBackend(literal, { rotations })];
  for (const ev of backends) {
    const A = linalg.encryptMatrix(ev, unit, data);
    const v = linalg.encryptRowVector(ev, unit, data.map((r) => r[0] as number));
    const w = linalg.encryptColVector(ev, unit, data[0] as number[]);
    const left = data.slice(0, 8);
    const right = data.slice(0, 64).map((row) => row.slice());
    const transpose = (x: number[][]) => Array.from({ length: (x[0] as number[]).length }, (_, i) => x.map((row) => row[i] as number));
    const [L, LT] = [linalg.encryptMatrix(ev, unit, left), linalg.encryptMatrix(ev, unit, transpose(left))];
    const [R, RT] = [linalg.encryptMatrix(ev, unit, transpose(right)), linalg.encryptMatrix(ev, unit, right)];
    const ops = {
      'row x matrix': () => linalg.freeAll(ev, linalg.rowTimesMatrix(ev, v, A)),
      'matrix x col': () => linalg.freeAll(ev, linalg.matrixTimesCol(ev, A, w)),
      '8x196 by 196x64, row-major': () => linalg.freeAll(ev, linalg.matrixProductRowMajor(ev, LT, R)),
      '8x196 by 196x64, col-major': () => linalg.freeAll(ev, linalg.matrixProductColMajor(ev, L, RT)),
    };
    // Op counts of one call, from the checked layer's statistics.
    const stats = Object.fromEntries(Object.entries(ops).map(([name, fn]) => {
      ev.resetStats();
      fn();
      return [name, ev.stats()];
    }));
    const suite = await runSuite(`linalg-n${N}-${ev.name}`, Object.entries(ops).map(([name, fn]) => ({ name, fn, tags: { N, backend: ev.name } })), {
      minSamples: quick ? 1 : 3, maxTime: quick ? 0.5 : 3, folder: out,
    });
    for (const r of suite) results.push({ ...r, stats: stats[r.name] as CircuitStats });
    [A, v, w, L, LT, R, RT].forEach((x) => linalg.freeAll(ev, x));
    ev.dispose();
  }
}

const rowsMd = results.map((r) => {
  const s = r.stats;
  return `| ${r.name} | ${r.tags.N} | ${r.tags.backend} | ${fmtMs(r.ms)} | ${s.ops.mul} | ${s.ops.mulPlain} | ${s.ops.rotate} | ${s.keySwitches} | ${s.depth} |`;
});
const text = [
  '# Encrypted linear algebra',
  '',
  `${rows} x ${cols} matrix, unit as tall as the rows, primes [60, 40, 40, 40, 60], scale 2^40${quick ? ' (quick run)' : ''}.`,
  'Counts are for one call: ciphertext and plaintext products, rotations, key switches (relinearizations and rotations), levels consumed.',
  '',
  '| operation | N | backend | ms | ct x ct | ct x pt | rotations | key switches | depth |',
  '|---|---:|---|---:|---:|---:|---:|---:|---:|',
  ...rowsMd,
  '',
].join('\n');
console.log(text);
writeFileSync(`${out}linalg.md`, text);
writeFileSync(`${out}linalg.json`, `${JSON.stringify(results, null, 2)}\n`);
