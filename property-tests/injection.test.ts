/**
 * Noise modes. 'inject' draws errors from the predicted distribution: its normalised errors
 * must look like SEAL's on the same circuit (two-sample Kolmogorov-Smirnov test, alpha = 1e-4);
 * 'off' computes the same values and metadata with no error model.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSealBackend } from '../backends/seal/index.js';
import { createSimBackend, type SimBackend } from '../backends/sim/index.js';
import type { Backend, Ciphertext, CkksParamsLiteral } from '../core/index.js';
import { seededValues } from './program.js';
import { thrown } from './thrown.js';

// First data prime 10 bits below the special prime: no key-switching bias to dominate (NOISE.md §3.4).
const literal: CkksParamsLiteral = { ringDegree: 8192, bitSizes: [50, 40, 40, 60], scale: 2 ** 40 };
const ALPHA = 1e-4;

type Circuit = (ev: Backend, x: Ciphertext, y: Ciphertext) => Ciphertext;
const circuits: Array<[string, Circuit]> = [
  ['fresh', (ev, x) => ev.add(x, ev.encrypt(0))],
  ['symmetric encryption', (ev) => ev.encrypt(seededValues(3, ev.params.slots), { symmetric: true })],
  ['mul + relinearize + rescale', (ev, x, y) => ev.rescale(ev.relinearize(ev.mul(x, y)))],
  ['mulPlain + rescale', (ev, x) => ev.rescale(ev.mulPlain(x, seededValues(9, ev.params.slots)))],
  ['rotate 3 (NAF -1, 4)', (ev, x) => ev.rotate(x, 3)],
  ['square, rescale (degree-2 rescale)', (ev, x) => ev.rescale(ev.square(x))],
  // Values 0: only the product of the two errors is left, imaginary parts included.
  ['product of two encryptions of 0', (ev) => ev.relinearize(ev.mul(ev.encrypt(0), ev.encrypt(0)))],
  ['square of an encryption of 0', (ev) => ev.relinearize(ev.square(ev.encrypt(0)))],
];

/** Two-sample Kolmogorov-Smirnov statistic. */
function ksStatistic(a: Float64Array, b: Float64Array): number {
  const x = a.slice().sort(), y = b.slice().sort();
  let i = 0, j = 0, d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i] as number, y[j] as number);
    while (i < x.length && (x[i] as number) <= v) i++;
    while (j < y.length && (y[j] as number) <= v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  return d;
}

describe("noise: 'inject' against SEAL", () => {
  let seal: Backend;
  let track: SimBackend;
  let inject: SimBackend;
  beforeAll(async () => {
    seal = await createSealBackend(literal, { rotations: [-1, 4] });
    track = createSimBackend(literal, { rotations: [-1, 4] });
    inject = createSimBackend(literal, { rotations: [-1, 4], noise: 'inject', seed: 3 });
  });
  afterAll(() => [seal, track, inject].forEach((b) => b.dispose()));

  it.each(circuits)('%s: injected and SEAL errors share one distribution', (_name, circuit) => {
    const n = track.params.slots;
    const x = seededValues(1, n), y = seededValues(2, n);
    const run = (ev: Backend) => ev.scope(() => ev.decrypt(circuit(ev, ev.encrypt(x), ev.encrypt(y))));
    const exact = track.scope(() => {
      const out = circuit(track, track.encrypt(x), track.encrypt(y));
      return { values: track.decrypt(out), std: track.noise(out).std };
    });
    const normalised = (values: Float64Array) => values.map((v, k) => (v - (exact.values[k] as number)) / (exact.std[k] as number));
    const fromSeal = normalised(run(seal));
    const injected = normalised(run(inject));
    const d = ksStatistic(fromSeal, injected);
    const critical = Math.sqrt(-Math.log(ALPHA / 2) / 2) * Math.sqrt(2 / n);
    const rms = (a: Float64Array) => Math.sqrt(a.reduce((s, v) => s + v * v, 0) / a.length);
    console.log(`${_name}: KS D = ${d.toFixed(4)} (critical ${critical.toFixed(4)}), RMS SEAL ${rms(fromSeal).toFixed(3)}, injected ${rms(injected).toFixed(3)}`);
    expect(d).toBeLessThan(critical);
    expect(rms(injected) / rms(fromSeal)).toBeGreaterThan(0.8);
    expect(rms(injected) / rms(fromSeal)).toBeLessThan(1.25);
  });

  it('is reproducible for a seed, and differs between seeds', () => {
    const run = (seed: number) => {
      const ev = createSimBackend(literal, { noise: 'inject', seed });
      const out = ev.decrypt(ev.rescale(ev.relinearize(ev.square(ev.encrypt([1, 2, 3])))));
      ev.dispose();
      return Array.from(out.slice(0, 3));
    };
    expect(run(5)).toEqual(run(5));
    expect(run(5)).not.toEqual(run(6));
  });
});

