/**
 * Ciphertexts moving between the pool's own threads: SEAL's uncompressed bytes, without hekit's
 * envelope and JavaScript checks. Only a sibling thread of this process made them, so the checks
 * that guard against hostile input (CRC, fingerprint, every coefficient) would only cost time:
 * a 7 MiB ciphertext at N = 32768 took 33 ms to save and 25 ms to load through the envelope,
 * 6.3 and 1.7 ms this way. SEAL's own load still validates what it reads.
 */
import type { Backend } from '../../../core/backend.js';
import type { Ciphertext } from '../../../core/handle.js';
import { fromSeal } from '../errors.js';
import { sealPartsOf } from '../registry.js';

/** `ct`'s bytes for another thread of the pool. */
export function sendCiphertext(backend: Backend, ct: Ciphertext): Uint8Array {
  const { context, defined } = sealPartsOf(backend, 'pool transfer');
  try {
    return defined.payload(ct, 'pool transfer').saveArray(context.seal.ComprModeType.none as never);
  } catch (e) {
    throw fromSeal('pool transfer', e);
  }
}

/** A ciphertext from `sendCiphertext` bytes, with the level, scale and degree SEAL read. */
export function receiveCiphertext(backend: Backend, bytes: Uint8Array): Ciphertext {
  const { context, defined } = sealPartsOf(backend, 'pool transfer');
  const ct = context.ciphertext();
  try {
    ct.loadArray(context.context, bytes);
  } catch (e) {
    ct.delete();
    throw fromSeal('pool transfer', e);
  }
  return defined.adopt(ct, { level: context.levelOf(ct), scale: ct.scale, degree: ct.size - 1 });
}
