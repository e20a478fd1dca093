import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSealBackend } from '../../backends/seal/index.js';
import { createSimBackend } from '../../backends/sim/index.js';
import type { Backend } from '../backend.js';
import { HeError } from '../errors.js';
import type { Evaluator } from '../evaluator.js';
import { createParams } from '../params/index.js';
import { paired, type DivergenceDetails } from './paired.js';

const params = createParams({ ringDegree: 8192, bitSizes: [45, 35, 35, 35, 45], scale: 2 ** 35 });
const rotations = [1, 2];
const xs = Array.from({ length: 8 }, (_, i) => (i - 3.5) / 4);

/** x -> rotate(3·(0.5·x² + 0.5·x²), 1), ten ops; the comments give each op's index. */
function circuit<C>(ev: Evaluator<C>): C {
  const x = ev.encrypt(xs); // 0
  const x2 = ev.rescale(ev.relinearize(ev.square(x))); // 1, 2, 3
  const half = ev.rescale(ev.mulPlain(x2, 0.5)); // 4, 5
  const y = ev.rescale(ev.mulPlain(ev.add(half, half), 3)); // 6, 7, 8
  return ev.rotate(y, 1); // 9
}

/** Forwards to `target`, replacing some ops: a planted bug. */
function planted(target: Backend, replace: Partial<Backend>): Backend {
  return new Proxy(target, {
    get(t, key) {
      if (key in replace) return replace[key as keyof Backend];
      const v: unknown = Reflect.get(t, key, t);
      return typeof v === 'function' ? v.bind(t) : v;
    },
  });
}

function divergence(fn: () => unknown): DivergenceDetails {
  try {
    fn();
  } catch (e) {
    if (e instanceof HeError && e.code === 'DIVERGENCE') return e.details as unknown as DivergenceDetails;
    throw e;
  }
  throw new Error('expected a DIVERGENCE');
}

describe('paired(SEAL, simulator)', () => {
  let seal: Backend;
  beforeAll(async () => {
    seal = await createSealBackend(params, { rotations });
  });
  afterAll(() => seal.dispose());

  it('runs a correct circuit in lockstep and agrees with float64', () => {
    const sim = createSimBackend(params, { rotations });
    const ev = paired(seal, sim);
    const out = circuit(ev);
    const got = ev.decrypt(out);
    for (let k = 0; k < xs.length; k++) {
      const x = xs[k + 1] ?? 0;
      expect(got[k]).toBeCloseTo(3 * x * x, 3);
    }
    expect(ev.opCount).toBe(10);
    expect(ev.closest.ratio).toBeGreaterThan(0);
    expect(ev.closest.ratio).toBeLessThanOrEqual(1);
    expect(ev.closest.opIndex).toBeGreaterThanOrEqual(0);
    expect(ev.meta(out)).toEqual(sim.meta(sim.scope(() => circuit(sim))));
    ev.dispose();
    expect(seal.memory().ciphertexts).toBe(0);
    expect(sim.memory().ciphertexts).toBe(1);
    sim.dispose();
  });

  it('names the op where a backend multiplies by a wrong constant', () => {
    const sim = createSimBackend(params, { rotations });
    let calls = 0;
    // The second plain product uses 1.01 instead of the caller's constant.
    const buggy = planted(seal, {
      mulPlain: (a, values, scale) => seal.mulPlain(a, ++calls === 2 ? Array.from(values as Float64Array, (v) => v * 1.01) : values, scale),
    });
    const ev = paired(buggy, sim);
    const d = divergence(() => ev.scope(() => circuit(ev)));
    expect(d).toMatchObject({ opIndex: 7, op: 'mulPlain', source: 'encryption' });
    expect(d.operands).toEqual([{ level: 1, scale: expect.any(Number), degree: 1 }]);
    expect(d.ratio).toBeGreaterThan(100);
    expect(d.error).toBeCloseTo((d.ratio as number) * (d.bound as number), 12);
    const slot = d.slot as number;
    expect(d.actual?.[0]).toBeCloseTo((d.expected?.[0] as number) * 1.01, 3);
    expect(slot).toBeGreaterThanOrEqual(0);
    ev.dispose();
    expect(seal.memory().ciphertexts).toBe(0);
    sim.dispose();
  });

  it('names a rescale that only drops a prime (scale not divided)', () => {
    const sim = createSimBackend(params, { rotations });
    const buggy = planted(seal, { rescale: (a) => seal.dropLevelTo(a, a.level - 1) });
    const ev = paired(buggy, sim);
    const d = divergence(() => ev.scope(() => circuit(ev)));
    expect(d).toMatchObject({ opIndex: 3, op: 'rescale', source: 'metadata', operands: [{ level: 3, degree: 1 }] });
    expect(d.primary?.scale).toBe(2 ** 70);
    expect(d.reference?.scale).toBe(2 ** 70 / Number(params.primes[3]));
    ev.dispose();
    sim.dispose();
  });

  it('reports an op that throws on one backend only', () => {
    const sim = createSimBackend(params, { rotations });
    const buggy = planted(seal, {
      rotate: () => {
        throw new HeError('BACKEND_INTERNAL', 'planted');
      },
    });
    const ev = paired(buggy, sim);
    const d = divergence(() => ev.scope(() => circuit(ev)));
    expect(d).toMatchObject({ op: 'rotate', source: 'error-code', primaryCode: 'BACKEND_INTERNAL', referenceCode: 'none' });
    ev.dispose();
    expect(seal.memory().ciphertexts).toBe(0);
    sim.dispose();
  });

  it('attributes the error of a coarsely encoded constant to encoding', () => {
    const sim = createSimBackend(params, { rotations, noise: 'off' });
    const ev = paired(seal, sim, { tolerance: 1e-5 });
    const d = divergence(() => ev.scope(() => ev.mulPlain(ev.encrypt(1), 1 / 3, 2 ** 12)));
    expect(d).toMatchObject({ opIndex: 1, op: 'mulPlain', source: 'encoding' });
    // 1/3 at scale 2^12 rounds to 1365/4096.
    expect(d.encodingError).toBeCloseTo(1 / 3 - 1365 / 4096, 8);
    ev.dispose();
    sim.dispose();
  });

  it('refuses backends that cannot be paired', () => {
    const other = createSimBackend({ ringDegree: 8192, bitSizes: [45, 35, 35, 35, 45], scale: 2 ** 34 }, { rotations });
    expect(() => paired(seal, other)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    const keys = createSimBackend(params, { rotations: [1] });
    expect(() => paired(seal, keys)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    const silent = createSimBackend(params, { rotations, noise: 'off' });
    expect(() => paired(seal, silent)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    for (const b of [other, keys, silent]) b.dispose();
  });
});
