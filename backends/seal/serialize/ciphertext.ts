/** Ciphertexts as envelopes around SEAL's own bytes, and a codec for containers (linalg objects). */
import type { Backend } from '../../../core/backend.js';
import type { Ciphertext } from '../../../core/handle.js';
import { scaleFits } from '../../../core/meta.js';
import { deserializeError, openEnvelope, paramsFingerprint, writeEnvelope, type CiphertextCodec } from '../../../core/serialize/index.js';
import { inflate } from '../platform.js';
import { sealPartsOf } from '../registry.js';
import { compressSealBytes, saveSeal, type SaveOptions } from './compression.js';
import { checkCiphertext } from './seal-bytes.js';

/** SEAL_CIPHERTEXT_SIZE_MAX - 1. */
const DEGREE_MAX = 15;

/** Serializes `ct` (any level and degree) with its level, scale and degree in the header. */
export function saveCiphertext(backend: Backend, ct: Ciphertext, options: SaveOptions = {}): Uint8Array {
  const { context, defined, seeds } = sealPartsOf(backend, 'saveCiphertext');
  const payload = defined.payload(ct, 'saveCiphertext', 'ct');
  // A fresh encryption under the secret key, when the backend keeps seeds: half the bytes (zstd is SEAL's to write: whole).
  const seeded = seeds?.get(payload);
  const { bytes, code } = seeded !== undefined && options.compression !== 'zstd'
    ? compressSealBytes(seeded, options, 'saveCiphertext')
    : saveSeal(context.seal, payload, options, 'saveCiphertext');
  return writeEnvelope({
    kind: 'ciphertext', fingerprint: paramsFingerprint(context.params), keySet: context.keySet(), compression: code,
    level: ct.level, degree: ct.degree, scale: ct.scale,
  }, bytes);
}

/**
 * Loads a ciphertext into `backend` (counted by `memory()`, scoped like any other handle).
 * Checks, in order and before SEAL sees a byte: the envelope (magic, version, kind, fingerprint,
 * key set, length, checksum), level within the chain, degree 1..15, scale finite, > 0 and within the
 * level's modulus, then SEAL's header and every field and coefficient of its body against
 * the same; after SEAL's load, its own level, size and scale against the header.
 * Throws DESERIALIZE naming the field.
 */
export function loadCiphertext(backend: Backend, bytes: Uint8Array): Ciphertext {
  const { context, defined } = sealPartsOf(backend, 'loadCiphertext');
  const { params } = context;
  const { header, body } = openEnvelope(bytes, { kinds: ['ciphertext'], fingerprint: paramsFingerprint(params), keySet: context.keySet() });
  const { level, degree, scale } = header;
  if (header.compression > 2) throw deserializeError('compression', `unknown compression ${header.compression}`);
  if (level > params.maxLevel) throw deserializeError('level', `level ${level} is outside the chain (0..${params.maxLevel})`, { level });
  if (degree < 1 || degree > DEGREE_MAX) throw deserializeError('degree', `degree ${degree} is outside 1..${DEGREE_MAX}`, { degree });
  if (!Number.isFinite(scale) || !scaleFits(params, scale, level)) {
    throw deserializeError('scale', `scale ${scale} is not a positive number that fits level ${level}`, { scale, level });
  }
  const checked = checkCiphertext(body, context.ring, { primeCount: level + 1, size: degree + 1 }, inflate);
  if (!Object.is(checked.scale, scale)) throw deserializeError('scale', `SEAL's scale ${checked.scale} differs from the header's ${scale}`, { scale, sealScale: checked.scale });
  if (body[5] !== header.compression) throw deserializeError('compression', 'the header and SEAL disagree on the compression');
  const ct = context.ciphertext();
  try {
    ct.loadArray(context.context, checked.seal);
  } catch (e) {
    ct.delete();
    throw deserializeError('body', 'SEAL refused data hekit had validated', { stage: 'seal' }, e);
  }
  if (ct.coeffModulusSize !== level + 1 || ct.size !== degree + 1 || !Object.is(ct.scale, scale) || !ct.isNttForm) {
    ct.delete();
    throw deserializeError('body', 'SEAL loaded a ciphertext whose metadata differs from the header');
  }
  return defined.adopt(ct, { level, scale, degree });
}

/** `saveCiphertext`/`loadCiphertext` on `backend` as a codec, for `linalg.saveEncrypted` and `loadEncrypted`. */
export function sealCiphertextCodec(backend: Backend, options: SaveOptions = {}): CiphertextCodec<Ciphertext> {
  const { context } = sealPartsOf(backend, 'sealCiphertextCodec');
  return {
    fingerprint: paramsFingerprint(context.params),
    keySet: context.keySet(),
    slots: context.params.slots,
    meta: (ct) => backend.meta(ct),
    save: (ct) => saveCiphertext(backend, ct, options),
    load: (bytes) => loadCiphertext(backend, bytes),
    free: (ct) => backend.free(ct),
  };
}
