import { describe, it, expect } from 'vitest';
import { isHeError } from '../errors.js';
import { createCoeffModulus, isPrime } from './primes.js';

const naiveIsPrime = (n: number): boolean => {
  if (n < 2) return false;
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
  return true;
};

const codeOf = (f: () => unknown): unknown => {
  try {
    f();
  } catch (e) {
    return isHeError(e) ? { code: e.code, field: e.details['field'] } : e;
  }
  return 'no error';
};

describe('isPrime', () => {
  it('agrees with trial division below 20000', () => {
    for (let n = -5; n < 20000; n++) expect(isPrime(BigInt(n)), String(n)).toBe(naiveIsPrime(n));
  });

  it('accepts known large primes', () => {
    for (const p of [2n ** 61n - 1n, 2n ** 62n - 57n, 2n ** 63n - 25n, 2n ** 64n - 59n, 1152921504606830593n]) {
      expect(isPrime(p), String(p)).toBe(true);
    }
  });

  it('rejects 61- to 64-bit composites with no small factor', () => {
    const composites: [bigint, bigint[]][] = [
      [4611686014132420609n, [2147483647n, 2147483647n]],
      [9223372021822390277n, [2147483647n, 4294967291n]],
      [2n ** 61n + 1n, [3n, 768614336404564651n]],
      [2n ** 64n - 1n, [3n, 5n, 17n, 257n, 641n, 65537n, 6700417n]],
    ];
    for (const [n, factors] of composites) {
      expect(factors.reduce((a, b) => a * b, 1n)).toBe(n);
      expect(isPrime(n), String(n)).toBe(false);
    }
  });

  it('rejects strong pseudoprimes to the first few prime bases', () => {
    // Smallest strong pseudoprimes to bases 2; 2,3; 2..5; 2..7; 2..11; 2..13; 2..17; 2..31 (only 37 catches the last).
    const spsp: [bigint, bigint[]][] = [
      [2047n, [23n, 89n]],
      [1373653n, [829n, 1657n]],
      [25326001n, [2251n, 11251n]],
      [3215031751n, [151n, 751n, 28351n]],
      [2152302898747n, [6763n, 10627n, 29947n]],
      [3474749660383n, [1303n, 16927n, 157543n]],
      [341550071728321n, [10670053n, 32010157n]],
      [3825123056546413051n, [149491n, 747451n, 34233211n]],
    ];
    for (const [n, factors] of spsp) {
      expect(factors.reduce((a, b) => a * b, 1n)).toBe(n);
      expect(isPrime(n), String(n)).toBe(false);
    }
  });
});

describe('createCoeffModulus', () => {
  // NOISE.md §2.2, checked there against node-seal 6.0.3.
  const golden: [number, number[], bigint[]][] = [
    [4096, [40, 20, 40], [1099511390209n, 1032193n, 1099511480321n]],
    [8192, [60, 40, 40, 60], [1152921504606748673n, 1099510890497n, 1099511480321n, 1152921504606830593n]],
    [8192, [40, 40, 40], [1099510824961n, 1099510890497n, 1099511480321n]],
    [8192, [50, 30, 30, 50, 50], [1125899905744897n, 1073643521n, 1073692673n, 1125899906629633n, 1125899906826241n]],
    [16384, [60, 40, 40, 40, 40, 40, 40, 60], [
      1152921504606683137n, 1099505827841n, 1099506352129n, 1099506515969n,
      1099507695617n, 1099508121601n, 1099510054913n, 1152921504606748673n,
    ]],
    [32768, [60, 50, 50, 50, 60], [
      1152921504598720513n, 1125899903500289n, 1125899903827969n, 1125899904679937n, 1152921504606584833n,
    ]],
  ];

  it.each(golden)('N = %i, %j matches SEAL', (n, bits, primes) => {
    expect(createCoeffModulus(n, bits)).toEqual(primes);
  });

  it('returns NTT-friendly primes of the requested sizes, smaller first among equal sizes', () => {
    const n = 4096;
    const bits = [30, 45, 30, 45, 30];
    const primes = createCoeffModulus(n, bits);
    primes.forEach((p, i) => {
      expect(isPrime(p)).toBe(true);
      expect(p % BigInt(2 * n)).toBe(1n);
      expect(p.toString(2).length).toBe(bits[i]);
    });
    const [a, b, c, d, e] = primes;
    expect(a! < c! && c! < e!).toBe(true);
    expect(b! < d!).toBe(true);
  });

  it('rejects a ring degree that is not a power of two in [2, 131072]', () => {
    for (const n of [0, 1, 3, 1000, 262144, 1024.5, NaN]) {
      expect(codeOf(() => createCoeffModulus(n, [40])), String(n)).toEqual({ code: 'PARAMS_INVALID', field: 'ringDegree' });
    }
  });

  it('rejects empty, overlong and out-of-range bit sizes', () => {
    for (const bits of [[], new Array<number>(257).fill(40), [40, 1], [61], [40.5]]) {
      expect(codeOf(() => createCoeffModulus(8192, bits))).toEqual({ code: 'PARAMS_INVALID', field: 'bitSizes' });
    }
  });

  it('reports every bit size that lacks primes, and how to fix it', () => {
    // 2N = 2048: 20-bit sizes have 38 qualifying primes; 12 and 13 bits have none.
    let error: unknown;
    try {
      createCoeffModulus(1024, [...new Array<number>(50).fill(20), 12, 13]);
    } catch (e) {
      error = e;
    }
    expect(isHeError(error, 'PARAMS_INVALID')).toBe(true);
    if (!isHeError(error)) return;
    expect(error.details['shortfalls']).toEqual([
      { bitSize: 20, requested: 50, found: 38 },
      { bitSize: 12, requested: 1, found: 0 },
      { bitSize: 13, requested: 1, found: 0 },
    ]);
    expect(error.message).toMatch(/2048/);
    expect(error.message).toMatch(/larger bit sizes/);
  });

  it('finds no candidate when 2N >= 2^bits', () => {
    expect(codeOf(() => createCoeffModulus(8192, [14]))).toEqual({ code: 'PARAMS_INVALID', field: 'bitSizes' });
  });
});
