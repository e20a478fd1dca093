import { describe, it, expect } from 'vitest';
import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import { isHeError } from '../errors.js';
import { createParams, parseParams, type ParamsProblem } from './index.js';

const problemsOf = (literal: unknown): readonly ParamsProblem[] => {
  const r = parseParams(literal);
  return isLeft(r) ? r.left : [];
};

const thrown = (f: () => unknown): unknown => {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
};

const bitLength = (n: bigint): number => n.toString(2).length;

describe('parseParams: success', () => {
  it('builds the chain of SEAL’s recommended [60, 40, 40, 60]', () => {
    const p = createParams({ ringDegree: 8192, bitSizes: [60, 40, 40, 60], scale: 2 ** 40 });
    expect(p).toEqual({
      ringDegree: 8192,
      slots: 4096,
      bitSizes: [60, 40, 40, 60],
      primes: [1152921504606748673n, 1099510890497n, 1099511480321n, 1152921504606830593n],
      dataPrimes: [1152921504606748673n, 1099510890497n, 1099511480321n],
      dataPrimeValues: [1152921504606748673, 1099510890497, 1099511480321],
      specialPrime: 1152921504606830593n,
      maxLevel: 2,
      levelBits: [60, 100, 140],
      keyBits: 200,
      scale: 2 ** 40,
      security: 128,
      keySwitching: true,
    });
  });

  it('is deeply frozen and does not alias the literal', () => {
    const bitSizes = [60, 40, 60];
    const p = createParams({ ringDegree: 8192, bitSizes, scale: 2 ** 40 });
    bitSizes[0] = 30;
    expect(p.bitSizes).toEqual([60, 40, 60]);
    for (const v of [p, p.bitSizes, p.primes, p.dataPrimes, p.dataPrimeValues, p.levelBits]) {
      expect(Object.isFrozen(v)).toBe(true);
    }
  });

  it('takes levelBits from the BigInt product, not the sum of bit sizes', () => {
    // 17-bit primes ≡ 1 mod 2048 lie well below 2^17, so products lose bits.
    const p = createParams({ ringDegree: 1024, bitSizes: [17, 17, 17, 17, 17, 17], scale: 2 ** 10, allowInsecure: true });
    let product = 1n;
    const expected = p.dataPrimes.map((q) => bitLength((product *= q)));
    expect(p.levelBits).toEqual(expected);
    expect(p.levelBits).toEqual([17, 33, 49, 66, 82]);
    expect(p.keyBits).toBe(99);
    expect(p.security).toBe('none');
  });

  it('handles a single prime: one level, no special prime, no key switching', () => {
    const p = createParams({ ringDegree: 4096, bitSizes: [50], scale: 2 ** 20 });
    expect(p.primes).toHaveLength(1);
    expect(p.dataPrimes).toEqual(p.primes);
    expect(p.specialPrime).toBeNull();
    expect(p.maxLevel).toBe(0);
    expect(p.levelBits).toEqual([50]);
    expect(p.keyBits).toBe(50);
    expect(p.keySwitching).toBe(false);
  });

  it('accepts the scale right at the encoder limit and rejects one bit more', () => {
    const base = { ringDegree: 8192, bitSizes: [60, 40, 40, 60] };
    expect(isRight(parseParams({ ...base, scale: 2 ** 138 }))).toBe(true);
    const [problem] = problemsOf({ ...base, scale: 2 ** 139 });
    expect(problem).toMatchObject({ code: 'PARAMS_INVALID', field: 'scale', details: { levelBits: 140 } });
    expect(problem?.message).toContain('2^139.00');
    expect(problem?.message).toContain('140 bits');
  });
});

