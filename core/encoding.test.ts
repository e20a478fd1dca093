import { describe, expect, it } from 'vitest';
import { loadSeal } from '../backends/seal/loader.js';
import { seededValues } from '../property-tests/program.js';
import { SlotEncoder } from './encoding.js';
import { createParams } from './params/index.js';

describe('SlotEncoder against SEAL 4.1 encoder', () => {
  it.each([[4096, [40, 29, 40], 2 ** 20], [8192, [50, 40, 40, 60], 2 ** 30]] as const)(
    'N = %i: encode, round and decode give SEAL\'s plaintext values', async (N, bits, scale) => {
      const seal = await loadSeal();
      const parms = seal.EncryptionParameters(seal.SchemeType.ckks);
      parms.setPolyModulusDegree(N);
      const moduli = seal.CoeffModulus.Create(N, Int32Array.from(bits));
      parms.setCoeffModulus(moduli);
      const context = seal.Context(parms, true, seal.SecurityLevel.tc128);
      const encoder = seal.CKKSEncoder(context);
      const values = seededValues(7, N / 2).map((v) => 3 * v);
      const pt = seal.PlainText();
      encoder.encode(values, scale, pt);
      const fromSeal = encoder.decode(pt) as Float64Array;
      for (const x of [pt, encoder, context, moduli, parms]) x.delete();

      const ours = new SlotEncoder(createParams({ ringDegree: N, bitSizes: [...bits], scale })).encoded(values, scale);
      let differs = 0, rounding = 0;
      for (let k = 0; k < N / 2; k++) {
        differs = Math.max(differs, Math.abs((ours[k] as number) - (fromSeal[k] as number)));
        rounding = Math.max(rounding, Math.abs((fromSeal[k] as number) - (values[k] as number)));
      }
      // The encoding error is real (about sqrt(N/12)/scale); ours reproduces it to float64 round-off.
      expect(rounding).toBeGreaterThan(1e-3 / scale);
      expect(differs).toBeLessThan(1e-12);
    });
});

describe('SlotEncoder bounds with the caller\'s max |value|', () => {
  const params = createParams({ ringDegree: 4096, bitSizes: [40, 29, 40], scale: 2 ** 20 });
  const encoder = new SlotEncoder(params);
  const maxAbs = (v: Float64Array): number => v.reduce((m, x) => Math.max(m, Math.abs(x)), 0);

  it('isZero and fits answer as without it, near and far from their thresholds', () => {
    const n = params.slots;
    const vectors = [
      new Float64Array(n).fill(0.4 / 2 ** 20), new Float64Array(n).fill(0.6 / 2 ** 20), new Float64Array(n).fill(3),
      Float64Array.from(seededValues(3, n), (v) => v / 2 ** 26), Float64Array.from(seededValues(4, n), (v) => v / 2 ** 16),
      Float64Array.from({ length: n }, (_, k) => (k === 7 ? 1 / 2 ** 20 : 0)),
    ];
    for (const v of vectors) {
      expect(encoder.isZero(v, 2 ** 20, maxAbs(v))).toBe(encoder.isZero(v, 2 ** 20));
      for (const half of [2 ** 19, 2 ** 21, 2 ** 40]) expect(encoder.fits(v, 2 ** 20, half, 0, maxAbs(v))).toBe(encoder.fits(v, 2 ** 20, half));
    }
    expect(vectors.map((v) => encoder.isZero(v, 2 ** 20, maxAbs(v)))).toEqual([true, false, false, true, false, true]);
  });
});
