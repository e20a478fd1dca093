import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { isHeError } from './errors.js';
import { createParams } from './params/index.js';
import { RotationKeys, galoisElement, naf, validateRotations } from './rotation.js';
import { thrown } from '../property-tests/thrown.js';

// Pinned so a failure replays exactly.
const SEED = 4_2024_11;

const P8192 = createParams({ ringDegree: 8192, bitSizes: [60, 40, 40, 60], scale: 2 ** 40 });
const RING_DEGREES = [1024, 2048, 4096, 8192, 16384, 32768];


/** 3^e mod m by repeated multiplication: no square-and-multiply, no BigInt. */
function powerOfThree(e: number, m: number): number {
  let r = 1;
  for (let i = 0; i < e; i++) r = (r * 3) % m;
  return r;
}

/**
 * Non-adjacent form by the x ^ 3x identity (a different algorithm from `naf`'s digit loop):
 * with h = |x| >> 1 and t = |x| + h (= 3|x|/2 rounded down), the bits of t & (h ^ t) are
 * the +2^i digits and the bits of h & (h ^ t) the -2^i digits. Lowest first, like SEAL.
 */
function nafByXor(step: number): number[] {
  const x = BigInt(Math.abs(step));
  const h = x >> 1n;
  const t = x + h;
  const plus = t & (h ^ t);
  const minus = h & (h ^ t);
  const terms: number[] = [];
  for (let i = 0n; (plus | minus) >> i !== 0n; i++) {
    if ((plus >> i) & 1n) terms.push(Math.sign(step) * 2 ** Number(i));
    if ((minus >> i) & 1n) terms.push(-Math.sign(step) * 2 ** Number(i));
  }
  return terms;
}

describe('galoisElement', () => {
  it('is 3^r mod 2N for a left rotation by r > 0', () => {
    for (const N of RING_DEGREES) {
      for (const r of [1, 2, 3, 5, 7, 100, N / 4, N / 2 - 1]) {
        expect(galoisElement(N, r), `N=${N} r=${r}`).toBe(powerOfThree(r, 2 * N));
      }
    }
  });

  it('is 3^(n + r) mod 2N for a right rotation (r < 0), with n = N/2 slots', () => {
    for (const N of RING_DEGREES) {
      for (const r of [-1, -2, -3, -100, -(N / 4), -(N / 2 - 1)]) {
        expect(galoisElement(N, r), `N=${N} r=${r}`).toBe(powerOfThree(N / 2 + r, 2 * N));
      }
    }
  });

  it('is 2N - 1 (complex conjugation) for step 0', () => {
    for (const N of RING_DEGREES) expect(galoisElement(N, 0)).toBe(2 * N - 1);
  });

  it('gives SEAL’s small known elements at N = 8192', () => {
    expect(galoisElement(8192, 1)).toBe(3);
    expect(galoisElement(8192, 2)).toBe(9);
    expect(galoisElement(8192, 4)).toBe(81);
    expect(galoisElement(8192, 0)).toBe(16383);
  });

  it('maps r and -r to inverse elements, and r and r - n to the same element', () => {
    fc.assert(
      fc.property(fc.constantFrom(...RING_DEGREES), fc.double({ min: 0, max: 1, noNaN: true }), (N, u) => {
        const n = N / 2;
        const r = 1 + Math.min(n - 2, Math.floor(u * (n - 1)));
        const g = galoisElement(N, r);
        const gInv = galoisElement(N, -r);
        expect(Number((BigInt(g) * BigInt(gInv)) % BigInt(2 * N))).toBe(1);
        expect(galoisElement(N, r - n)).toBe(g);
        // Odd, in (1, 2N), and never the conjugation element.
        expect(g % 2).toBe(1);
        expect(g > 1 && g < 2 * N).toBe(true);
        expect(g).not.toBe(2 * N - 1);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('gives n - 1 distinct elements for the steps 1 .. n - 1, none equal to 1 or to the conjugation', () => {
    const N = 4096;
    const seen = new Set<number>();
    for (let r = 1; r < N / 2; r++) seen.add(galoisElement(N, r));
    expect(seen.size).toBe(N / 2 - 1);
    expect(seen.has(1)).toBe(false);
    expect(seen.has(2 * N - 1)).toBe(false);
  });
});

describe('naf', () => {
  it('matches SEAL’s examples: 3 -> [-1, 4], -4095 -> [1, -4096]', () => {
    expect(naf(3)).toEqual([-1, 4]);
    expect(naf(-3)).toEqual([1, -4]);
    expect(naf(-4095)).toEqual([1, -4096]);
    expect(naf(4093)).toEqual([1, -4, 4096]);
  });

  it('is empty for 0 and a single term for a power of two', () => {
    expect(naf(0)).toEqual([]);
    for (let i = 0; i < 20; i++) {
      expect(naf(2 ** i)).toEqual([2 ** i]);
      expect(naf(-(2 ** i))).toEqual([-(2 ** i)]);
    }
  });

  it('has signed powers of two, lowest first, no two adjacent, summing to the step', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 30), max: 2 ** 30 }), (step) => {
        const terms = naf(step);
        let sum = 0;
        let previous = -2;
        for (const t of terms) {
          const e = Math.log2(Math.abs(t));
          expect(Number.isInteger(e), `term ${t} of ${step}`).toBe(true);
          // Strictly increasing exponents, at least two apart: no adjacent nonzero digits.
          expect(e - previous, `terms ${terms.join(', ')} of ${step}`).toBeGreaterThanOrEqual(2);
          previous = e;
          sum += t;
        }
        expect(sum).toBe(step);
        // The leading digit carries the step's sign.
        if (step !== 0) expect(Math.sign(terms[terms.length - 1] as number)).toBe(Math.sign(step));
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });

  it('equals the NAF computed from x ^ 3x (the NAF is unique)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 30), max: 2 ** 30 }), (step) => {
        expect(naf(step)).toEqual(nafByXor(step));
      }),
      { seed: SEED, numRuns: 1000 },
    );
    for (let step = -4096; step <= 4096; step++) expect(naf(step)).toEqual(nafByXor(step));
  });

  it('has minimal weight: never more nonzero digits than the binary expansion', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 30 }), (step) => {
        const ones = step.toString(2).split('').filter((b) => b === '1').length;
        expect(naf(step).length).toBeLessThanOrEqual(ones);
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });
});