describe('parseParams: problems', () => {
  it('collects every failing field at once', () => {
    const problems = problemsOf({
      ringDegree: 1000, bitSizes: [70, 1.5, 40], scale: -1, security: 100, allowInsecure: 'yes', extra: 1,
    });
    expect(problems.map((p) => p.field)).toEqual(['ringDegree', 'bitSizes', 'bitSizes', 'scale', 'security', 'allowInsecure', 'extra']);
    expect(problems.every((p) => p.code === 'PARAMS_INVALID')).toBe(true);
    expect(problems[0]?.message).toContain('[1024, 131072]');
    expect(problems[1]?.details).toMatchObject({ index: 0, bitSize: 70 });
  });

  it('collects prime shortages, scale, security and unknown fields together', () => {
    const problems = problemsOf({ ringDegree: 1024, bitSizes: [12, 60], scale: Infinity, security: 64, foo: 1 });
    expect(problems.map((p) => p.field)).toEqual(['bitSizes', 'scale', 'security', 'foo']);
    expect(problems[0]?.message).toMatch(/not enough primes/);
  });

  it('rejects missing fields, non-objects, nulls and holes', () => {
    expect(problemsOf({}).map((p) => p.field)).toEqual(['ringDegree', 'bitSizes', 'scale']);
    expect(problemsOf(null).map((p) => p.field)).toEqual(['params']);
    expect(problemsOf([8192]).map((p) => p.field)).toEqual(['params']);
    expect(problemsOf({ ringDegree: 8192, bitSizes: [], scale: 2 ** 40, security: null }).map((p) => p.field))
      .toEqual(['bitSizes', 'security']);
    expect(problemsOf({ ringDegree: 8192, bitSizes: [60, , 60], scale: 2 ** 40 })[0]?.details).toMatchObject({ index: 1 });
  });

  it('rejects N outside [1024, 131072] even where SEAL would build primes', () => {
    for (const ringDegree of [512, 262144, 3000, '8192']) {
      expect(problemsOf({ ringDegree, bitSizes: [20], scale: 2 ** 10 }).map((p) => p.field)).toEqual(['ringDegree']);
    }
  });

  it('createParams throws PARAMS_INVALID listing all problems', () => {
    const e = thrown(() => createParams({ ringDegree: 1000, bitSizes: [40], scale: 0 }));
    expect(isHeError(e, 'PARAMS_INVALID')).toBe(true);
    if (!isHeError(e)) return;
    expect(e.details['problems']).toHaveLength(2);
    expect(e.message).toMatch(/2 problems.*ringDegree.*scale/);
  });
});

describe('small scales', () => {
  const base = { ringDegree: 8192, bitSizes: [60, 40, 40, 60] };

  it('refuses a bit count given as the scale, suggesting the power of two', () => {
    const e = thrown(() => createParams({ ...base, scale: 40 }));
    expect(isHeError(e, 'PARAMS_INVALID')).toBe(true);
    if (!isHeError(e)) return;
    const [problem] = e.details['problems'] as ParamsProblem[];
    expect(problem).toMatchObject({ code: 'PARAMS_INVALID', field: 'scale', details: { scale: 40, minLog2Scale: 10 } });
    expect(problem?.details['log2Scale']).toBeCloseTo(Math.log2(40), 12);
    expect(e.message).toContain('2^5.32');
    expect(e.message).toContain('did you mean 2 ** 40?');
  });

  it('refuses every scale below 2^10 and accepts 2^10', () => {
    for (const scale of [1, 2, 0.5, 1e-3, 10, 1023, 2 ** 10 - 2 ** -30]) {
      expect(problemsOf({ ...base, scale }).map((p) => [p.field, p.details['minLog2Scale']]), `scale ${scale}`).toEqual([['scale', 10]]);
    }
    expect(isRight(parseParams({ ...base, scale: 2 ** 10 }))).toBe(true);
  });

  it('suggests 2 ** x only for an integer that makes a sensible exponent', () => {
    expect(problemsOf({ ...base, scale: 50 })[0]?.message).toContain('did you mean 2 ** 50?');
    for (const scale of [2, 9, 12.5]) {
      expect(problemsOf({ ...base, scale })[0]?.message, `scale ${scale}`).not.toContain('did you mean');
    }
  });

  it('accepts a small scale with allowSmallScale: true, and still checks it is positive', () => {
    expect(createParams({ ...base, scale: 2, allowSmallScale: true }).scale).toBe(2);
    expect(createParams({ ...base, scale: 0.25, allowSmallScale: true }).scale).toBe(0.25);
    expect(problemsOf({ ...base, scale: 0, allowSmallScale: true }).map((p) => p.field)).toEqual(['scale']);
  });

  it('refuses an allowSmallScale that is not a boolean, alongside the small scale itself', () => {
    expect(problemsOf({ ...base, scale: 40, allowSmallScale: 'yes' }).map((p) => p.field)).toEqual(['scale', 'allowSmallScale']);
  });
});

