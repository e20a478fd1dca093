/**
 * Encrypted linear algebra benchmark: `npm run bench:linalg [-- --quick]`. Row-vector x
 * matrix (depth 1) and matrix x column-vector (depth 2) for a 128 x 196 matrix (an MNIST
 * minibatch of 14x14 images) on both backends, with the op counts of one call. Writes
 * benchmarks/results/linalg.{json,md}.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { linalg } from '../algorithms/index.js';
import { createSealBackend } from '../backends/seal/index.js';
import { createSimBackend } from '../backends/sim/index.js';
import type { Backend, CircuitStats } from '../core/index.js';
import { fmtMs, runSuite, type CaseResult } from './harness.js';

const quick = process.argv.includes('--quick');
const ringDegrees = quick ? [16384] : [16384, 32768];
const [rows, cols] = [128, 196];
const out = fileURLToPath(new URL(quick ? './results/quick/' : './results/', import.meta.url));
mkdirSync(out, { recursive: true });

const data = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => Math.sin(i * 7 + j) / 4));
const results: Array<CaseResult & { stats: CircuitStats }> = [];

for (const N of ringDegrees) {
  const literal = { ringDegree: N, bitSizes: [60, 40, 40, 40, 60], scale: 2 ** 40 };
  const unit = linalg.encodingUnit(rows, N / 2);
  const rotations = [...linalg.sumRowsRotations(unit), ...linalg.sumColsRotations(unit)];
  const backends: Backend[] = [createSimBackend(literal, { rotations }), await createSealBackend(literal, { rotations })];
  for (const ev of backends) {
    const A = linalg.encryptMatrix(ev, unit, data);
    const v = linalg.encryptRowVector(ev, unit, data.map((r) => r[0] as number));
    const w = linalg.encryptColVector(ev, unit, data[0] as number[]);
    const ops = {
      'row x matrix': () => linalg.freeAll(ev, linalg.rowTimesMatrix(ev, v, A)),
      'matrix x col': () => linalg.freeAll(ev, linalg.matrixTimesCol(ev, A, w)),
    };
    // Op counts of one call, from the checked layer's statistics.
    const stats = Object.fromEntries(Object.entries(ops).map(([name, fn]) => {
      ev.resetStats();
      fn();
      return [name, ev.stats()];
    }));
    const suite = await runSuite(`linalg-n${N}-${ev.name}`, Object.entries(ops).map(([name, fn]) => ({ name, fn, tags: { N, backend: ev.name } })), {
      minSamples: quick ? 2 : 5, maxTime: quick ? 0.5 : 3, folder: out,
    });
    for (const r of suite) results.push({ ...r, stats: stats[r.name] as CircuitStats });
    [A, v, w].forEach((x) => linalg.freeAll(ev, x));
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
