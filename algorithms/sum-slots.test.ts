import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSealBackend } from '../backends/seal/index.js';
import { createSimBackend } from '../backends/sim/index.js';
import type { Backend, CkksParamsLiteral } from '../core/index.js';
import { innerProductPlain, sumSlots, sumSlotsRotations } from './index.js';

// First data prime well below the special prime keeps rotation noise at one rounding event (NOISE.md §3.4).
const literal: CkksParamsLiteral = { ringDegree: 4096, bitSizes: [30, 25, 54], scale: 2 ** 25 };
const width = 16;

const factories: Array<[string, () => Promise<Backend>]> = [
  ['sim', async () => createSimBackend(literal, { rotations: sumSlotsRotations(width) })],
  ['seal', () => createSealBackend(literal, { rotations: sumSlotsRotations(width) })],
];

describe.each(factories)('sumSlots and innerProductPlain on %s', (_name, create) => {
  let ev: Backend;
  beforeAll(async () => { ev = await create(); });
  afterAll(() => ev.dispose());

  const x = Array.from({ length: 40 }, (_, i) => Math.sin(i + 1));
  const w = Array.from({ length: 40 }, (_, i) => Math.cos(3 * i));

  it('sums every width-aligned block into its first slot', () => {
    const sum = ev.scope(() => sumSlots(ev, ev.encrypt(x), width));
    const out = ev.decrypt(sum);
    for (let block = 0; block < 3; block++) {
      const expected = x.slice(block * width, (block + 1) * width).reduce((a, b) => a + b, 0);
      expect(Math.abs((out[block * width] as number) - expected)).toBeLessThan(1e-3);
    }
    expect(sum.level).toBe(ev.params.maxLevel);
    sum.dispose();
    expect(ev.memory().ciphertexts).toBe(0);
  });

  it('computes an inner product at depth 1 and frees its intermediates', () => {
    const xc = ev.encrypt(x);
    const result = innerProductPlain(ev, xc, w, width);
    const expected = x.slice(0, width).reduce((acc, v, i) => acc + v * (w[i] as number), 0);
    expect(Math.abs((ev.decrypt(result)[0] as number) - expected)).toBeLessThan(1e-3);
    expect(result.level).toBe(ev.params.maxLevel - 1);
    expect(result.scale).toBe((ev.params.scale * ev.params.scale) / (ev.params.dataPrimeValues[ev.params.maxLevel] as number));
    expect(ev.memory().ciphertexts).toBe(2);
    ev.free(result);
    ev.free(xc);
    expect(ev.memory().ciphertexts).toBe(0);
  });

  it('refuses widths that are not powers of two within the slots', () => {
    const xc = ev.encrypt(x);
    for (const bad of [0, 1, 3, ev.params.slots * 2]) {
      expect(() => sumSlots(ev, xc, bad)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
    expect(() => sumSlots(ev, xc, 64)).toThrow(expect.objectContaining({ code: 'MISSING_ROTATION_KEY' }));
    xc.dispose();
  });
});
