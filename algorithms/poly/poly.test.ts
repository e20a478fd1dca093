import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSealBackend } from '../../backends/seal/index.js';
import { createSimBackend, type SimBackend } from '../../backends/sim/index.js';
import { scalesAgree, type Backend, type CkksParamsLiteral } from '../../core/index.js';
import { seededValues } from '../../property-tests/program.js';
import { thrown } from '../../property-tests/thrown.js';
import {
  chebyshevToPower, evaluateChebyshev, evaluatePolynomial, evaluatePower, polynomialDepth, powerChain,
  sigmoid, sigmoidCubic16, sigmoidCubic8, sigmoidFit,
} from './index.js';

// Depth 3 (degree <= 7) at N = 8192 within 128-bit security.
const literal: CkksParamsLiteral = { ringDegree: 8192, bitSizes: [50, 40, 40, 40, 48], scale: 2 ** 40 };
const seed = Number(process.env.HEKIT_SEED ?? 20261125);

describe('plain parts', () => {
  it('each term reaches x^k in ceil(log2(k + 1)) levels', () => {
    for (let k = 1; k < 64; k++) {
      const chain = powerChain(k);
      expect(1 + chain.reduce((s, j) => s + 2 ** j, 0)).toBe(k);
      // a·x costs one level; each product with x^(2^j) (depth j) ends one level below both.
      const depth = chain.reduce((d, j) => Math.max(d, j) + 1, 1);
      expect(depth).toBe(polynomialDepth(k));
    }
  });

  it('converts Chebyshev series to the power basis', () => {
    const c = [0.3, -1.2, 0.7, 0.05, -0.4];
    const p = chebyshevToPower(c, [-3, 5]);
    for (const x of [-3, -1.7, 0, 2.2, 5]) {
      const y = (2 * x - 2) / 8;
      const direct = c.reduce((s, ck, k) => s + ck * Math.cos(k * Math.acos(y)), 0);
      expect(evaluatePower(p, x)).toBeCloseTo(direct, 12);
    }
  });

  // Max errors against 1/(1 + e^-x), each checked here on an independent grid.
  it.each([
    [sigmoidCubic8, 0.1143],
    [sigmoidCubic16, 0.2174],
    [sigmoidFit(3, [-8, 8], 'least-squares'), 0.1140],
    [sigmoidFit(5, [-8, 8], 'least-squares'), 0.0611],
    [sigmoidFit(7, [-8, 8], 'least-squares'), 0.0319],
    [sigmoidFit(5, [-8, 8], 'chebyshev'), 0.0619],
    [sigmoidFit(7, [-8, 8], 'chebyshev'), 0.0296],
  ])('$name: documented max error', (approx, documented) => {
    let worst = 0;
    for (let i = 0; i <= 3000; i++) {
      const x = approx.interval[0] + ((approx.interval[1] - approx.interval[0]) * i) / 3000;
      worst = Math.max(worst, Math.abs(evaluatePower(approx.coefficients, x) - sigmoid(x)));
    }
    expect(worst).toBeCloseTo(documented, 4);
    expect(approx.maxError).toBeCloseTo(documented, 4);
  });

  it('the least-squares cubic on [-8, 8] reproduces the published constants', () => {
    const fit = sigmoidFit(3, [-8, 8], 'least-squares').coefficients;
    expect(fit[0]).toBeCloseTo(0.5, 10);
    // A dense uniform grid: the published constants agree to their printed precision.
    expect(fit[1]).toBeCloseTo(0.15012, 4);
    expect(fit[3]).toBeCloseTo(-0.001593, 5);
  });
});

describe.each([
  ['sim', async () => createSimBackend(literal), 200],
  ['seal', () => createSealBackend(literal, { verify: true }), 8],
] as const)('evaluatePolynomial on %s', (_name, create, numRuns) => {
  let ev: Backend;
  const sim = createSimBackend(literal);
  beforeAll(async () => { ev = await create(); });
  afterAll(() => { ev.dispose(); sim.dispose(); });

  it('matches float64 Horner within the predicted bound, in exactly ceil(log2(d + 1)) levels, at the target scale', () => {
    fc.assert(fc.property(
      fc.array(fc.integer({ min: -2000, max: 2000 }).map((v) => v / 1000), { minLength: 2, maxLength: 8 }).filter((a) => a.slice(1).some((c) => c !== 0)),
      fc.integer({ min: 1, max: 1000 }),
      (coefficients, inputSeed) => {
        const x = seededValues(inputSeed, ev.params.slots);
        const degree = coefficients.length - 1 - [...coefficients].reverse().findIndex((c) => c !== 0);
        const run = (b: Backend) => b.scope(() => evaluatePolynomial(b, b.encrypt(x), coefficients));
        const out = run(ev);
        const predicted = run(sim) as Parameters<SimBackend['noise']>[0];
        try {
          expect(out.level).toBe(ev.params.maxLevel - polynomialDepth(degree));
          expect(scalesAgree(out.scale, ev.params.scale)).toBe(true);
          expect(ev.meta(out)).toEqual(sim.meta(predicted));
          const values = ev.decrypt(out);
          const { bound } = sim.noise(predicted);
          for (let k = 0; k < ev.params.slots; k += 7) {
            const reference = evaluatePower(coefficients, x[k] as number);
            expect(Math.abs((values[k] as number) - reference)).toBeLessThanOrEqual((bound[k] as number) + 1e-12);
          }
        } finally {
          out.dispose();
          predicted.dispose();
        }
        expect(ev.memory().ciphertexts).toBe(0);
      }), { seed, numRuns });
    // Up to 18 s inside the full suite on 2 cores: the 60 s default is too close on a shared machine.
  }, 120_000);

  it('evaluates the [-8, 8] sigmoid cubic and a degree-7 Chebyshev fit on inputs in [-8, 8], within the predicted bound', () => {
    const x = seededValues(3, ev.params.slots).map((v) => 8 * v);
    for (const approx of [sigmoidCubic8, sigmoidFit(7, [-8, 8], 'chebyshev')]) {
      const values = ev.scope(() => ev.decrypt(evaluatePolynomial(ev, ev.encrypt(x), approx.coefficients)));
      const bound = sim.scope(() => sim.noise(evaluatePolynomial(sim, sim.encrypt(x), approx.coefficients)).bound);
      for (let k = 0; k < ev.params.slots; k += 11) {
        const p = evaluatePower(approx.coefficients, x[k] as number);
        expect(Math.abs((values[k] as number) - p)).toBeLessThanOrEqual(bound[k] as number);
        expect(Math.abs((values[k] as number) - sigmoid(x[k] as number))).toBeLessThanOrEqual(approx.maxError + (bound[k] as number));
      }
    }
    const cheb = ev.scope(() => ev.decrypt(evaluateChebyshev(ev, ev.encrypt([0.5]), [1, 2, 3], [-1, 1])));
    expect(cheb[0]).toBeCloseTo(1 + 2 * 0.5 + 3 * (2 * 0.25 - 1), 6);
  });

  it('refuses a constant polynomial and a circuit deeper than the input allows', () => {
    const x = ev.encrypt([1]);
    expect(thrown(() => evaluatePolynomial(ev, x, [3])).code).toBe('INVALID_ARGUMENT');
    expect(thrown(() => evaluatePolynomial(ev, x, [0, 0, 0, 0, 0, 0, 0, 0, 1])).code).toBe('LEVEL_EXHAUSTED');
    x.dispose();
  });
});
