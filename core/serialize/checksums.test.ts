/**
 * The envelope's CRC-32 and the parameter fingerprint's SHA-256 come from libraries; Node's
 * own zlib and crypto are the oracles that pin them to the standard algorithms.
 */
import { createHash } from 'node:crypto';
import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { HeError } from '../errors.js';
import { HEADER_BYTES, openEnvelope, writeEnvelope } from './envelope.js';
import { paramsFingerprint } from './fingerprint.js';

const fingerprint = new Uint8Array(32).fill(3);
const keySet = new Uint8Array(32).fill(4);
const write = (body: Uint8Array) => writeEnvelope({ kind: 'colVector', fingerprint, keySet, rows: 4, cols: 1, unitHeight: 2, unitWidth: 2, count: 0 }, body);

describe('envelope CRC-32', () => {
  it.each([0, 1, 7, 8, 9, 4_099])('is zlib\'s CRC-32 of the header (checksum field zeroed) and a %i-byte body', (n) => {
    const body = Uint8Array.from({ length: n }, (_, i) => (i * 37 + 11) & 0xff);
    const bytes = write(body);
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    const zeroed = Uint8Array.from(bytes);
    zeroed.fill(0, 76, 80);
    expect(view.getUint32(76, true)).toBe(zlib.crc32(zeroed));
    expect(openEnvelope(bytes, { kinds: ['colVector'], fingerprint, keySet }).body).toEqual(body);
  });

  it('refuses a flipped bit in the header or the body as DESERIALIZE on field checksum', () => {
    const bytes = write(new Uint8Array(100).fill(5));
    // In the stored checksum itself, at the body's first byte and at its last.
    for (const at of [77, HEADER_BYTES, bytes.length - 1]) {
      const flipped = Uint8Array.from(bytes);
      flipped[at]! ^= 0x10;
      const error = (() => {
        try {
          openEnvelope(flipped, { kinds: ['colVector'], fingerprint, keySet });
        } catch (e) {
          return e;
        }
        return null;
      })();
      expect(error).toBeInstanceOf(HeError);
      expect((error as HeError).code).toBe('DESERIALIZE');
      expect((error as HeError).details.field).toBe('checksum');
    }
  });
});

describe('parameter fingerprint', () => {
  it('is the SHA-256 of the ring\'s canonical text', () => {
    const ring = { ringDegree: 8192, primes: [1_099_511_922_689n, 1_099_512_004_609n, 1_099_512_037_377n] };
    const text = `hekit/ckks/v1;N=8192;q=${ring.primes.join(',')}`;
    expect(Buffer.from(paramsFingerprint(ring)).toString('hex')).toBe(createHash('sha256').update(text).digest('hex'));
  });

  it('matches SHA-256 for texts of one to many 64-byte blocks', () => {
    for (const count of [1, 2, 3, 4, 40]) {
      const ring = { ringDegree: 1 << 15, primes: Array.from({ length: count }, (_, i) => 2n ** 40n + BigInt(i)) };
      const text = `hekit/ckks/v1;N=32768;q=${ring.primes.join(',')}`;
      expect(Buffer.from(paramsFingerprint(ring)).toString('hex')).toBe(createHash('sha256').update(text).digest('hex'));
    }
  });
});
