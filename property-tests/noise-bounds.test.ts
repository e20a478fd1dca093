/**
 * Aggregations against real SEAL: the simulator's predicted error must bound SEAL's in every
 * slot, and stay close to it where the model is exact (independent fresh errors).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSealBackend } from '../backends/seal/index.js';
import { createSimBackend, type SimBackend } from '../backends/sim/index.js';
import type { Backend, Ciphertext } from '../core/index.js';
import { seededValues } from './program.js';

// [60, 40, 40, 60]: first prime as large as the special prime, so rotations carry SEAL's
// fixed key-switching bias (NOISE.md §3.4), the same for every ciphertext rotated by one key.
const literal = { ringDegree: 8192, bitSizes: [60, 40, 40, 60], scale: 2 ** 40 };

describe('simulator error prediction on sums of many ciphertexts (SEAL, N = 8192)', () => {
  let seal: Backend;
  let sim: SimBackend;
  beforeAll(async () => {
    seal = await createSealBackend(literal, { rotations: [1] });
    sim = createSimBackend(literal, { rotations: [1] });
  });
  afterAll(() => {
    seal.dispose();
    sim.dispose();
  });

  /** Runs `circuit` on both backends; returns SEAL's max |error|/bound and RMS error / predicted RMS. */
  function compare(count: number, circuit: (ev: Backend, xs: Ciphertext[]) => Ciphertext) {
    const slots = sim.params.slots;
    const inputs = Array.from({ length: count }, (_, i) => seededValues(i + 1, slots));
    const run = (ev: Backend) => ev.scope(() => circuit(ev, inputs.map((v) => ev.encrypt(v))));
    const predicted = run(sim);
    const actual = run(seal);
    const reference = sim.decrypt(predicted);
    const decrypted = seal.decrypt(actual);
    const { bound, std } = sim.noise(predicted);
    let worst = 0, sumSqError = 0, sumSqStd = 0;
    for (let k = 0; k < slots; k++) {
      const err = (decrypted[k] as number) - (reference[k] as number);
      worst = Math.max(worst, Math.abs(err) / (bound[k] as number));
      sumSqError += err * err;
      sumSqStd += (std[k] as number) ** 2;
    }
    predicted.dispose();
    actual.dispose();
    const ratio = Math.sqrt(sumSqError / sumSqStd);
    console.log(`${count} ciphertexts: max |error| / bound ${worst.toFixed(3)}, RMS error / predicted ${ratio.toFixed(3)}`);
    return { worst, ratio };
  }

  const sum = (ev: Backend, cts: Ciphertext[]) => cts.reduce((acc, c) => ev.add(acc, c));

  it('independent fresh errors add in variance, even over many encryptions', () => {
    const { worst, ratio } = compare(96, sum);
    expect(worst).toBeLessThanOrEqual(1);
    expect(ratio).toBeGreaterThan(0.8);
    expect(ratio).toBeLessThan(1.25);
  });

  // The bias sits mostly in slot 0 (81% of its energy) and is one Gaussian draw per key, so an
  // RMS ratio here is a single sample: only the bound is a meaningful check. Added in variance,
  // as if independent, 128 biases would exceed the bound whenever that draw passed 1.4 sigma.
  it('the fixed rotation bias adds linearly across ciphertexts rotated by the same key', () => {
    const { worst } = compare(128, (ev, xs) => sum(ev, xs.map((x) => ev.rotate(x, 1))));
    expect(worst).toBeLessThanOrEqual(1);
  });
});
