/** The envelope's key-set field (format version 2): written, required, compared, and version 1 refused. */
import { crc32 } from '@foxglove/crc';
import { describe, expect, it } from 'vitest';
import { ENVELOPE_VERSION, HEADER_BYTES, openEnvelope, writeEnvelope } from './envelope.js';

const fingerprint = new Uint8Array(32).fill(3);
const keySet = new Uint8Array(32).fill(4);
const other = new Uint8Array(32).fill(5);
const ct = writeEnvelope({ kind: 'ciphertext', fingerprint, keySet, level: 1, degree: 1, scale: 2 ** 20 }, new Uint8Array(8));
const fails = (f: () => unknown, code: string, field: string) => expect(f).toThrow(expect.objectContaining({ code, details: expect.objectContaining({ field }) }));

/** `bytes` with `edit` applied and the checksum recomputed, as a forger would. */
function forged(bytes: Uint8Array, edit: (b: Uint8Array, v: DataView) => void): Uint8Array {
  const b = bytes.slice();
  const v = new DataView(b.buffer);
  edit(b, v);
  v.setUint32(76, 0, true);
  v.setUint32(76, crc32(b), true);
  return b;
}

describe('envelope key set (format version 2)', () => {
  it('has a 128-byte header whose last 32 bytes are the key set', () => {
    expect(ENVELOPE_VERSION).toBe(2);
    expect(HEADER_BYTES).toBe(128);
    expect(ct.subarray(96, 128)).toEqual(keySet);
    expect(openEnvelope(ct, { kinds: ['ciphertext'], fingerprint, keySet }).header.keySet).toEqual(keySet);
    expect(openEnvelope(ct, { kinds: ['ciphertext'], fingerprint, keySet: null }).header.keySet).toEqual(keySet);
  });

  it('refuses another key set with DESERIALIZE on field keySet', () => {
    fails(() => openEnvelope(ct, { kinds: ['ciphertext'], fingerprint, keySet: other }), 'DESERIALIZE', 'keySet');
  });

  it('refuses to write a key-bound kind without a key set, or parameters with one (INVALID_ARGUMENT)', () => {
    fails(() => writeEnvelope({ kind: 'ciphertext', fingerprint, level: 1, degree: 1, scale: 2 }, new Uint8Array(0)), 'INVALID_ARGUMENT', 'keySet');
    fails(() => writeEnvelope({ kind: 'params', fingerprint, keySet }, new Uint8Array(0)), 'INVALID_ARGUMENT', 'keySet');
  });

  it('refuses a key set in parameters, even with the checksum recomputed', () => {
    const params = writeEnvelope({ kind: 'params', fingerprint }, new Uint8Array(2));
    fails(() => openEnvelope(forged(params, (b) => b.set(keySet, 96)), { kinds: ['params'], fingerprint, keySet: null }), 'DESERIALIZE', 'keySet');
  });

  it('refuses version 1 objects (no key set) on field version, saying why', () => {
    const v1 = forged(ct, (_, v) => v.setUint16(4, 1, true));
    fails(() => openEnvelope(v1, { kinds: ['ciphertext'], fingerprint, keySet }), 'DESERIALIZE', 'version');
    expect(() => openEnvelope(v1, { kinds: ['ciphertext'], fingerprint, keySet })).toThrow(/not bound to a key pair/);
  });
});
