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