describe("noise: 'off'", () => {
  it('computes the same values and metadata as tracking, and has no noise()', () => {
    const off = createSimBackend(literal, { noise: 'off', rotations: [1] });
    const track = createSimBackend(literal, { rotations: [1] });
    const run = (ev: SimBackend) => {
      const x = ev.encrypt(seededValues(4, 100));
      const y = ev.rotate(ev.rescale(ev.relinearize(ev.mul(x, ev.addPlain(x, 0.5)))), 1);
      return { values: ev.decrypt(y), meta: ev.meta(y), ct: y };
    };
    const a = run(off), b = run(track);
    expect(a.meta).toEqual(b.meta);
    expect(Array.from(a.values)).toEqual(Array.from(b.values));
    expect(off.capabilities.predictsNoise).toBe(false);
    expect(thrown(() => off.noise(a.ct)).code).toBe('INVALID_ARGUMENT');
    expect(thrown(() => createSimBackend(literal, { noise: 'loud' as 'off' })).code).toBe('INVALID_ARGUMENT');
  });
});

describe("encoding: 'exact'", () => {
  it('holds SEAL\'s encoded plaintexts, so a low-scale product is predicted to its ciphertext noise', async () => {
    const seal = await createSealBackend(literal);
    const exact = createSimBackend(literal, { encoding: 'exact' });
    const model = createSimBackend(literal);
    const n = exact.params.slots;
    const x = seededValues(1, n), w = seededValues(2, n);
    // A 2^12 plain scale: the plaintext's rounding error dwarfs the ciphertext's.
    const circuit = (ev: Backend) => ev.mulPlain(ev.encrypt(x), w, 2 ** 12);
    const observed = seal.scope(() => seal.decrypt(circuit(seal)));
    const ratio = (sim: SimBackend) => sim.scope(() => {
      const out = circuit(sim);
      const values = sim.decrypt(out), std = sim.noise(out).std;
      let z2 = 0, err2 = 0;
      for (let k = 0; k < n; k++) {
        const e = (observed[k] as number) - (values[k] as number);
        z2 += (e / (std[k] as number)) ** 2;
        err2 += e * e;
      }
      return { ratio: Math.sqrt(z2 / n), rmsError: Math.sqrt(err2 / n) };
    });
    const e = ratio(exact), m = ratio(model);
    console.log(`exact encoding: RMS z ${e.ratio.toFixed(3)}, RMS error ${e.rmsError.toExponential(2)}; modelled: RMS z ${m.ratio.toFixed(3)}, RMS error ${m.rmsError.toExponential(2)}`);
    expect(e.ratio).toBeGreaterThan(0.8);
    expect(e.ratio).toBeLessThan(1.25);
    expect(m.ratio).toBeGreaterThan(0.8);
    expect(m.ratio).toBeLessThan(1.25);
    expect(e.rmsError).toBeLessThan(m.rmsError / 10);
    expect(thrown(() => createSimBackend(literal, { encoding: 'approximate' as 'exact' })).code).toBe('INVALID_ARGUMENT');
    [seal, exact, model].forEach((b) => b.dispose());
  });
});
