import * as zlib from 'node:zlib';
import type { Inflate } from './seal-bytes.js';

type Decompress = (data: Uint8Array, options: { maxOutputLength: number }) => Uint8Array;
// Node >= 22.15 has zstd; Node 20 does not, and zstd bodies are then refused, never handed to SEAL unread.
const zstd = (zlib as unknown as { zstdDecompressSync?: Decompress }).zstdDecompressSync;

/** Node's zlib (and zstd where present), stopping at `maxBytes` of output. */
export const nodeInflate: Inflate = (mode, data, maxBytes) => {
  const options = { maxOutputLength: Math.max(1, maxBytes) };
  if (mode === 1) return zlib.inflateSync(data, options);
  return zstd ? zstd(data, options) : null;
};
