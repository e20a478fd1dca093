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
