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