describe('RotationKeys.plan', () => {
  const keys = new RotationKeys(P8192, [4, 1, -4, 1]);

  it('keeps the steps sorted and unique', () => {
    expect(keys.steps).toEqual([-4, 1, 4]);
    expect(Object.isFrozen(keys.steps)).toBe(true);
  });

  it('uses the step itself when its key exists', () => {
    expect(keys.plan(1)).toEqual({ terms: [1] });
    expect(keys.plan(-4)).toEqual({ terms: [-4] });
  });

  it('treats r and r -/+ slots as the same key (same Galois element)', () => {
    expect(keys.has(-4095)).toBe(true); // 3^(4096 - 4095) = 3 = g(1)
    expect(keys.plan(-4095)).toEqual({ terms: [-4095] });
    expect(keys.has(4092)).toBe(true); // g(4092) = g(-4)
    expect(keys.has(-4092)).toBe(true); // g(-4092) = g(4)
    expect(keys.has(-1)).toBe(false);
    expect(keys.has(4095)).toBe(false); // g(4095) = g(-1)
  });

  it('falls back to the NAF terms when every term has a key', () => {
    expect(keys.plan(5)).toEqual({ terms: [1, 4] });
    expect(keys.plan(-3)).toEqual({ terms: [1, -4] });
  });

  it('skips a NAF term of size slots (rotation by n is the identity)', () => {
    // naf(4093) = [1, -4, 4096]; the 4096 term is dropped.
    expect(keys.plan(4093)).toEqual({ terms: [1, -4] });
    // naf(-4093) = [-1, 4, -4096]; -1 has no key.
    expect(keys.plan(-4093)).toEqual({ terms: [-1, 4], missing: -1 });
    // naf(4095) = [-1, 4096] -> [-1]: the same element as 4095, which has no key.
    expect(keys.plan(4095)).toEqual({ terms: [-1], missing: -1 });
  });

  it('reports the first NAF term without a key', () => {
    expect(keys.plan(3)).toEqual({ terms: [-1, 4], missing: -1 });
    expect(keys.plan(9)).toEqual({ terms: [1, 8], missing: 8 });
    expect(keys.plan(2)).toEqual({ terms: [2], missing: 2 });
    expect(keys.plan(-2048)).toEqual({ terms: [-2048], missing: -2048 });
  });

  it('with the power-of-two keys SEAL makes by default, every step plans without a missing key', () => {
    const slots = P8192.slots;
    const powers: number[] = [];
    for (let p = 1; p < slots; p *= 2) powers.push(p, -p);
    const all = new RotationKeys(P8192, powers);
    fc.assert(
      fc.property(fc.integer({ min: -(slots - 1), max: slots - 1 }).filter((s) => s !== 0), (step) => {
        const plan = all.plan(step);
        expect(plan.missing).toBeUndefined();
        // The terms rotate by the step modulo the slot count.
        const total = plan.terms.reduce((a, t) => a + t, 0);
        expect((((total - step) % slots) + slots) % slots).toBe(0);
        for (const t of plan.terms) expect(Math.abs(t)).toBeLessThan(slots);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  it('with no keys, the first NAF term (after the skip) is missing', () => {
    const none = new RotationKeys(P8192, []);
    fc.assert(
      fc.property(fc.integer({ min: -4095, max: 4095 }).filter((s) => s !== 0), (step) => {
        const expected = naf(step).filter((t) => Math.abs(t) !== 4096);
        expect(none.plan(step)).toEqual({ terms: expected, missing: expected[0] });
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
});

describe('validateRotations', () => {
  it('returns the steps sorted, unique and frozen', () => {
    const steps = validateRotations(P8192, [8, -1, 8, 3, -4095, 4095]);
    expect(steps).toEqual([-4095, -1, 3, 8, 4095]);
    expect(Object.isFrozen(steps)).toBe(true);
    expect(validateRotations(P8192, [])).toEqual([]);
  });

  it.each([
    ['zero', [1, 0], [0]],
    ['|step| = slots', [4096, 2], [4096]],
    ['-slots', [-4096], [-4096]],
    ['beyond slots', [5000, -9000], [5000, -9000]],
    ['a fraction', [1.5], [1.5]],
    ['NaN and Infinity', [NaN, Infinity], [NaN, Infinity]],
  ])('refuses %s with INVALID_ARGUMENT listing the bad steps', (_name, steps, bad) => {
    const e = thrown(() => validateRotations(P8192, steps));
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.details).toEqual({ invalid: bad, slots: 4096 });
  });

  it('refuses a non-array', () => {
    const e = thrown(() => validateRotations(P8192, 3 as unknown as number[]));
    expect(isHeError(e, 'INVALID_ARGUMENT')).toBe(true);
  });

  it('runs in the RotationKeys constructor too', () => {
    expect(thrown(() => new RotationKeys(P8192, [0])).code).toBe('INVALID_ARGUMENT');
  });
});