describe('security', () => {
  it('refuses a modulus over the tc128 limit, with the numbers and the fixes', () => {
    const e = thrown(() => createParams({ ringDegree: 4096, bitSizes: [60, 40, 40, 60], scale: 2 ** 40 }));
    expect(isHeError(e, 'PARAMS_INSECURE')).toBe(true);
    if (!isHeError(e)) return;
    expect(e.message).toMatch(/200 bits.*at most 109 bits.*allowInsecure: true/);
    expect(e.details['problems']).toEqual([expect.objectContaining({ code: 'PARAMS_INSECURE', details: expect.objectContaining({ keyBits: 200, maxBits: 109 }) })]);
  });

  it('accepts an insecure modulus on opt-in and marks it', () => {
    const p = createParams({ ringDegree: 4096, bitSizes: [60, 40, 40, 60], scale: 2 ** 40, allowInsecure: true });
    expect(p.security).toBe('none');
    const ok = createParams({ ringDegree: 8192, bitSizes: [60, 40, 40, 60], scale: 2 ** 40, allowInsecure: true });
    expect(ok.security).toBe(128);
  });

  it('reports PARAMS_INVALID when insecurity comes with other problems', () => {
    const e = thrown(() => createParams({ ringDegree: 4096, bitSizes: [60, 40, 40, 60], scale: -2 }));
    expect(isHeError(e, 'PARAMS_INVALID')).toBe(true);
    if (!isHeError(e)) return;
    expect((e.details['problems'] as ParamsProblem[]).map((p) => p.code)).toEqual(['PARAMS_INVALID', 'PARAMS_INSECURE']);
  });

  it('applies the tc192 and tc256 limits at their boundary', () => {
    // N = 8192: tc192 allows 152 bits, tc256 allows 118.
    expect(createParams({ ringDegree: 8192, bitSizes: [52, 50, 50], scale: 2 ** 30, security: 192 }).security).toBe(192);
    expect(problemsOf({ ringDegree: 8192, bitSizes: [53, 50, 50], scale: 2 ** 30, security: 192 }))
      .toEqual([expect.objectContaining({ code: 'PARAMS_INSECURE', details: expect.objectContaining({ keyBits: 153, maxBits: 152 }) })]);
    expect(createParams({ ringDegree: 8192, bitSizes: [40, 38, 40], scale: 2 ** 30, security: 256 }).security).toBe(256);
    expect(problemsOf({ ringDegree: 8192, bitSizes: [40, 39, 40], scale: 2 ** 30, security: 256 }))
      .toEqual([expect.objectContaining({ code: 'PARAMS_INSECURE', details: expect.objectContaining({ keyBits: 119, maxBits: 118 }) })]);
  });

  it('treats N >= 65536 as insecure, as SEAL does', () => {
    const [problem] = problemsOf({ ringDegree: 65536, bitSizes: [60, 60], scale: 2 ** 40 });
    expect(problem?.code).toBe('PARAMS_INSECURE');
    expect(problem?.message).toMatch(/lists no 128-bit parameters for ring degree 65536/);
  });
});
