/**
 * Content-addressed storage of the service's uploads (keys, round requests, replies): a blob's
 * id is the SHA-256 of its bytes, so storing the same bytes twice stores them once and a
 * retried upload is harmless. The API server owns the store; workers reach it over HTTP.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { writeWhole } from './files.js';

/** Where blobs live: the disk here; an object store can implement the same three calls. */
export interface BlobStore {
  /** Stores `bytes` and returns their id (lowercase hex SHA-256). */
  put(bytes: Uint8Array): Promise<string>;
  /** The bytes of blob `id`, or null when there is none. */
  get(id: string): Promise<Uint8Array | null>;
  /** Whether blob `id` is stored. */
  has(id: string): Promise<boolean>;
}

/** The id `BlobStore.put` gives `bytes`. */
export const blobId = (bytes: Uint8Array): string => bytesToHex(sha256(bytes));

const ID = /^[0-9a-f]{64}$/;

/** Blobs as files under `dir`, fanned out by their first two hex digits; each written whole or not at all. */
export function createDiskBlobStore(dir: string): BlobStore {
  // Only well-formed ids reach the file system: an id is never a path.
  const path = (id: string): string | null => (ID.test(id) ? join(dir, id.slice(0, 2), id) : null);
  return {
    async put(bytes) {
      const id = blobId(bytes);
      const file = path(id)!;
      if (!existsSync(file)) writeWhole(file, bytes);
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
  };
}
