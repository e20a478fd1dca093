/**
 * The browser's zlib inflater (fflate plus zlib's checks) against Node's zlib as the oracle:
 * every level and strategy, stored, fixed and dynamic blocks, sizes from empty to 300 kB;
 * strictness (header, Adler-32, truncation, bytes after the last block or after the trailer,
 * output bound); and fuzzed streams (seed pinned) on which it must agree with zlib: both
 * refuse, or both return the same bytes (a third of them given a correct Adler-32, so that
 * the comparison gets past the checksum).
 */
import * as zlib from 'node:zlib';
import fc from 'fast-check';
import { Inflate } from 'fflate';
import { describe, expect, it, vi } from 'vitest';
import { inflateZlib } from './inflate.js';

const SEED = 20_260_901;

/** Deterministic test data: `alphabet` 1 gives runs, 256 gives noise, between gives text-like redundancy. */
function data(n: number, alphabet: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1_103_515_245) + 12_345) >>> 0;
    out[i] = (s >>> 16) % alphabet;
  }
  return out;
}

/** zlib, refusing trailing bytes: the oracle. */
function oracle(bytes: Uint8Array, maxBytes: number): Uint8Array {
  const { buffer, engine } = zlib.inflateSync(bytes, { maxOutputLength: Math.max(1, maxBytes), info: true }) as unknown as {
    buffer: Uint8Array; engine: { bytesWritten: number };
  };
  if (engine.bytesWritten !== bytes.length) throw new Error('trailing bytes');
  return buffer;
}

/** Adler-32 (RFC 1950), written separately from the one under test. */
function adler(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (const x of bytes) {
    a = (a + x) % 65_521;
    b = (b + a) % 65_521;
  }
  return (b * 65_536 + a) >>> 0;
}

/**
 * A mutated stream made valid again where zlib's raw decoder still accepts its deflate data:
 * cut after the data zlib consumed and append the right Adler-32, so the comparison reaches the
 * decoders' handling of Huffman tables and matches rather than stopping at the checksum.
 */
function reseal(bytes: Uint8Array): Uint8Array {
  try {
    const { buffer, engine } = zlib.inflateRawSync(bytes.subarray(2), { maxOutputLength: 100_000, info: true }) as unknown as {
      buffer: Uint8Array; engine: { bytesWritten: number };
    };
    const out = new Uint8Array(2 + engine.bytesWritten + 4);
    out.set(bytes.subarray(0, 2 + engine.bytesWritten));
    new DataView(out.buffer).setUint32(out.length - 4, adler(buffer));
    return out;
  } catch {
    return bytes;
  }
}

const outcome = (f: () => Uint8Array): string => {
  try {
    return Buffer.from(f()).toString('base64');
  } catch {
    return 'refused';
  }
};

