import { describe, expect, it } from 'vitest';
import { innerProductPlain } from '../../algorithms/index.js';
import type { Evaluator } from '../../core/index.js';
import { thrown } from '../../property-tests/thrown.js';
import { seededValues } from '../../property-tests/program.js';
import { createSealBackend } from '../seal/index.js';
import { dryRun, planParams, type Circuit } from './index.js';

const xs = Array.from(seededValues(11, 256), (v) => 8 * v); // in [-8, 8]

/** The cubic least-squares sigmoid fit on [-8, 8]: 0.5 + 0.15012·x - 0.0015930·x³, depth 2. */
const sigmoid3: Circuit = <C>(ev: Evaluator<C>) => {
  const x = ev.encrypt(xs);
  const x2 = ev.rescale(ev.relinearize(ev.square(x)));
  const ax = ev.rescale(ev.mulPlain(x, -0.0015930)); // a·x at level L-1, alongside x²
  const ax3 = ev.rescale(ev.relinearize(ev.mul(x2, ax)));
  // b·x brought to a·x³'s level and exact scale by a second product with 1 at x²'s scale.
  const bx = ev.rescale(ev.mulPlain(ev.rescale(ev.mulPlain(x, 0.15012)), 1, ev.meta(x2).scale));
  return ev.addPlain(ev.add(ax3, bx), 0.5);
};
const sigmoid3Reference = xs.map((x) => 0.5 + 0.15012 * x - 0.0015930 * x ** 3);

/** x1·x2·x3·x4 as a balanced tree: depth 2. */
const productTree: Circuit = <C>(ev: Evaluator<C>) => {
  const [a, b, c, d] = [1, 2, 3, 4].map((s) => ev.encrypt(seededValues(s, 64)));
  const ab = ev.rescale(ev.relinearize(ev.mul(a!, b!)));
  const cd = ev.rescale(ev.relinearize(ev.mul(c!, d!)));
  return ev.rescale(ev.relinearize(ev.mul(ab, cd)));
};
const productReference = Array.from({ length: 64 }, (_, k) => [1, 2, 3, 4].reduce((p, s) => p * (seededValues(s, 64)[k] as number), 1));

/** An inner product of 64 values by rotations and sums: depth 1, rotations 1..32. */
const dot: Circuit = <C>(ev: Evaluator<C>) => innerProductPlain(ev, ev.encrypt(seededValues(5, 64)), seededValues(6, 64), 64);
const dotReference = [Array.from(seededValues(5, 64)).reduce((s, v, i) => s + v * (seededValues(6, 64)[i] as number), 0)];

describe('planParams from a dry run', () => {
  it('measures depth, value magnitude, slots and rotations without keys', () => {
    expect(dryRun(sigmoid3)).toMatchObject({ depth: 2, slots: 256, rotations: [] });
    expect(dryRun(sigmoid3).maxValueBits).toBeCloseTo(Math.log2(Math.max(...xs.map((x) => x * x))), 1);
    expect(dryRun(dot)).toMatchObject({ depth: 1, slots: 64, rotations: [1, 2, 4, 8, 16, 32] });
  });

  it.each([
    ['a cubic polynomial', sigmoid3, sigmoid3Reference, 20],
    ['a product tree', productTree, productReference, 24],
    ['rotations with sums', dot, dotReference, 22],
  ] as const)('%s: the plan runs on SEAL and meets the requested precision', async (_name, circuit, reference, precisionBits) => {
    const plan = planParams(circuit, { precisionBits });
    expect(plan.predictedPrecisionBits).toBeGreaterThanOrEqual(precisionBits);
    expect(plan.modulusBits).toBeLessThanOrEqual(plan.allowedBits);
    expect(plan.params.security).toBe(128);
    // First prime 10 bits below the special prime: no key-switching bias.
    expect(plan.literal.bitSizes.at(-1)! - plan.literal.bitSizes[0]!).toBeGreaterThanOrEqual(10);
    const seal = await createSealBackend(plan.params, { rotations: plan.rotations, verify: true });
    try {
      const out = seal.scope(() => seal.decrypt(circuit(seal) as never));
      const worst = reference.reduce((m, r, k) => Math.max(m, Math.abs((out[k] as number) - r)), 0);
      expect(-Math.log2(worst)).toBeGreaterThanOrEqual(precisionBits);
    } finally {
      seal.dispose();
    }
  });

  it('explains its choice, and says what would fit when nothing does', () => {
    const plan = planParams(sigmoid3, { precisionBits: 20 });
    expect(plan.explanation.join('\n')).toMatch(/depth 2.*\n.*first prime/);
    // A product chain 30 deep: each step multiplies by a fresh input encrypted at its level.
    const deep: Circuit = <C>(ev: Evaluator<C>) => {
      let x = ev.encrypt([0.5]);
      for (let i = 0; i < 30; i++) x = ev.rescale(ev.relinearize(ev.mul(x, ev.encrypt([0.99], { level: ev.meta(x).level }))));
      return x;
    };
    const e = thrown(() => planParams(deep, { precisionBits: 30 }));
    expect(e.code).toBe('PLAN_INFEASIBLE');
    expect(e.details).toMatchObject({ depth: 30, allowedBits: 881 });
    expect(thrown(() => planParams(sigmoid3, { precisionBits: 80 })).code).toBe('INVALID_ARGUMENT');
    expect(thrown(() => planParams(dot, { precisionBits: 20, maxValueBits: 50 })).code).toBe('PLAN_INFEASIBLE');
  });

  it('plans from a hand-written report by a rule of thumb, and says so', () => {
    const plan = planParams({ depth: 3, maxValueBits: 2, slots: 1024, rotations: [1] }, { precisionBits: 20, security: 192 });
    expect(plan.predictedPrecisionBits).toBeNull();
    expect(plan.params.security).toBe(192);
    expect(plan.params.maxLevel).toBe(3);
    expect(plan.explanation.join('\n')).toContain('not checked');
  });
});
