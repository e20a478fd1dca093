import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { bitsAt, depthAt, scaleEncodable, scaleFits, scalesAgree, type CtMeta } from './meta.js';
import { createParams } from './params/index.js';
import { RotationKeys } from './rotation.js';
import * as rules from './rules.js';
import { thrown } from '../property-tests/thrown.js';

// Pinned so a failure replays exactly.
const SEED = 7_2024_11;

// levelBits [60, 100, 140]; q_1, q_2 are two different 40-bit primes.
const P = createParams({ ringDegree: 8192, bitSizes: [60, 40, 40, 60], scale: 2 ** 40 });
const SINGLE = createParams({ ringDegree: 4096, bitSizes: [50], scale: 2 ** 20 });
const KEYS = new RotationKeys(P, [1, 4, -4]);

const ct = (level: number, scale = 2 ** 40, degree = 1): CtMeta => ({ level, scale, degree });


// Neighbouring doubles, from the bit pattern (positive finite x only).
const bits = new DataView(new ArrayBuffer(8));
const stepUlps = (x: number, ulps: number): number => {
  bits.setFloat64(0, x);
  bits.setBigInt64(0, bits.getBigInt64(0) + BigInt(ulps));
  return bits.getFloat64(0);
};

describe('scalesAgree (SEAL are_close)', () => {
  const D = 2 ** 40;

  it('accepts Δ vs Δ(1 + 2^-52) (1 ulp up) and rejects Δ(1 + 2^-51) (2 ulp up)', () => {
    expect(D * (1 + 2 ** -52)).toBe(stepUlps(D, 1));
    expect(D * (1 + 2 ** -51)).toBe(stepUlps(D, 2));
    expect(scalesAgree(D, D * (1 + 2 ** -52))).toBe(true);
    expect(scalesAgree(D, D * (1 + 2 ** -51))).toBe(false);
  });

  it('below a power of two the ulp halves: 1 ulp down passes, 2 ulp down (Δ(1 - 2^-52)) fails', () => {
    expect(scalesAgree(D, stepUlps(D, -1))).toBe(true);
    expect(stepUlps(D, -2)).toBe(D * (1 - 2 ** -52));
    expect(scalesAgree(D, stepUlps(D, -2))).toBe(false);
  });

  it('is symmetric and reflexive', () => {
    for (const [a, b] of [[D, stepUlps(D, 1)], [D, stepUlps(D, 2)], [3, 3 + 1e-15], [1e-300, 0]] as const) {
      expect(scalesAgree(a, b)).toBe(scalesAgree(b, a));
    }
    expect(scalesAgree(D, D)).toBe(true);
  });

  it('on random scales in [1, 2^200]: 1 ulp agrees, 2 ulp (same binade) does not', () => {
    fc.assert(
      fc.property(fc.double({ min: 1, max: 2 ** 200, noNaN: true }), (a) => {
        const up1 = stepUlps(a, 1), up2 = stepUlps(a, 2);
        expect(scalesAgree(a, up1)).toBe(true);
        expect(scalesAgree(a, stepUlps(a, -1))).toBe(true);
        // Two ulps fail unless they cross into the next binade (where max(a, b) grows).
        if (Math.floor(Math.log2(up2)) === Math.floor(Math.log2(a)) && a < 2 ** 200) {
          expect(scalesAgree(a, up2)).toBe(false);
        }
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  it('compares absolutely below 1 (max(|a|, |b|, 1)): tiny scales all agree', () => {
    expect(scalesAgree(1e-20, 2e-20)).toBe(true);
    expect(scalesAgree(0.5, 0.5 + 2 ** -53)).toBe(true);
    expect(scalesAgree(0.5, 0.5 + 2 ** -51)).toBe(false);
  });

  it('never agrees with NaN', () => {
    expect(scalesAgree(NaN, NaN)).toBe(false);
    expect(scalesAgree(D, NaN)).toBe(false);
  });
});

describe('scaleFits / scaleEncodable (SEAL is_scale_within_bounds, (int)log2 truncates)', () => {
  it('level bits are the bit lengths of the prime products', () => {
    expect([0, 1, 2].map((l) => bitsAt(P, l))).toEqual([60, 100, 140]);
    expect(bitsAt(P, 3)).toBe(0);
    expect(bitsAt(P, -1)).toBe(0);
    expect(depthAt(P, 2)).toBe(0);
    expect(depthAt(P, 0)).toBe(2);
  });

  it('fits iff (int)log2(scale) < B: 2^60 does not fit 60 bits, 2^59.99 does', () => {
    expect(scaleFits(P, 2 ** 60, 0)).toBe(false);
    expect(scaleFits(P, 2 ** 59.99, 0)).toBe(true);
    expect(scaleFits(P, 2 ** 60 * (1 - 2 ** -45), 0)).toBe(true);
    expect(scaleFits(P, 2 ** 99.5, 1)).toBe(true);
    expect(scaleFits(P, 2 ** 100, 1)).toBe(false);
  });

  it('just below 2^B, log2 rounds up to B in double precision and the scale does not fit (as in SEAL)', () => {
    const below = stepUlps(2 ** 60, -1);
    expect(below).toBeLessThan(2 ** 60);
    expect(Math.log2(below)).toBe(60);
    expect(scaleFits(P, below, 0)).toBe(false);
  });

  it('accepts scales below 1 (negative logs truncate toward zero) and refuses 0, negatives, NaN, Infinity', () => {
    expect(scaleFits(P, 0.7, 0)).toBe(true);
    expect(scaleFits(P, 2 ** -30, 0)).toBe(true);
    expect(scaleFits(P, Number.MIN_VALUE, 0)).toBe(true);
    for (const s of [0, -0, -(2 ** 40), NaN, Infinity, -Infinity]) expect(scaleFits(P, s, 2), String(s)).toBe(false);
  });

  it('refuses every scale at a level outside the chain (0 bits)', () => {
    expect(scaleFits(P, 2, 3)).toBe(false);
  });

  it('encoding needs one more bit: 2^139 fits level 2 but cannot be encoded there; 2^138.9 can', () => {
    expect(scaleFits(P, 2 ** 139, 2)).toBe(true);
    expect(scaleEncodable(P, 2 ** 139, 2)).toBe(false);
    expect(scaleEncodable(P, 2 ** 138.9, 2)).toBe(true);
    expect(scaleEncodable(P, 2 ** 59, 0)).toBe(false);
    expect(scaleEncodable(P, 2 ** 58.999, 0)).toBe(true);
    expect(scaleEncodable(P, 0, 2)).toBe(false);
  });

  it('agrees with an integer comparison against the BigInt modulus length for power-of-two scales', () => {
    fc.assert(
      fc.property(fc.integer({ min: -50, max: 200 }), fc.integer({ min: 0, max: 2 }), (e, level) => {
        const modulusBits = P.dataPrimes.slice(0, level + 1).reduce((a, q) => a * q, 1n).toString(2).length;
        expect(scaleFits(P, 2 ** e, level)).toBe(e < modulusBits);
        expect(scaleEncodable(P, 2 ** e, level)).toBe(e + 1 < modulusBits);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});

describe('checkLevel', () => {
  it('accepts 0 .. maxLevel', () => {
    for (const l of [0, 1, 2]) expect(rules.checkLevel(P, l, 'encrypt')).toBe(l);
  });

  it.each([[-1], [3], [1.5], [NaN], ['1'], [undefined]])('refuses %s with INVALID_LEVEL', (level) => {
    const e = thrown(() => rules.checkLevel(P, level, 'encrypt'));
    expect(e.code).toBe('INVALID_LEVEL');
    expect(e.details).toEqual({ op: 'encrypt', level, maxLevel: 2 });
  });
});

describe('checkEncodeScale / checkPlainLevel', () => {
  it('refuses a scale the first level cannot encode, reporting that level', () => {
    const e = thrown(() => rules.checkEncodeScale(P, 2 ** 139, 'encrypt'));
    expect(e.code).toBe('SCALE_OUT_OF_BOUNDS');
    // SEAL encodes at the first level, then switches down: the first level is what is reported.
    expect(e.details).toEqual({ op: 'encrypt', scale: 2 ** 139, level: 2, bits: 140 });
    expect(() => rules.checkEncodeScale(P, 2 ** 138.99, 'encrypt')).not.toThrow();
  });

  it('refuses a scale that encodes but does not fit the lower target level', () => {
    const e = thrown(() => rules.checkPlainLevel(P, 2 ** 60, 0, 'encrypt'));
    expect(e.code).toBe('SCALE_OUT_OF_BOUNDS');
    expect(e.details).toEqual({ op: 'encrypt', scale: 2 ** 60, level: 0, bits: 60 });
    // At the lower level only the fit rule applies: 2^59 cannot be *encoded* in 60 bits but may be switched there.
    expect(() => rules.checkPlainLevel(P, 2 ** 59, 0, 'encrypt')).not.toThrow();
    expect(() => rules.checkPlainLevel(P, 2 ** 139, 2, 'encrypt')).not.toThrow();
  });

  it.each([[0], [-1], [NaN], [Infinity]])('refuses scale %s', (scale) => {
    expect(thrown(() => rules.checkEncodeScale(P, scale, 'addPlain')).code).toBe('SCALE_OUT_OF_BOUNDS');
  });
});

describe('decryptCheck', () => {
  it('passes (int)log2(scale) < B and refuses the rest', () => {
    expect(() => rules.decryptCheck(P, ct(0, 2 ** 59.99))).not.toThrow();
    expect(() => rules.decryptCheck(P, ct(2, 2 ** 139))).not.toThrow();
    const e = thrown(() => rules.decryptCheck(P, ct(0, 2 ** 60)));
    expect(e.code).toBe('SCALE_OUT_OF_BOUNDS');
    expect(e.details).toEqual({ op: 'decrypt', scale: 2 ** 60, level: 0 });
    expect(thrown(() => rules.decryptCheck(P, ct(0, 0))).code).toBe('SCALE_OUT_OF_BOUNDS');
  });
});

describe('addMeta', () => {
  it('keeps level and the first scale, takes the larger degree', () => {
    const b = ct(1, stepUlps(2 ** 40, 1), 2);
    expect(rules.addMeta(ct(1), b, 'add')).toEqual({ level: 1, scale: 2 ** 40, degree: 2 });
    expect(rules.addMeta(b, ct(1), 'sub')).toEqual({ level: 1, scale: b.scale, degree: 2 });
  });

  it('LEVEL_MISMATCH with both levels; checked before the scales', () => {
    const e = thrown(() => rules.addMeta(ct(2), ct(1, 2 ** 30), 'sub'));
    expect(e.code).toBe('LEVEL_MISMATCH');
    expect(e.details).toEqual({ op: 'sub', levels: [2, 1] });
  });

  it('SCALE_MISMATCH at 2 ulp with both scales', () => {
    const s = 2 ** 40 * (1 + 2 ** -51);
    const e = thrown(() => rules.addMeta(ct(2), ct(2, s), 'add'));
    expect(e.code).toBe('SCALE_MISMATCH');
    expect(e.details).toEqual({ op: 'add', scales: [2 ** 40, s] });
  });
});

describe('mulMeta', () => {
  it('DEGREE_TOO_HIGH beyond SEAL\'s 16 polynomials, after the level check', () => {
    expect(rules.mulMeta(P, ct(2, 1, 8), ct(2, 1, 7), 'mul').degree).toBe(15);
    const e = thrown(() => rules.mulMeta(P, ct(2, 1, 8), ct(2, 1, 8), 'square'));
    expect(e.code).toBe('DEGREE_TOO_HIGH');
    expect(e.details).toEqual({ op: 'square', degree: 16, maxDegree: 15 });
    expect(thrown(() => rules.mulMeta(P, ct(2, 1, 8), ct(1, 1, 8), 'mul')).code).toBe('LEVEL_MISMATCH');
  });

  it('multiplies scales exactly and adds degrees; scales may differ', () => {
    expect(rules.mulMeta(P, ct(2, 2 ** 40), ct(2, 3 * 2 ** 30, 2), 'mul')).toEqual({ level: 2, scale: 3 * 2 ** 70, degree: 3 });
    const s = 1099511480321 / 3;
    expect(rules.mulMeta(P, ct(1, s), ct(1, s), 'square').scale).toBe(s * s);
  });

  it('LEVEL_MISMATCH before the bound', () => {
    const e = thrown(() => rules.mulMeta(P, ct(0, 2 ** 50), ct(1, 2 ** 50), 'mul'));
    expect(e.code).toBe('LEVEL_MISMATCH');
    expect(e.details).toEqual({ op: 'mul', levels: [0, 1] });
  });

  it('SCALE_OUT_OF_BOUNDS when the product does not fit the level, with scale, level and bits', () => {
    const e = thrown(() => rules.mulMeta(P, ct(0), ct(0), 'mul'));
    expect(e.code).toBe('SCALE_OUT_OF_BOUNDS');
    expect(e.details).toEqual({ op: 'mul', scale: 2 ** 80, level: 0, bits: 60 });
    const sq = thrown(() => rules.mulMeta(P, ct(1, 2 ** 50), ct(1, 2 ** 50), 'square'));
    expect(sq.details).toEqual({ op: 'square', scale: 2 ** 100, level: 1, bits: 100 });
  });

  it('the bound edge: 2^139 fits level 2, 2^140 does not', () => {
    expect(rules.mulMeta(P, ct(2, 2 ** 70), ct(2, 2 ** 69), 'mul').scale).toBe(2 ** 139);
    expect(thrown(() => rules.mulMeta(P, ct(2, 2 ** 70), ct(2, 2 ** 70), 'mul')).details)
      .toEqual({ op: 'mul', scale: 2 ** 140, level: 2, bits: 140 });
  });
});

describe('mulPlainMeta', () => {
  it('multiplies by the plain scale, keeps level and degree', () => {
    expect(rules.mulPlainMeta(P, ct(1, 2 ** 40, 2), 2 ** 30)).toEqual({ level: 1, scale: 2 ** 70, degree: 2 });
  });

  it('checks that the product fits (the plaintext’s own checks are checkEncodeScale and checkPlainLevel)', () => {
    const e = thrown(() => rules.mulPlainMeta(P, ct(0), 2 ** 40));
    expect(e.code).toBe('SCALE_OUT_OF_BOUNDS');
    expect(e.details).toEqual({ op: 'mulPlain', scale: 2 ** 80, level: 0, bits: 60 });
  });

  it.each([[0], [-(2 ** 40)], [NaN]])('refuses plain scale %s', (s) => {
    expect(thrown(() => rules.mulPlainMeta(P, ct(2), s)).code).toBe('SCALE_OUT_OF_BOUNDS');
  });
});

describe('relinearizeMeta', () => {
  it('brings degree 2 (and degree 1, a no-op) to degree 1', () => {
    expect(rules.relinearizeMeta(P, ct(1, 2 ** 80, 2))).toEqual(ct(1, 2 ** 80, 1));
    expect(rules.relinearizeMeta(P, ct(1))).toEqual(ct(1));
  });

  it.each([[3], [4]])('RELIN_KEYS_INSUFFICIENT for degree %i', (degree) => {
    const e = thrown(() => rules.relinearizeMeta(P, ct(2, 2 ** 40, degree)));
    expect(e.code).toBe('RELIN_KEYS_INSUFFICIENT');
    expect(e.details).toEqual({ op: 'relinearize', degree });
  });

  it('NO_KEY_SWITCHING with a single prime, before the degree check', () => {
    const e = thrown(() => rules.relinearizeMeta(SINGLE, ct(0, 2 ** 20, 3)));
    expect(e.code).toBe('NO_KEY_SWITCHING');
    expect(e.details).toEqual({ op: 'relinearize' });
  });
});

describe('rescaleMeta', () => {
  const q = P.dataPrimes.map((p) => Number(p));

  it('divides by the exact dropped prime q_l as a double, not by 2^40 or another prime', () => {
    expect(q[1]).not.toBe(q[2]);
    const out = rules.rescaleMeta(P, ct(2, 2 ** 80, 2));
    expect(out).toEqual({ level: 1, scale: 2 ** 80 / q[2]!, degree: 2 });
    expect(out.scale).not.toBe(2 ** 40);
    expect(out.scale).not.toBe(2 ** 80 / q[1]!);
    expect(rules.rescaleMeta(P, ct(1, 2 ** 80)).scale).toBe(2 ** 80 / q[1]!);
  });

  it('chains exactly: ((2^80 / q_2)^2) / q_1', () => {
    const s1 = rules.rescaleMeta(P, rules.relinearizeMeta(P, rules.mulMeta(P, ct(2), ct(2), 'mul')));
    const s0 = rules.rescaleMeta(P, rules.mulMeta(P, s1, s1, 'square'));
    const expected1 = 2 ** 80 / Number(P.dataPrimes[2]);
    expect(s1.scale).toBe(expected1);
    expect(s0).toEqual({ level: 0, scale: (expected1 * expected1) / Number(P.dataPrimes[1]), degree: 2 });
  });

  it('matches a float64 division for any scale (SEAL 4.1 has no bound check, scales below 1 pass)', () => {
    fc.assert(
      fc.property(fc.double({ min: 2 ** -60, max: 2 ** 139, noNaN: true }), fc.integer({ min: 1, max: 2 }), (s, level) => {
        expect(rules.rescaleMeta(P, ct(level, s)).scale).toBe(s / Number(P.dataPrimes[level]));
      }),
      { seed: SEED, numRuns: 300 },
    );
    expect(rules.rescaleMeta(P, ct(1, 1)).scale).toBe(1 / Number(P.dataPrimes[1]));
  });

  it('LEVEL_EXHAUSTED at level 0', () => {
    const e = thrown(() => rules.rescaleMeta(P, ct(0)));
    expect(e.code).toBe('LEVEL_EXHAUSTED');
    expect(e.details).toEqual({ op: 'rescale', level: 0 });
    expect(thrown(() => rules.rescaleMeta(SINGLE, ct(0, 2 ** 20))).code).toBe('LEVEL_EXHAUSTED');
  });
});

describe('dropLevelMeta', () => {
  it('keeps scale and degree; the same level is allowed', () => {
    expect(rules.dropLevelMeta(P, ct(2, 2 ** 40, 2), 0)).toEqual({ level: 0, scale: 2 ** 40, degree: 2 });
    expect(rules.dropLevelMeta(P, ct(1, 2 ** 99), 1)).toEqual(ct(1, 2 ** 99));
  });

  it.each([[-1], [3], [0.5]])('INVALID_LEVEL for target %s outside the chain', (level) => {
    const e = thrown(() => rules.dropLevelMeta(P, ct(2), level));
    expect(e.code).toBe('INVALID_LEVEL');
    expect(e.details).toEqual({ op: 'dropLevelTo', level, maxLevel: 2 });
  });

  it('INVALID_LEVEL when raising', () => {
    const e = thrown(() => rules.dropLevelMeta(P, ct(1), 2));
    expect(e.code).toBe('INVALID_LEVEL');
    expect(e.details).toEqual({ op: 'dropLevelTo', from: 1, to: 2 });
  });

  it('SCALE_OUT_OF_BOUNDS when the scale does not fit the target level', () => {
    const e = thrown(() => rules.dropLevelMeta(P, ct(2, 2 ** 80, 2), 0));
    expect(e.code).toBe('SCALE_OUT_OF_BOUNDS');
    expect(e.details).toEqual({ op: 'dropLevelTo', scale: 2 ** 80, level: 0, bits: 60 });
    expect(thrown(() => rules.dropLevelMeta(P, ct(2, 2 ** 60), 0)).details).toEqual({ op: 'dropLevelTo', scale: 2 ** 60, level: 0, bits: 60 });
    expect(rules.dropLevelMeta(P, ct(2, 2 ** 59.9), 0).level).toBe(0);
  });

  it('does not check the bound when the level stays (a scale too large already is left alone)', () => {
    expect(rules.dropLevelMeta(P, ct(0, 2 ** 70), 0)).toEqual(ct(0, 2 ** 70));
  });
});

describe('rotateTerms', () => {
  it('step 0 is a no-op (no terms)', () => {
    expect(rules.rotateTerms(P, KEYS, ct(2), 0)).toEqual([]);
  });

  it('direct key: one term; NAF: its terms; the slots-size NAF term is skipped', () => {
    expect(rules.rotateTerms(P, KEYS, ct(2), 1)).toEqual([1]);
    expect(rules.rotateTerms(P, KEYS, ct(2), 5)).toEqual([1, 4]);
    expect(rules.rotateTerms(P, KEYS, ct(2), 4093)).toEqual([1, -4]);
  });

  it('INVALID_ARGUMENT for a non-integer step', () => {
    const e = thrown(() => rules.rotateTerms(P, KEYS, ct(2), 1.5));
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.details).toEqual({ op: 'rotate', step: 1.5 });
  });

  it.each([[4096], [-4096], [10_000]])('ROTATION_STEP_TOO_LARGE for %i', (step) => {
    const e = thrown(() => rules.rotateTerms(P, KEYS, ct(2), step));
    expect(e.code).toBe('ROTATION_STEP_TOO_LARGE');
    expect(e.details).toEqual({ op: 'rotate', step, slots: 4096 });
  });

  it('MISSING_ROTATION_KEY names the missing term, the terms and the available steps', () => {
    expect(thrown(() => rules.rotateTerms(P, KEYS, ct(2), 9)).details)
      .toEqual({ op: 'rotate', step: 9, missing: 8, terms: [1, 8], available: [-4, 1, 4] });
    expect(thrown(() => rules.rotateTerms(P, KEYS, ct(2), 2)).details)
      .toEqual({ op: 'rotate', step: 2, missing: 2, terms: [2], available: [-4, 1, 4] });
  });

  it('NOT_RELINEARIZED when the first key switch would run on degree 2; MISSING first otherwise', () => {
    const d2 = ct(2, 2 ** 80, 2);
    const e = thrown(() => rules.rotateTerms(P, KEYS, d2, 1));
    expect(e.code).toBe('NOT_RELINEARIZED');
    expect(e.details).toEqual({ op: 'rotate', step: 1, degree: 2 });
    // First NAF term 1 has a key, so SEAL fails on the size before reaching the missing 8.
    expect(thrown(() => rules.rotateTerms(P, KEYS, d2, 9)).code).toBe('NOT_RELINEARIZED');
    // First NAF term -1 has no key: the missing key is reported.
    expect(thrown(() => rules.rotateTerms(P, KEYS, d2, 3)).code).toBe('MISSING_ROTATION_KEY');
    // Step 0 needs no key switch, so degree 2 is fine.
    expect(rules.rotateTerms(P, KEYS, d2, 0)).toEqual([]);
  });

  it('NO_KEY_SWITCHING with a single prime, even for step 0', () => {
    const keys = new RotationKeys(SINGLE, [1]);
    for (const step of [1, 0]) {
      const e = thrown(() => rules.rotateTerms(SINGLE, keys, ct(0, 2 ** 20), step));
      expect(e.code).toBe('NO_KEY_SWITCHING');
      expect(e.details).toEqual({ op: 'rotate' });
    }
  });
});
