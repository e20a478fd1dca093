import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FLOODING_DEFAULTS, flood, floodingCostBits, floodingFactor, floodingStd, secureGaussian, type RandomBytes } from './flooding.js';

const moments = (x: Float64Array) => {
  const n = x.length;
  const mean = x.reduce((s, v) => s + v, 0) / n;
  const variance = x.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1);
  const kurtosis = x.reduce((s, v) => s + (v - mean) ** 4, 0) / n / variance ** 2;
  return { mean, std: Math.sqrt(variance), kurtosis };
};

describe('flooding size', () => {
  it('is 2^(s/2)·√(12t) times the error std; 16.79 bits at the defaults (s = 30, t = 1)', () => {
    expect(FLOODING_DEFAULTS).toEqual({ statisticalBits: 30, decryptions: 1 });
    expect(floodingFactor()).toBeCloseTo(2 ** 15 * Math.sqrt(12), 6);
    expect(floodingCostBits()).toBeCloseTo(16.7925, 4);
    expect(floodingCostBits({ statisticalBits: 40, decryptions: 4 })).toBeCloseTo(20 + Math.log2(Math.sqrt(48)), 12);
    expect(floodingStd(1e-9)).toBeCloseTo(1e-9 * floodingFactor(), 20);
    expect(floodingStd(0)).toBe(0);
  });

  it.each([
    [() => floodingStd(-1)], [() => floodingStd(NaN)], [() => floodingFactor({ statisticalBits: -1 })],
    [() => floodingFactor({ decryptions: 0 })], [() => floodingFactor({ decryptions: 1.5 })], [() => secureGaussian(-1, 1)], [() => secureGaussian(4, Infinity)],
  ])('refuses bad arguments with INVALID_ARGUMENT (%#)', (f) => {
    expect(f).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('secure Gaussian noise', () => {
  it('has the configured std and no bias (2^17 draws from the platform CSPRNG)', () => {
    const std = 3.7e-3;
    const n = 2 ** 17; // 1 MiB of random bytes: getRandomValues is called in 64 KiB chunks
    const { mean, std: s, kurtosis } = moments(secureGaussian(n, std));
    // Standard errors: std 1/√(2n) = 0.2% relative, mean std/√n, kurtosis √(24/n) = 0.014.
    expect(s / std).toBeGreaterThan(0.99);
    expect(s / std).toBeLessThan(1.01);
    expect(Math.abs(mean)).toBeLessThan((5 * std) / Math.sqrt(n));
    expect(Math.abs(kurtosis - 3)).toBeLessThan(0.1);
  });

  it('flood adds it to the values, in a new array, leaving them unbiased', () => {
    const values = Float64Array.from({ length: 2 ** 15 }, (_, i) => Math.sin(i));
    const out = flood(values, 0.25);
    expect(out).not.toBe(values);
    const { mean, std } = moments(Float64Array.from(out, (v, i) => v - values[i]!));
    expect(std / 0.25).toBeGreaterThan(0.97);
    expect(std / 0.25).toBeLessThan(1.03);
    expect(Math.abs(mean)).toBeLessThan((5 * 0.25) / Math.sqrt(values.length));
    expect(Array.from(flood(values.subarray(0, 3), 0))).toEqual(Array.from(values.subarray(0, 3)));
  });

  it('draws every sample from the given random source, 53 bits per uniform', () => {
    let calls = 0;
    const constant: RandomBytes = (b) => (calls++, b.fill(0xff));
    const x = secureGaussian(3, 1, constant);
    expect(calls).toBe(1);
    // All-ones words give u = 1 exactly: r = 0, so every sample is 0 (and never log(0)).
    expect(Array.from(x, (v) => v === 0)).toEqual([true, true, true]);
    const zeros: RandomBytes = (b) => b.fill(0);
    // u = 2^-53: the largest radius Box-Muller can produce, √(2·53·ln 2) ≈ 8.57.
    expect(secureGaussian(1, 1, zeros)[0]).toBeCloseTo(Math.sqrt(2 * 53 * Math.LN2), 12);
  });

  it('uses no Node-only API, so the browser client can flood too', () => {
    const source = readFileSync(new URL('./flooding.ts', import.meta.url), 'utf8');
    expect(source).not.toMatch(/from 'node:|require\(|process\.|Buffer/);
    expect(source).toContain('globalThis');
  });
});
