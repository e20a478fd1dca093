import { describe, expect, it } from 'vitest';
import { createSimBackend } from '../backends/sim/index.js';
import { defineBackend, type Backend } from './backend.js';
import { HeError } from './errors.js';
import { thrown } from '../property-tests/thrown.js';
import type { Kernels } from './kernels.js';
import type { CtMeta } from './meta.js';
import { createParams } from './params/index.js';

const params = createParams({ ringDegree: 4096, bitSizes: [30, 25, 54], scale: 2 ** 25 });

/** A toy backend over plain arrays, with hooks to misbehave. */
function toyBackend(options: { lieAbout?: 'scale' | 'level'; failOn?: string } = {}): { backend: Backend; freed: () => number } {
  let freed = 0;
  const same = (a: Float64Array) => Float64Array.from(a);
  const fail = (op: string) => {
    if (options.failOn === op) throw new Error(`toy ${op} exploded`);
  };
  const state = new WeakMap<Float64Array, CtMeta>();
  const tag = (v: Float64Array, out: CtMeta) => (state.set(v, out), v);
  const kernels: Kernels<Float64Array> = {
    encrypt: (v, out) => (fail('encrypt'), tag(same(v), out)),
    decrypt: (x) => same(x),
    add: (a, b, out) => tag(a.map((v, i) => v + (b[i] as number)), out),
    sub: (a, b, out) => tag(a.map((v, i) => v - (b[i] as number)), out),
    neg: (a, out) => tag(a.map((v) => -v), out),
    addPlain: (a, p, out) => tag(a.map((v, i) => v + (p[i] as number)), out),
    mulPlain: (a, p, _s, out) => tag(a.map((v, i) => v * (p[i] as number)), out),
    mul: (a, b, out) => (fail('mul'), tag(a.map((v, i) => v * (b[i] as number)), out)),
    square: (a, out) => tag(a.map((v) => v * v), out),
    relinearize: (a, out) => tag(same(a), out),
    rescale: (a, out) => tag(same(a), out),
    dropLevelTo: (a, out) => tag(same(a), out),
    rotate: (a, step, _t, out) => tag(a.map((_, k) => a[(k + step + a.length) % a.length] as number), out),
    copy: (a, out) => tag(same(a), out),
    free: () => void freed++,
    close: () => {},
    inspect: (a) => {
      const m = state.get(a) as CtMeta;
      if (options.lieAbout === 'scale' && m.level < params.maxLevel) return { ...m, scale: m.scale * (1 + Number.EPSILON) };
      if (options.lieAbout === 'level' && m.degree === 2) return { ...m, level: m.level - 1 };
      return m;
    },
  };
  const { backend } = defineBackend({
    name: 'toy', params, rotations: [1], capabilities: { encrypts: false, predictsNoise: false }, kernels, verify: true,
  });
  return { backend, freed: () => freed };
}

