import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSealBackend } from '../../backends/seal/index.js';
import { createSimBackend, type SimBackend } from '../../backends/sim/index.js';
import type { Backend } from '../../core/index.js';
import { seededValues } from '../../property-tests/program.js';
import { thrown } from '../../property-tests/thrown.js';
import { bsgsDepth, evaluatePolynomial, evaluatePolynomialBsgs, evaluatePower } from './index.js';

const seed = Number(process.env.HEKIT_SEED ?? 20261125);
// Insecure on purpose (N = 4096 with 8 levels): the test is about the circuit, not security.
const literal = { ringDegree: 4096, bitSizes: [50, 40, 40, 40, 40, 40, 40, 40, 40, 60], scale: 2 ** 40, allowInsecure: true };

describe('bsgsDepth', () => {
  it('is ceil(log2(d + 1)) with leaves of 2, one more with larger leaves, and caps the leaf at what the degree needs', () => {
    expect([1, 2, 3, 4, 7, 8, 15, 31, 63].map((d) => bsgsDepth(d))).toEqual([1, 2, 2, 3, 3, 4, 4, 5, 6]);
    expect([7, 15, 31, 63].map((d) => bsgsDepth(d, 8))).toEqual([4, 5, 6, 7]);
    expect(bsgsDepth(3, 64)).toBe(2);
  });
});

describe.each([
  ['sim', async () => createSimBackend(literal), 60],
  ['seal', () => createSealBackend(literal, { verify: true }), 4],
] as const)('evaluatePolynomialBsgs on %s', (_name, create, numRuns) => {
  let ev: Backend;
  const sim = createSimBackend(literal);
  beforeAll(async () => { ev = await create(); });
  afterAll(() => { ev.dispose(); sim.dispose(); });

  it('matches float64 Horner within the predicted bound, in bsgsDepth levels, exactly at the target scale', () => {
    fc.assert(fc.property(
      fc.array(fc.integer({ min: -2000, max: 2000 }).map((v) => v / 1000), { minLength: 2, maxLength: 64 }).filter((a) => a.slice(1).some((c) => c !== 0)),
      fc.constantFrom(2, 4, 8),
      fc.integer({ min: 1, max: 1000 }),
      (coefficients, babySteps, inputSeed) => {
        const x = seededValues(inputSeed, ev.params.slots).map((v) => v / 2);
        const degree = coefficients.length - 1 - [...coefficients].reverse().findIndex((c) => c !== 0);
        const run = (b: Backend) => b.scope(() => evaluatePolynomialBsgs(b, b.encrypt(x), coefficients, { babySteps }));
        const out = run(ev);
        const predicted = run(sim) as Parameters<SimBackend['noise']>[0];
        try {
          expect(out.level).toBe(ev.params.maxLevel - bsgsDepth(degree, babySteps));
          expect(out.scale).toBe(ev.params.scale);
          expect(ev.meta(out)).toEqual(sim.meta(predicted));
          const values = ev.decrypt(out);
          const { bound } = sim.noise(predicted);
          for (let k = 0; k < ev.params.slots; k += 5) {
            expect(Math.abs((values[k] as number) - evaluatePower(coefficients, x[k] as number))).toBeLessThanOrEqual((bound[k] as number) + 1e-12);
          }
        } finally {
          out.dispose();
          predicted.dispose();
        }
        expect(ev.memory().ciphertexts).toBe(0);
      }), { seed, numRuns });
  });

  it('uses far fewer ciphertext products than the power chains for degree 31', () => {
    const c = Array.from({ length: 32 }, (_, i) => 1 / (i + 1));
    const count = (f: (x: ReturnType<Backend['encrypt']>) => unknown) => {
      ev.resetStats();
      ev.scope(() => f(ev.encrypt([0.5])));
      const { ops } = ev.stats();
      return ops.mul + ops.square;
    };
    expect(count((x) => evaluatePolynomialBsgs(ev, x, c))).toBe(19);
    expect(count((x) => evaluatePolynomialBsgs(ev, x, c, { babySteps: 8 }))).toBe(11);
    expect(count((x) => evaluatePolynomial(ev, x, c))).toBe(79);
  });

  it('refuses bad leaf sizes and too few levels', () => {
    const x = ev.encrypt([0.5], { level: 2 });
    expect(thrown(() => evaluatePolynomialBsgs(ev, x, [1, 2, 3], { babySteps: 3 })).code).toBe('INVALID_ARGUMENT');
    expect(thrown(() => evaluatePolynomialBsgs(ev, x, [0, 0, 0, 0, 0, 0, 0, 0, 1])).code).toBe('LEVEL_EXHAUSTED');
    ev.free(x);
  });
});
