import { HeError } from '../../../core/errors.js';
import type { SEALLibrary } from '../types.js';

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

export function comprMode(seal: SEALLibrary, options: SaveOptions, op: string): { mode: unknown; code: number } {
  const compression = options.compression ?? 'zlib';
  switch (compression) {
    case 'none': return { mode: seal.ComprModeType.none, code: 0 };
    case 'zlib': return { mode: seal.ComprModeType.zlib, code: 1 };
    case 'zstd': return { mode: seal.ComprModeType.zstd, code: 2 };
    default: throw new HeError('INVALID_ARGUMENT', `${op}: compression ${String(compression)} is not none, zlib or zstd`, { op, compression });
  }
}
