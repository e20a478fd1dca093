/**
 * API tokens: `createToken` makes one for a new tenant and stores only its SHA-256 (tokens.json
 * in the data directory); `tenantOf` finds a token's tenant by comparing hashes in constant
 * time. A stolen tokens.json does not give a usable token.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { writeWhole } from './files.js';

/** One line of tokens.json: the tenant and the SHA-256 of its token, never the token. */
interface TokenEntry {
  readonly tenant: string;
  readonly sha256: string;
}

const file = (dataDir: string): string => join(dataDir, 'tokens.json');

function entries(dataDir: string): TokenEntry[] {
  return existsSync(file(dataDir)) ? (JSON.parse(readFileSync(file(dataDir), 'utf8')) as { tokens: TokenEntry[] }).tokens : [];
}

/** A new token for a new tenant, stored hashed under `dataDir`. The token is shown once: only its hash is kept. */
export function createToken(dataDir: string): { readonly token: string; readonly tenant: string } {
  const token = `hekit_${randomBytes(32).toString('base64url')}`;
  const tenant = `tenant-${randomBytes(6).toString('hex')}`;
  const all = [...entries(dataDir), { tenant, sha256: bytesToHex(sha256(utf8ToBytes(token))) }];
  writeWhole(file(dataDir), `${JSON.stringify({ tokens: all }, null, 1)}\n`);
  return { token, tenant };
}

/**
 * The tenant of `token`, or null for a token not in `dataDir`'s tokens.json. Reads the file on
 * every call, so a token created while the server runs works at once. Every stored hash is
 * compared, each in constant time.
 */
export function tenantOf(dataDir: string, token: string): string | null {
  const hash = sha256(utf8ToBytes(token));
  let found: string | null = null;
  for (const entry of entries(dataDir)) {
    if (timingSafeEqual(hash, hexToBytes(entry.sha256)) && found === null) found = entry.tenant;
  }
  return found;
}
