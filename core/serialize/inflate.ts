/**
 * zlib decompression (RFC 1950) without `node:zlib`, for browsers, whose
 * `DecompressionStream` is asynchronous while hekit's loaders are synchronous. fflate
 * decodes the deflate data; this file adds what fflate leaves to its caller, so that a
 * stream is held to zlib's own rules:
 * - the header must be deflate with no preset dictionary;
 * - output stops at `maxBytes`: fflate is fed in chunks and refused as soon as it passes the
 *   bound, so neither memory nor time grows with a decompression bomb;
 * - fflate ignores the Adler-32 trailer and anything after the last block: the Adler-32 must
 *   match, and the last byte before it must be needed.
 * fflate is more lenient than zlib on malformed Huffman tables (over-subscribed or
 * incomplete codes): such a stream still has to carry the right Adler-32 for its output, and
 * that output is validated member by member like any other. Throws `Error`; the caller turns
 * it into DESERIALIZE.
 */
import { Inflate, inflateSync } from 'fflate';

/**
 * Input fed to fflate per step. Deflate expands at most 1032-fold, so at most ~16 MB is decoded
 * past the bound before it is refused (a quarter of a second); smaller steps cost throughput
 * on honest data (4 kB: 25% slower than 16 kB).
 */
const CHUNK_BYTES = 1 << 14;

/** Adler-32 (RFC 1950 §8.2): fflate computes it only when compressing. */
function adler32(data: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < data.length;) {
    // 5552 bytes is the most that can be summed before b passes 2^32 (zlib's NMAX).
    const end = Math.min(i + 5552, data.length);
    for (; i < end; i++) {
      a += data[i]!;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** True when fflate decodes the whole raw deflate `data`, into `out` of the expected size. */
function decodes(data: Uint8Array, out: Uint8Array): boolean {
  try {
    inflateSync(data, { out });
    return true;
  } catch {
    return false;
  }
}

/** Decompresses one zlib stream (RFC 1950) of at most `maxBytes` output bytes. */
export function inflateZlib(data: Uint8Array, maxBytes: number): Uint8Array {
  // Header (2), at least one byte of deflate data (fflate takes none as an empty stream), Adler-32 (4).
  if (data.length < 7) throw new Error('zlib data ends early');
  const cmf = data[0]!;
  const flg = data[1]!;
  if ((cmf & 15) !== 8 || cmf >>> 4 > 7) throw new Error('not a deflate zlib stream');
  if (((cmf << 8) | flg) % 31 !== 0) throw new Error('bad zlib header check');
  if (flg & 0x20) throw new Error('zlib preset dictionaries are not supported');
  const deflated = data.subarray(2, data.length - 4);

  const out = new Uint8Array(maxBytes);
  let n = 0;
  const inflater = new Inflate((chunk) => {
    if (n + chunk.length > maxBytes) throw new Error(`output exceeds ${maxBytes} bytes`);
    out.set(chunk, n);
    n += chunk.length;
  });
  for (let at = 0; at < deflated.length; at += CHUNK_BYTES) {
    inflater.push(deflated.subarray(at, at + CHUNK_BYTES), at + CHUNK_BYTES >= deflated.length);
  }
  const result = out.subarray(0, n);

  const expected = new DataView(data.buffer, data.byteOffset + data.length - 4, 4).getUint32(0);
  if (adler32(result) !== expected) throw new Error('zlib Adler-32 mismatch');
  // fflate stops at the final block and says nowhere where that was: one byte fewer must not decode.
  if (decodes(deflated.subarray(0, -1), new Uint8Array(n))) throw new Error('bytes follow the zlib stream');
  return result;
}
