/**
 * Content-addressed storage of the service's uploads (keys, round requests, replies): a blob's
 * id is the SHA-256 of its bytes, so storing the same bytes twice stores them once and a
 * retried upload is harmless. The API server owns the store; workers reach it over HTTP. Each
 * blob has a time, its last `put`, so that retention (retention.ts) never removes a blob just
 * stored for a job that does not name it yet.
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { writeWhole } from './files.js';

/** Where blobs live: the disk here; an object store can implement the same calls. */
export interface BlobStore {
  /** Stores `bytes` (or, when stored already, sets their time to now) and returns their id (lowercase hex SHA-256). */
  put(bytes: Uint8Array): Promise<string>;
  /** The bytes of blob `id`, or null when there is none. */
  get(id: string): Promise<Uint8Array | null>;
  /** Whether blob `id` is stored. */
  has(id: string): Promise<boolean>;
  /** The ids of every stored blob. */
  ids(): Promise<string[]>;
  /** Removes blob `id` if its last `put` was before `beforeMs` (ms since the epoch), in one step; whether it did. */
  removeIfOlder(id: string, beforeMs: number): Promise<boolean>;
}

/** Options of `createDiskBlobStore`. */
export interface DiskBlobStoreOptions {
  /** The clock, in ms since the epoch (default `Date.now`): a blob's time is the file's mtime, set from it. */
  readonly now?: () => number;
}

/** The id `BlobStore.put` gives `bytes`. */
export const blobId = (bytes: Uint8Array): string => bytesToHex(sha256(bytes));

const ID = /^[0-9a-f]{64}$/;

/** Blobs as files under `dir`, fanned out by their first two hex digits; each written whole or not at all. */
export function createDiskBlobStore(dir: string, options: DiskBlobStoreOptions = {}): BlobStore {
  // Only well-formed ids reach the file system: an id is never a path.
  const path = (id: string): string | null => (ID.test(id) ? join(dir, id.slice(0, 2), id) : null);
  const now = options.now ?? Date.now;
  return {
    async put(bytes) {
      const id = blobId(bytes);
      const file = path(id)!;
      if (!existsSync(file)) writeWhole(file, bytes);
      const seconds = now() / 1000;
      utimesSync(file, seconds, seconds);
      return id;
    },
    async get(id) {
      const file = path(id);
      return file !== null && existsSync(file) ? new Uint8Array(readFileSync(file)) : null;
    },
    async has(id) {
      const file = path(id);
      return file !== null && existsSync(file);
    },
    async ids() {
      if (!existsSync(dir)) return [];
      return readdirSync(dir).filter((d) => /^[0-9a-f]{2}$/.test(d)).flatMap((d) => readdirSync(join(dir, d)).filter((f) => ID.test(f) && f.startsWith(d)));
    },
    async removeIfOlder(id, beforeMs) {
      // Synchronous check and removal: a put of the same bytes cannot slip in between.
      const file = path(id);
      if (file === null || !existsSync(file) || statSync(file).mtimeMs >= beforeMs) return false;
      rmSync(file);
      return true;
    },
  };
}