describe('inflateZlib', () => {
  const { Z_DEFAULT_STRATEGY, Z_FILTERED, Z_HUFFMAN_ONLY, Z_RLE, Z_FIXED } = zlib.constants;
  it.each([0, 1, 6, 9])('round-trips zlib level %i with every strategy and size', (level) => {
    for (const strategy of [Z_DEFAULT_STRATEGY, Z_FILTERED, Z_HUFFMAN_ONLY, Z_RLE, Z_FIXED]) {
      for (const [n, alphabet] of [[0, 1], [1, 256], [300, 4], [70_000, 256], [300_000, 1], [300_000, 20]] as const) {
        const plain = data(n, alphabet, level * 131 + strategy * 17 + n);
        const packed = zlib.deflateSync(plain, { level, strategy });
        expect(Buffer.from(inflateZlib(packed, n)).equals(Buffer.from(plain)), `level ${level} strategy ${strategy} n ${n}`).toBe(true);
      }
    }
  });

  it('handles small windows and memLevels (long and overlapping matches)', () => {
    const plain = data(100_000, 3, 7);
    for (const windowBits of [9, 12, 15]) {
      for (const memLevel of [1, 9]) {
        const packed = zlib.deflateSync(plain, { windowBits, memLevel, level: 9 });
        expect(Buffer.from(inflateZlib(packed, plain.length)).equals(Buffer.from(plain))).toBe(true);
      }
    }
  });

  it('refuses what zlib refuses, and bytes after the stream', () => {
    const plain = data(5_000, 10, 3);
    const packed = zlib.deflateSync(plain);
    const bad = (edit: (b: Uint8Array) => Uint8Array): Uint8Array => edit(Uint8Array.from(packed));
    // Cut inside the trailer, then inside the deflate data (fflate's own refusal).
    expect(() => inflateZlib(bad((b) => b.subarray(0, b.length - 1)), 10_000)).toThrow(/Adler-32|EOF/);
    expect(() => inflateZlib(bad((b) => b.subarray(0, b.length - 8)), 10_000)).toThrow(/EOF/);
    expect(() => inflateZlib(bad((b) => ((b[b.length - 1]! ^= 1), b)), 10_000)).toThrow(/Adler-32/);
    expect(() => inflateZlib(bad((b) => ((b[0] = 0x79), b)), 10_000)).toThrow(/deflate|header/);
    expect(() => inflateZlib(bad((b) => ((b[1]! ^= 1), b)), 10_000)).toThrow(/header check/);
    // A byte after the trailer shifts it: the Adler-32 read is wrong, or the check of what follows fails.
    expect(() => inflateZlib(Uint8Array.from([...packed, 0]), 10_000)).toThrow(/Adler-32|follow/);
    expect(() => inflateZlib(packed, plain.length - 1)).toThrow(/exceeds/);
    expect(inflateZlib(packed, plain.length)).toHaveLength(plain.length);
    // A preset dictionary (FDICT) is refused rather than guessed.
    const dict = zlib.deflateSync(plain, { dictionary: Buffer.from('abc') });
    expect(() => inflateZlib(dict, 10_000)).toThrow(/dictionar/);
    expect(() => inflateZlib(new Uint8Array(0), 10)).toThrow(/ends early/);
    // A header and a trailer with no deflate data between: zlib refuses it, so must we.
    expect(() => oracle(Uint8Array.from([0x78, 0x9c, 0, 0, 0, 1]), 10)).toThrow();
    expect(() => inflateZlib(Uint8Array.from([0x78, 0x9c, 0, 0, 0, 1]), 10)).toThrow(/ends early/);
  });

  it('refuses bytes between the last deflate block and a matching Adler-32', () => {
    for (const level of [0, 6]) {
      const plain = data(3_000, 5, level);
      const packed = zlib.deflateSync(plain, { level });
      const spliced = Uint8Array.from([...packed.subarray(0, -4), 0, ...packed.subarray(-4)]);
      expect(() => oracle(spliced, 10_000)).toThrow();
      expect(() => inflateZlib(spliced, 10_000)).toThrow(/follow/);
    }
  });

  it('refuses a stored block larger than the bound', () => {
    const plain = data(2_000, 256, 9);
    const stored = zlib.deflateSync(plain, { level: 0 });
    expect(() => inflateZlib(stored, plain.length - 1)).toThrow(/exceeds/);
    expect(inflateZlib(stored, plain.length)).toEqual(plain);
  });

  it('stops a decompression bomb at the bound, without decoding the rest', () => {
    const bomb = zlib.deflateSync(new Uint8Array(200_000_000), { level: 9 });
    expect(bomb.length).toBeLessThan(250_000);
    // Counted, not timed (a wall-clock bound fails on a loaded machine): the input goes to fflate in 16 kB chunks,
    // and the first one already inflates past the bound, so decoding stops there instead of after all of them.
    const push = vi.spyOn(Inflate.prototype, 'push');
    try {
      expect(() => inflateZlib(bomb, 1_000_000)).toThrow(/exceeds 1000000/);
      expect(Math.ceil((bomb.length - 6) / 2 ** 14)).toBeGreaterThan(5);
      expect(push).toHaveBeenCalledTimes(1);
    } finally {
      push.mockRestore();
    }
  });

  it('agrees with zlib on fuzzed streams (truncated, bit-flipped, spliced)', () => {
    const sources = [data(2_000, 4, 1), data(600, 256, 2), data(3_000, 1, 3), data(40, 30, 4)].flatMap((plain) =>
      [0, 1, 6, 9].map((level) => zlib.deflateSync(plain, { level, strategy: level === 1 ? Z_FIXED : Z_DEFAULT_STRATEGY })));
    const mutated = fc.tuple(fc.constantFrom(...sources), fc.array(fc.tuple(fc.nat(), fc.nat(7)), { minLength: 1, maxLength: 4 }), fc.option(fc.nat()))
      .map(([src, flips, cut]) => {
        const b = Uint8Array.from(src);
        for (const [at, bit] of flips) b[at % b.length]! ^= 1 << bit;
        return cut === null ? b : b.subarray(0, cut % (b.length + 1));
      });
    let accepted = 0;
    fc.assert(fc.property(fc.oneof(mutated, mutated.map(reseal), fc.uint8Array({ maxLength: 64 })), (bytes) => {
      const expected = outcome(() => oracle(bytes, 100_000));
      if (expected !== 'refused') accepted++;
      expect(outcome(() => inflateZlib(bytes, 100_000))).toBe(expected);
    }), { seed: SEED, numRuns: 3_000 });
    // The resealed third reaches the decoders' table handling: over a hundred decode.
    expect(accepted).toBeGreaterThan(100);
  });
});
