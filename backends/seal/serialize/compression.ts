import { HeError } from '../../../core/errors.js';
import { deflate } from '../platform.js';
import type { SEALLibrary } from '../types.js';
import { SEAL_HEADER_BYTES } from './seal-bytes.js';

/**
 * SEAL's compression of a body. zlib (default) is read back everywhere hekit runs; zstd is
 * for C++/Python peers, and hekit reads it only where Node has zstd (22.15+), because bytes are
 * decompressed and checked in JavaScript before SEAL sees them.
 */
export type Compression = 'none' | 'zlib' | 'zstd';

/** How SEAL's bytes are written into an envelope. */
export interface SaveOptions {
  /** Default 'zlib'. */
  readonly compression?: Compression;
}

/** A node-seal object that saves itself (ciphertexts, keys, serializables). */
interface Saves {
  saveArray(mode?: never): Uint8Array;
}

/**
 * `object`'s SEAL bytes as `options` says, and the envelope's compression code. zlib is written
 * here, not by SEAL: SEAL's own zlib, compiled to WebAssembly, took 49 ms for a 0.5 MB ciphertext
 * (N = 8192, 4 primes) against 4.7 ms for Node's Huffman-only stream (22 ms for fflate's level 1,
 * the browsers' path), within 4% of SEAL's size: the coefficients are random below their primes,
 * so only their zero top bits compress, and there are no repeats to find. The stream is SEAL's format (its header, then
 * the members as one zlib stream), read by SEAL itself as by hekit.
 */
export function saveSeal(seal: SEALLibrary, object: Saves, options: SaveOptions, op: string): { bytes: Uint8Array; code: number } {
  const compression = checked(options, op);
  if (compression === 'zstd') return { bytes: object.saveArray(seal.ComprModeType.zstd as never), code: 2 };
  return compressSealBytes(object.saveArray(seal.ComprModeType.none as never), options, op);
}

/** Uncompressed SEAL bytes as `options` says ('none' or 'zlib'; INVALID_ARGUMENT otherwise), and the envelope's compression code. */
export function compressSealBytes(plain: Uint8Array, options: SaveOptions, op: string): { bytes: Uint8Array; code: number } {
  const compression = checked(options, op);
  if (compression === 'zstd') throw new HeError('INVALID_ARGUMENT', `${op}: zstd is written by SEAL itself, from the object`, { op, compression });
  return compression === 'none' ? { bytes: plain, code: 0 } : { bytes: zlibSealBytes(plain), code: 1 };
}

function checked(options: SaveOptions, op: string): Compression {
  const compression = options.compression ?? 'zlib';
  if (compression !== 'none' && compression !== 'zlib' && compression !== 'zstd') {
    throw new HeError('INVALID_ARGUMENT', `${op}: compression ${String(compression)} is not none, zlib or zstd`, { op, compression });
  }
  return compression;
}

/** Uncompressed SEAL bytes as SEAL writes them with compr_mode zlib: the same header, mode 1 and the new size, then the members deflated. */
function zlibSealBytes(plain: Uint8Array): Uint8Array {
  const members = deflate(plain.subarray(SEAL_HEADER_BYTES));
  const out = new Uint8Array(SEAL_HEADER_BYTES + members.length);
  out.set(plain.subarray(0, SEAL_HEADER_BYTES));
  out[5] = 1;
  new DataView(out.buffer).setBigUint64(8, BigInt(out.length), true);
  out.set(members, SEAL_HEADER_BYTES);
  return out;
}
