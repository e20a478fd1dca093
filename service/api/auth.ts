/**
 * Who is calling: `Authorization: Bearer TOKEN` names a tenant (a token from `hekit token
 * create`) or a worker (the secret the API server publishes in Redis). No or an unknown token
 * answers 401; a tenant's token on a worker route, or the workers' secret on a tenant route, 403.
 */
import { timingSafeEqual } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { tenantOf } from '../store/tokens.js';
import { HttpError } from './errors.js';

/** The caller a token names. */
export type Caller = { readonly kind: 'tenant'; readonly tenant: string } | { readonly kind: 'worker' };

/** The bearer token of an Authorization header; throws 401 when there is none. */
export function bearer(header: string | undefined): string {
  const m = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header ?? '');
  if (m === null) throw new HttpError(401, 'UNAUTHORIZED', 'send Authorization: Bearer TOKEN (hekit token create makes one)');
  return m[1]!;
}

/** The caller of `token` under `dataDir`, comparing with `workerSecret` in constant time; throws 401 for an unknown token. */
export function callerOf(dataDir: string, workerSecret: string, token: string): Caller {
  if (timingSafeEqual(sha256(utf8ToBytes(token)), sha256(utf8ToBytes(workerSecret)))) return { kind: 'worker' };
  const tenant = tenantOf(dataDir, token);
  if (tenant === null) throw new HttpError(401, 'UNAUTHORIZED', 'unknown token');
  return { kind: 'tenant', tenant };
}
