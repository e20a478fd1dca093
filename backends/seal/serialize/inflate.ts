import * as zlib from 'node:zlib';
import type { Inflate } from './seal-bytes.js';

type Decompress = (data: Uint8Array, options: { maxOutputLength: number }) => Uint8Array;
// Node >= 22.15 has zstd; Node 20 does not, and zstd bodies are then refused, never handed to SEAL unread.
const zstd = (zlib as unknown as { zstdDecompressSync?: Decompress }).zstdDecompressSync;

/**
 * Node's zlib (and zstd where present), stopping at `maxBytes` of output. Bytes after the
 * zlib stream are refused, as the browser's inflater (core/serialize/inflate.ts) refuses them:
 * a body SEAL wrote loads on both platforms or on neither. Node keeps its own zlib rather than
 * fflate: native inflation is about twice as fast on key-sized bodies, refuses malformed
 * Huffman tables itself, and brings zstd where Node has it.
 */
export const nodeInflate: Inflate = (mode, data, maxBytes) => {
  const options = { maxOutputLength: Math.max(1, maxBytes) };
  if (mode === 1) {
    const { buffer, engine } = zlib.inflateSync(data, { ...options, info: true }) as unknown as { buffer: Uint8Array; engine: { bytesWritten: number } };
    if (engine.bytesWritten !== data.length) throw new Error(`${data.length - engine.bytesWritten} bytes follow the zlib stream`);
    return buffer;
  }
  return zstd ? zstd(data, options) : null;
};

/**
 * zlib, Huffman-only at level 1: SEAL's coefficients are random below their primes, so matching
 * repeats finds nothing and costs time (4.7 ms for a 0.5 MB ciphertext, against 7.7 ms at level 1
 * with matching and 21 ms at level 6; the Huffman-only stream is the smallest of the three).
 */
export const nodeDeflate = (data: Uint8Array): Uint8Array => zlib.deflateSync(data, { level: 1, strategy: zlib.constants.Z_HUFFMAN_ONLY });
