import { describe, expect, it } from 'vitest';
import { openBundle, writeBundle } from './bundle.js';
import { openEnvelope, writeEnvelope } from './envelope.js';

const fp = new Uint8Array(32).fill(7);
const other = new Uint8Array(32).fill(8);
const keySet = new Uint8Array(32).fill(9);
const owner = { fingerprint: fp, keySet };
const entry = (rows: number, ks = keySet) => writeEnvelope({ kind: 'colVector', fingerprint: fp, keySet: ks, rows, cols: 1, unitHeight: 2, unitWidth: 2, count: 0 }, new Uint8Array(0));

describe('bundles', () => {
  it('round-trip named entries and integer fields, in order', () => {
    const bytes = writeBundle(owner, { round: 3, step: 12 }, [['X1*', entry(5)], ['w', entry(6)]]);
    expect(bytes[6]).toBe(11);
    const { fields, entries } = openBundle(bytes, owner, ['colVector']);
    expect(fields).toEqual({ round: 3, step: 12 });
    expect([...entries.keys()]).toEqual(['X1*', 'w']);
    expect(openEnvelope(entries.get('w')!, { kinds: ['colVector'], fingerprint: fp, keySet }).header.rows).toBe(6);
  });

  it.each([
    ['a repeated name', () => writeBundle(owner, {}, [['w', entry(1)], ['w', entry(1)]])],
    ['a bad name', () => writeBundle(owner, {}, [['w/1', entry(1)]])],
    ['a negative field', () => writeBundle(owner, { round: -1 }, [])],
    ['a fractional field', () => writeBundle(owner, { round: 0.5 }, [])],
  ])('refuses to write %s (INVALID_ARGUMENT)', (_, f) => {
    expect(f).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  const good = writeBundle(owner, { round: 1 }, [['w', entry(1)]]);
  const plan = new Uint8Array(32).fill(0xab);
  const bound = writeBundle(owner, { round: 1 }, [['w', entry(1)]], plan);
  it('round-trips a binding', () => {
    expect(openBundle(bound, owner, ['colVector'], plan).fields).toEqual({ round: 1 });
  });
  /** A bundle whose body is `body`, with a valid checksum. */
  const forged = (manifest: string, ...entries: Uint8Array[]) => forgedCount(manifest, entries.length, ...entries);
  const forgedCount = (manifest: string, count: number, ...entries: Uint8Array[]) => {
    const m = new TextEncoder().encode(manifest);
    const length = new Uint8Array(4);
    new DataView(length.buffer).setUint32(0, m.length, true);
    return writeEnvelope({ kind: 'bundle', fingerprint: fp, keySet, count }, [length, m, ...entries]);
  };
  it.each([
    ['foreign parameters', () => openBundle(good, { fingerprint: other, keySet }, ['colVector']), 'fingerprint'],
    ['an entry of a kind not accepted', () => openBundle(good, owner, ['matrix']), 'kind'],
    ['a truncated bundle', () => openBundle(good.subarray(0, good.length - 1), owner, ['colVector']), 'bodyLength'],
    ['a manifest that is not JSON', () => openBundle(forged('{"fields":', entry(1)), owner, ['colVector']), 'manifest'],
    ['a manifest with extra keys', () => openBundle(forged('{"fields":{},"names":["w"],"x":1}', entry(1)), owner, ['colVector']), 'manifest'],
    ['a manifest naming fewer entries than counted', () => openBundle(forged('{"fields":{},"names":[]}', entry(1)), owner, ['colVector']), 'count'],
    ['a repeated name', () => openBundle(forged('{"fields":{},"names":["w","w"]}', entry(1), entry(1)), owner, ['colVector']), 'manifest'],
    ['a field that is not an integer', () => openBundle(forged('{"fields":{"round":"1"},"names":["w"]}', entry(1)), owner, ['colVector']), 'manifest'],
    ['a __proto__ field', () => openBundle(forged('{"fields":{"__proto__":1},"names":["w"]}', entry(1)), owner, ['colVector']), 'manifest'],
    ['another key set', () => openBundle(good, { fingerprint: fp, keySet: other }, ['colVector']), 'keySet'],
    ['an entry of another key set', () => openBundle(writeBundle(owner, {}, [['w', entry(1, other)]]), owner, ['colVector']), 'keySet'],
    ['a binding where none is expected', () => openBundle(bound, owner, ['colVector']), 'binding'],
    ['no binding where one is expected', () => openBundle(good, owner, ['colVector'], plan), 'binding'],
    ['another binding', () => openBundle(bound, owner, ['colVector'], other), 'binding'],
    ['a binding that is not hex', () => openBundle(forged('{"fields":{},"names":["w"],"binding":"xyz"}', entry(1)), owner, ['colVector']), 'manifest'],
    ['bytes after the last entry', () => openBundle(forgedCount('{"fields":{},"names":["w"]}', 1, entry(1), new Uint8Array(3)), owner, ['colVector']), 'bodyLength'],
  ])('refuses %s with DESERIALIZE naming the field', (_, f, field) => {
    expect(f).toThrow(expect.objectContaining({ code: 'DESERIALIZE', details: expect.objectContaining({ field }) }));
  });
});
