/**
 * Wrong argument types at the public entry points are typed errors naming the argument, the
 * same on the simulator and SEAL (issue 20 item 5): never a TypeError from inside.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSealBackend, createSealClientBackend, createSealServerBackend, exportServerKeys } from '../backends/seal/index.js';
import { createSimBackend } from '../backends/sim/index.js';
import type { Backend } from './backend.js';
import { HeError } from './errors.js';

const LITERAL = { ringDegree: 4096, bitSizes: [30, 25, 54], scale: 2 ** 25 };
const bad = <T>(x: unknown): T => x as T;

/** The HeError `f` throws or rejects with (a TypeError fails the test). */
async function refusal(f: () => unknown): Promise<{ code: string; argument: unknown }> {
  try {
    const made = await f();
    (made as Backend | undefined)?.dispose?.();
  } catch (e) {
    if (!(e instanceof HeError)) throw e;
    return { code: e.code, argument: e.details['argument'] };
  }
  throw new Error('expected a refusal');
}

describe.each(['sim', 'seal'] as const)('argument checks on %s', (name) => {
  let b: Backend;
  beforeAll(async () => {
    b = name === 'sim' ? createSimBackend(LITERAL) : await createSealBackend(LITERAL);
  });
  afterAll(() => b.dispose());
  const create = name === 'sim' ? createSimBackend : createSealBackend;

  it.each([
    ['meta(null)', () => b.meta(bad(null)), 'x'],
    ['meta(1)', () => b.meta(bad(1)), 'x'],
    ['encrypt(1, null)', () => b.encrypt(1, bad(null)), 'options'],
    ['scope(null)', () => b.scope(bad(null)), 'fn'],
    ['create(null)', () => create(bad(null)), 'params'],
    ["create('8192')", () => create(bad('8192')), 'params'],
    ['create(literal, null)', () => create(LITERAL, bad(null)), 'options'],
  ])('%s is INVALID_ARGUMENT naming the argument', async (_, f, argument) => {
    expect(await refusal(f)).toEqual({ code: 'INVALID_ARGUMENT', argument });
  });

  it('an op given something other than a live Ciphertext names the operand (a, b, x) as well as the op', async () => {
    const ct = b.encrypt(1);
    const gone = b.encrypt(2);
    b.free(gone);
    const other = name === 'sim' ? createSimBackend(LITERAL) : await createSealBackend(LITERAL);
    const foreign = other.encrypt(3);
    try {
      const cases: [string, (v: unknown) => unknown, string][] = [
        ['add', (v) => b.add(bad(v), ct), 'a'], ['add', (v) => b.add(ct, bad(v)), 'b'],
        ['sub', (v) => b.sub(ct, bad(v)), 'b'], ['mul', (v) => b.mul(bad(v), ct), 'a'], ['mul', (v) => b.mul(ct, bad(v)), 'b'],
        ['neg', (v) => b.neg(bad(v)), 'a'], ['square', (v) => b.square(bad(v)), 'a'], ['relinearize', (v) => b.relinearize(bad(v)), 'a'],
        ['rescale', (v) => b.rescale(bad(v)), 'a'], ['dropLevelTo', (v) => b.dropLevelTo(bad(v), 0), 'a'], ['rotate', (v) => b.rotate(bad(v), 1), 'a'],
        ['addPlain', (v) => b.addPlain(bad(v), 1), 'a'], ['mulPlain', (v) => b.mulPlain(bad(v), 1), 'a'],
        ['decrypt', (v) => b.decrypt(bad(v)), 'x'], ['free', (v) => b.free(bad(v)), 'x'], ['keep', (v) => b.keep(bad(v)), 'ct'],
      ];
      for (const [op, f, argument] of cases) {
        for (const [value, code] of [[null, 'INVALID_ARGUMENT'], [1, 'INVALID_ARGUMENT'], [foreign, 'FOREIGN_HANDLE'], [gone, 'DISPOSED']] as const) {
          // free() of a disposed handle is a no-op (free is idempotent).
          if (op === 'free' && value === gone) continue;
          let error: unknown;
          try {
            f(value);
          } catch (e) {
            error = e;
          }
          expect(error, `${op}(${argument} = ${String(value)})`).toBeInstanceOf(HeError);
          expect((error as HeError).code, `${op}(${argument} = ${String(value)})`).toBe(code);
          expect((error as HeError).details, `${op}(${argument} = ${String(value)})`).toMatchObject({ op, argument });
        }
      }
    } finally {
      other.dispose();
      b.free(ct);
    }
  });

  it('scaleFloor: 0 turns the floor off, a higher one refuses more, a bad one is INVALID_ARGUMENT', async () => {
    const off = await create(LITERAL, { scaleFloor: 0 });
    const strict = await create(LITERAL, { scaleFloor: 2 ** 30 });
    try {
      expect(off.encrypt(1, { scale: 0.5 }).scale).toBe(0.5);
      expect(await refusal(() => strict.encrypt(1))).toEqual({ code: 'SCALE_OUT_OF_BOUNDS', argument: undefined });
      expect(await refusal(() => b.encrypt(1, { scale: 2 ** 9 }))).toEqual({ code: 'SCALE_OUT_OF_BOUNDS', argument: undefined });
    } finally {
      off.dispose();
      strict.dispose();
    }
    for (const scaleFloor of [-1, NaN, '1024']) expect(await refusal(() => create(LITERAL, { scaleFloor: bad(scaleFloor) }))).toEqual({ code: 'INVALID_ARGUMENT', argument: 'scaleFloor' });
  });

  it('create({}) is PARAMS_INVALID, listing the problems', async () => {
    expect((await refusal(() => create(bad({})))).code).toBe('PARAMS_INVALID');
  });
});

describe('keyed SEAL backends refuse bad options and a missing secret key at creation', () => {
  let keys: Uint8Array;
  beforeAll(async () => {
    const client = await createSealBackend(LITERAL);
    keys = exportServerKeys(client);
    client.dispose();
  });

  it.each([
    ["server galoisKeys: 'x'", () => createSealServerBackend(keys, { galoisKeys: bad('x') }), 'INVALID_ARGUMENT', 'galoisKeys'],
    ['server options null', () => createSealServerBackend(keys, bad(null)), 'INVALID_ARGUMENT', 'options'],
    ['server params: {}', () => createSealServerBackend(keys, { params: bad({}) }), 'PARAMS_INVALID', undefined],
    ['server params: 8192', () => createSealServerBackend(keys, { params: bad(8192) }), 'INVALID_ARGUMENT', 'params'],
    ['client secret null', () => createSealClientBackend(keys, bad(null)), 'INVALID_ARGUMENT', 'secretKey'],
    ['client secret undefined', () => createSealClientBackend(keys, bad(undefined)), 'INVALID_ARGUMENT', 'secretKey'],
    ["client secret ''", () => createSealClientBackend(keys, bad('')), 'INVALID_ARGUMENT', 'secretKey'],
  ])('%s', async (_, f, code, argument) => {
    expect(await refusal(f)).toEqual({ code, argument });
  });
});
