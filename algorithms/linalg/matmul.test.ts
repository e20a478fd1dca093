import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSealBackend } from '../../backends/seal/index.js';
import { createSimBackend, type SimBackend } from '../../backends/sim/index.js';
import type { Backend } from '../../core/index.js';
import { decryptMatrix, encodingUnit, encryptMatrix, freeAll, matrixProductColMajor, matrixProductRowMajor } from './index.js';

const seed = Number(process.env.HEKIT_SEED ?? 20261125);
const literal = { ringDegree: 8192, bitSizes: [45, 35, 35, 35, 60], scale: 2 ** 35 };
const unit = encodingUnit(16, 4096);
const powersOfTwo = Array.from({ length: 12 }, (_, i) => 2 ** i).flatMap((s) => [s, -s]);
const matrix = (rows: number, cols: number, s: number) =>
  Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => Math.sin(s + 1.7 * i + 0.3 * j)));

describe.each(['sim', 'seal'] as const)('matrixProductRowMajor on %s', (name) => {
  let ev: Backend;
  const sim: SimBackend = createSimBackend(literal, { rotations: powersOfTwo });
  beforeAll(async () => { ev = name === 'sim' ? sim : await createSealBackend(literal, { rotations: powersOfTwo, verify: true }); });
  afterAll(() => { if (ev !== sim) ev.dispose(); sim.dispose(); });

  it.each([
    ['row-major', 5, 20, 30], ['row-major', 18, 3, 7], ['col-major', 5, 20, 6], ['col-major', 3, 300, 18],
  ] as const)('%s c·AB for A %i x %i, B %i columns, in depth 3, within the predicted bound', (form, f, g, h) => check(form, f, g, h));

  it('on random shapes (seed printed on failure)', () => {
    fc.assert(fc.property(
      fc.constantFrom('row-major' as const, 'col-major' as const), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 20 }),
      (form, f, g, h) => check(form, f, g, h),
    ), { seed, numRuns: name === 'sim' ? 12 : 3 });
    // SEAL: 11 s beside one busy core, 15 s inside the full suite on 2 cores; the 60 s default is too close on a shared machine.
  }, 120_000);

  function check(form: 'row-major' | 'col-major', f: number, g: number, h: number): void {
    const a = matrix(f, g, 1), b = matrix(g, h, 2);
    const transpose = (x: number[][]) => Array.from({ length: x[0]!.length }, (_, i) => x.map((row) => row[i] as number));
    const run = (x: Backend) => {
      const [L, R] = form === 'row-major'
        ? [encryptMatrix(x, unit, transpose(a)), encryptMatrix(x, unit, b)]
        : [encryptMatrix(x, unit, a), encryptMatrix(x, unit, transpose(b))];
      const product = form === 'row-major' ? matrixProductRowMajor(x, L, R, 0.5) : matrixProductColMajor(x, L, R, 0.5);
      freeAll(x, L);
      freeAll(x, R);
      return product;
    };
    const got = run(ev), predicted = run(sim);
    expect(got.tiles.flat().every((t) => ev.meta(t).level === ev.params.maxLevel - 3)).toBe(true);
    const bound = Math.max(...predicted.tiles.flat().map((t) => sim.noise(t).maxBound));
    const values = decryptMatrix(ev, got);
    for (let i = 0; i < f; i++) {
      for (let j = 0; j < h; j++) {
        const ref = 0.5 * (a[i] as number[]).reduce((s, x, k) => s + x * ((b[k] as number[])[j] as number), 0);
        expect(Math.abs(((values[i] as number[])[j] as number) - ref)).toBeLessThanOrEqual(bound);
      }
    }
    freeAll(ev, got);
    freeAll(sim, predicted);
    expect(ev.memory().ciphertexts).toBe(0);
  }
});
