import type { CkksParams } from '../params/index.js';
import { sha256 } from '@noble/hashes/sha2.js';

/**
 * SHA-256 of the ring: N and every prime in SEAL order, as `hekit/ckks/v1;N=...;q=p0,p1,...`.
 * The same data SEAL's parms_id covers: objects made under equal rings are interchangeable,
 * whatever the default scale or the security level asked for (those are policy, not ring).
 */
export function paramsFingerprint(params: Pick<CkksParams, 'ringDegree' | 'primes'>): Uint8Array {
  const text = `hekit/ckks/v1;N=${params.ringDegree};q=${params.primes.join(',')}`;
  return sha256(new TextEncoder().encode(text));
}

/**
 * SHA-256 identifying a key pair: `hekit/keyset/v1`, the parameter fingerprint, then the public
 * key's bytes as SEAL writes them uncompressed. The public key is made from the secret key, so
 * equal key sets mean one key pair; every envelope that depends on keys carries this value and
 * loaders refuse another (DESERIALIZE on field `keySet`). An identifier, not an authenticator:
 * it catches objects mixed across key pairs, not a forger who copies it.
 */
export function keySetFingerprint(paramsFp: Uint8Array, publicKeyBytes: Uint8Array): Uint8Array {
  const h = sha256.create();
  h.update(new TextEncoder().encode('hekit/keyset/v1;'));
  h.update(paramsFp);
  h.update(publicKeyBytes);
  return h.digest();
}

/** SHA-256 of `text` as UTF-8: a fingerprint of a canonical description (a training plan's, for example). */
export function textFingerprint(text: string): Uint8Array {
  return sha256(new TextEncoder().encode(text));
}
