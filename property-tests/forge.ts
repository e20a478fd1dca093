import { crc32 } from '@foxglove/crc';
import { KIND_CODES } from '../core/index.js';
import { HEADER_BYTES } from '../core/serialize/index.js';

/**
 * `bytes` (an envelope, or a serverKeys envelope of envelopes) with every checksum recomputed, as
 * a forger would, and with `keySet` every key set replaced by it first.
 */
export function resealed(bytes: Uint8Array, keySet?: Uint8Array): Uint8Array {
  const out = bytes.slice();
  const reseal = (at: number, end: number): void => {
    const view = new DataView(out.buffer, out.byteOffset + at);
    if (view.getUint8(6) === KIND_CODES.serverKeys) {
      for (let inner = at + HEADER_BYTES; inner < end;) {
        const next = inner + HEADER_BYTES + Number(new DataView(out.buffer, out.byteOffset + inner).getBigUint64(80, true));
        reseal(inner, next);
        inner = next;
      }
    }
    if (keySet !== undefined && view.getUint8(6) !== KIND_CODES.params) out.set(keySet, at + 96);
    view.setUint32(76, 0, true);
    view.setUint32(76, crc32(out.subarray(at, end)), true);
  };
  reseal(0, out.length);
  return out;
}
