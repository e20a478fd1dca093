import { describe, expect, it } from 'vitest';
import { openBundle, writeBundle } from './bundle.js';
import { openEnvelope, writeEnvelope } from './envelope.js';

const fp = new Uint8Array(32).fill(7);
const other = new Uint8Array(32).fill(8);
const entry = (rows: number) => writeEnvelope({ kind: 'colVector', fingerprint: fp, rows, cols: 1, unitHeight: 2, unitWidth: 2, count: 0 }, new Uint8Array(0));

describe('bundles', () => {
  it('round-trip named entries and integer fields, in order', () => {
    const bytes = writeBundle(fp, { round: 3, step: 12 }, [['X1*', entry(5)], ['w', entry(6)]]);
    expect(bytes[6]).toBe(11);
    const { fields, entries } = openBundle(bytes, fp, ['colVector']);
    expect(fields).toEqual({ round: 3, step: 12 });
    expect([...entries.keys()]).toEqual(['X1*', 'w']);
    expect(openEnvelope(entries.get('w')!, { kinds: ['colVector'], fingerprint: fp }).header.rows).toBe(6);
  });

  it.each([
    ['a repeated name', () => writeBundle(fp, {}, [['w', entry(1)], ['w', entry(1)]])],
    ['a bad name', () => writeBundle(fp, {}, [['w/1', entry(1)]])],
    ['a negative field', () => writeBundle(fp, { round: -1 }, [])],
    ['a fractional field', () => writeBundle(fp, { round: 0.5 }, [])],
  ])('refuses to write %s (INVALID_ARGUMENT)', (_, f) => {
    expect(f).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  const good = writeBundle(fp, { round: 1 }, [['w', entry(1)]]);
  /** A bundle whose body is `body`, with a valid checksum. */
  const forged = (manifest: string, ...entries: Uint8Array[]) => forgedCount(manifest, entries.length, ...entries);
  const forgedCount = (manifest: string, count: number, ...entries: Uint8Array[]) => {
    const m = new TextEncoder().encode(manifest);
    const length = new Uint8Array(4);
    new DataView(length.buffer).setUint32(0, m.length, true);
    return writeEnvelope({ kind: 'bundle', fingerprint: fp, count }, [length, m, ...entries]);
  };
  it.each([
    ['foreign parameters', () => openBundle(good, other, ['colVector']), 'fingerprint'],
    ['an entry of a kind not accepted', () => openBundle(good, fp, ['matrix']), 'kind'],
    ['a truncated bundle', () => openBundle(good.subarray(0, good.length - 1), fp, ['colVector']), 'bodyLength'],
    ['a manifest that is not JSON', () => openBundle(forged('{"fields":', entry(1)), fp, ['colVector']), 'manifest'],
    ['a manifest with extra keys', () => openBundle(forged('{"fields":{},"names":["w"],"x":1}', entry(1)), fp, ['colVector']), 'manifest'],
    ['a manifest naming fewer entries than counted', () => openBundle(forged('{"fields":{},"names":[]}', entry(1)), fp, ['colVector']), 'count'],
    ['a repeated name', () => openBundle(forged('{"fields":{},"names":["w","w"]}', entry(1), entry(1)), fp, ['colVector']), 'manifest'],
    ['a field that is not an integer', () => openBundle(forged('{"fields":{"round":"1"},"names":["w"]}', entry(1)), fp, ['colVector']), 'manifest'],
    ['a __proto__ field', () => openBundle(forged('{"fields":{"__proto__":1},"names":["w"]}', entry(1)), fp, ['colVector']), 'manifest'],
    ['bytes after the last entry', () => openBundle(forgedCount('{"fields":{},"names":["w"]}', 1, entry(1), new Uint8Array(3)), fp, ['colVector']), 'bodyLength'],
  ])('refuses %s with DESERIALIZE naming the field', (_, f, field) => {
    expect(f).toThrow(expect.objectContaining({ code: 'DESERIALIZE', details: expect.objectContaining({ field }) }));
  });
});