describe('checked layer', () => {
  it('verify mode: a backend reporting a different scale or level is a DIVERGENCE, and the result is freed', () => {
    const { backend, freed } = toyBackend({ lieAbout: 'scale' });
    const x = backend.encrypt([1, 2]);
    const err = thrown(() => backend.rescale(backend.mul(x, x)));
    expect(err.code).toBe('DIVERGENCE');
    expect(err.details).toMatchObject({ op: 'rescale', predicted: { level: 0 }, actual: { level: 0 } });
    expect(freed()).toBe(1);
    const lying = toyBackend({ lieAbout: 'level' }).backend;
    const y = lying.encrypt([1]);
    expect(() => lying.mul(y, y)).toThrow(expect.objectContaining({ code: 'DIVERGENCE' }));
  });

  it('wraps unknown kernel failures in BACKEND_INTERNAL with the original as cause', () => {
    const { backend } = toyBackend({ failOn: 'mul' });
    const x = backend.encrypt([1]);
    const err = thrown(() => backend.mul(x, x));
    expect(err.code).toBe('BACKEND_INTERNAL');
    expect((err.cause as Error).message).toBe('toy mul exploded');
    expect(backend.memory().ciphertexts).toBe(1);
  });

  it('counts ops, key switches, rotation steps and depth', () => {
    const { backend } = toyBackend();
    const x = backend.encrypt([1, 2, 3]);
    const y = backend.rescale(backend.relinearize(backend.mul(x, x)));
    backend.rotate(y, 1);
    backend.rotate(y, 0);
    const s = backend.stats();
    expect(s.ops).toMatchObject({ encrypt: 1, mul: 1, relinearize: 1, rescale: 1, rotate: 2 });
    expect(s.keySwitches).toBe(2);
    expect(s.rotationSteps).toEqual([1]);
    expect(s.depth).toBe(1);
    backend.resetStats();
    expect(backend.stats().keySwitches).toBe(0);
  });

  it('scope frees what is not returned, moves survivors to the enclosing scope, honours keep, and frees on throw', () => {
    const ev = createSimBackend(params);
    let kept;
    const outer = ev.scope(() => {
      const inner = ev.scope(() => {
        const a = ev.encrypt([1]);
        ev.encrypt([2]);
        kept = ev.keep(ev.encrypt([3]));
        return { result: [a] };
      });
      expect(ev.memory().ciphertexts).toBe(2);
      ev.encrypt([4]);
      return inner.result[0];
    });
    expect(ev.memory().ciphertexts).toBe(2);
    expect(outer?.disposed).toBe(false);
    expect(() => ev.scope(() => { ev.encrypt([5]); throw new Error('boom'); })).toThrow('boom');
    expect(ev.memory().ciphertexts).toBe(2);
    expect(() => ev.scope(async () => ev.encrypt([6]))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(ev.memory()).toEqual({ ciphertexts: 2, peakCiphertexts: 3 });
    ev.dispose();
    expect(kept).toMatchObject({ disposed: true });
    expect(() => ev.encrypt([1])).toThrow(expect.objectContaining({ code: 'DISPOSED' }));
  });

  it('checks a plaintext in SEAL’s order: encode scale, encoded values, then the level it is switched to', () => {
    const ev = createSimBackend(params);
    // Values too large at a scale that also misses level 0: SEAL's encoder complains first.
    expect(thrown(() => ev.encrypt(2 ** 40, { level: 0, scale: 2 ** 45 })).code).toBe('VALUES_TOO_LARGE');
    expect(thrown(() => ev.encrypt(1, { level: 0, scale: 2 ** 45 })).code).toBe('SCALE_OUT_OF_BOUNDS');
    expect(thrown(() => ev.encrypt(2 ** 40, { scale: 2 ** 200 })).code).toBe('SCALE_OUT_OF_BOUNDS');
  });

  it('refuses non-finite or too many values, and invalid rotation keys, with clear codes', () => {
    const ev = createSimBackend(params);
    expect(() => ev.encrypt([1, Number.NaN])).toThrow(expect.objectContaining({ code: 'INVALID_VALUES', details: expect.objectContaining({ index: 1 }) }));
    // Float64Arrays are checked four values at a time: the first bad one is still the one named.
    for (const bad of [[5, 6], [8], [9, 10, 11]]) {
      const values = Float64Array.from({ length: 13 }, (_, i) => (bad.includes(i) ? (i % 2 ? Number.POSITIVE_INFINITY : Number.NaN) : i));
      expect(thrown(() => ev.encrypt(values))).toMatchObject({ code: 'INVALID_VALUES', details: { index: bad[0] } });
    }
    expect(() => ev.encrypt(new Float64Array(params.slots + 1))).toThrow(expect.objectContaining({ code: 'INVALID_VALUES' }));
    expect(() => ev.encrypt('x' as unknown as number[])).toThrow(expect.objectContaining({ code: 'INVALID_VALUES' }));
    expect(() => createSimBackend(params, { rotations: [0] })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => createSimBackend(params, { rotations: [params.slots] })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => createSimBackend(params, { rotations: [1.5] })).toThrow(HeError);
  });
});
