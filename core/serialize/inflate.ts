/**
 * zlib decompression (RFC 1950 wrapper around RFC 1951 deflate) in plain TypeScript, for
 * places without `node:zlib`: browsers, whose `DecompressionStream` is asynchronous while
 * hekit's loaders are synchronous. Written from the RFCs; table-driven Huffman decoding.
 *
 * Strict, as a validator should be: the header must be deflate with no preset dictionary,
 * every code must be well formed (over-subscribed or, except a lone one-bit code,
 * incomplete Huffman codes are refused, as zlib does), the Adler-32 must match, and no byte
 * may follow it. Output stops at `maxBytes` (no decompression bomb). Throws `Error` on any of
 * these; the caller turns it into DESERIALIZE.
 */

const LENGTH_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
/** The order in which code-length code lengths are sent (RFC 1951 §3.2.7). */
const CLEN_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];
const MAX_BITS = 15;

/** Little-endian bit reader; reads past the end as zeros but refuses to consume them. */
class Bits {
  pos = 0;
  #buf = 0;
  #count = 0;
  /** Zero bits appended past the end of the input (the top of #buf). */
  #padding = 0;

  constructor(readonly data: Uint8Array) {}

  #fill(n: number): void {
    while (this.#count < n) {
      if (this.pos < this.data.length) this.#buf |= this.data[this.pos++]! << this.#count;
      else this.#padding += 8;
      this.#count += 8;
    }
  }

  peek(n: number): number {
    this.#fill(n);
    return this.#buf & ((1 << n) - 1);
  }

  drop(n: number): void {
    if (n > this.#count - this.#padding) throw new Error('zlib data ends early');
    this.#buf >>>= n;
    this.#count -= n;
  }

  bits(n: number): number {
    const v = this.peek(n);
    this.drop(n);
    return v;
  }

  /** Skips to the next byte boundary. */
  align(): void {
    this.drop(this.#count & 7);
  }

  /** Bytes still buffered whole (after `align`). */
  get bufferedBytes(): number {
    return (this.#count - this.#padding) >>> 3;
  }

  get exhausted(): boolean {
    return this.pos === this.data.length && this.#count === this.#padding;
  }
}

/** A canonical Huffman code as a lookup table indexed by the next `bits` input bits: symbol << 4 | length, 0 = no code. */
interface Huffman {
  readonly bits: number;
  readonly table: Uint16Array;
}

/** Builds the table for code lengths `lengths` (0 = unused); `what` names the code in errors. */
function huffman(lengths: ArrayLike<number>, what: string, allowIncomplete: boolean): Huffman {
  const count = new Uint16Array(MAX_BITS + 1);
  let maxLen = 0;
  for (let s = 0; s < lengths.length; s++) {
    const len = lengths[s]!;
    count[len]!++;
    if (len > maxLen) maxLen = len;
  }
  count[0] = 0;
  let left = 1;
  for (let len = 1; len <= MAX_BITS; len++) {
    left = (left << 1) - count[len]!;
    if (left < 0) throw new Error(`over-subscribed ${what} code`);
  }
  // zlib's rule: an incomplete code is only allowed as a single code of length 1 (and never for code lengths).
  if (left > 0 && !(allowIncomplete && maxLen === 1)) {
    if (maxLen === 0 && allowIncomplete) return { bits: 1, table: new Uint16Array(2) };
    throw new Error(`incomplete ${what} code`);
  }
  const next = new Uint16Array(MAX_BITS + 2);
  for (let len = 1, code = 0; len <= MAX_BITS; len++) {
    code = (code + count[len - 1]!) << 1;
    next[len] = code;
  }
  const bits = Math.max(maxLen, 1);
  const table = new Uint16Array(1 << bits);
  for (let s = 0; s < lengths.length; s++) {
    const len = lengths[s]!;
    if (len === 0) continue;
    const code = next[len]!++;
    let reversed = 0;
    for (let i = 0; i < len; i++) reversed |= ((code >>> i) & 1) << (len - 1 - i);
    for (let j = reversed; j < table.length; j += 1 << len) table[j] = (s << 4) | len;
  }
  return { bits, table };
}

function decodeSymbol(input: Bits, h: Huffman): number {
  const entry = h.table[input.peek(h.bits)]!;
  if (entry === 0) throw new Error('invalid Huffman code');
  input.drop(entry & 15);
  return entry >>> 4;
}

const FIXED = (() => {
  const lit = new Uint8Array(288);
  lit.fill(8, 0, 144).fill(9, 144, 256).fill(7, 256, 280).fill(8, 280, 288);
  return { lit: huffman(lit, 'fixed literal/length', false), dist: huffman(new Uint8Array(32).fill(5), 'fixed distance', false) };
})();

function dynamicCodes(input: Bits): { lit: Huffman; dist: Huffman } {
  const nlit = input.bits(5) + 257;
  const ndist = input.bits(5) + 1;
  const nclen = input.bits(4) + 4;
  if (nlit > 286 || ndist > 30) throw new Error('too many length or distance codes');
  const clen = new Uint8Array(19);
  for (let i = 0; i < nclen; i++) clen[CLEN_ORDER[i]!] = input.bits(3);
  const clenCode = huffman(clen, 'code-length', false);
  const lengths = new Uint8Array(nlit + ndist);
  for (let i = 0; i < lengths.length;) {
    const sym = decodeSymbol(input, clenCode);
    if (sym < 16) {
      lengths[i++] = sym;
      continue;
    }
    let value = 0;
    let repeat: number;
    if (sym === 16) {
      if (i === 0) throw new Error('a length repeat with no previous length');
      value = lengths[i - 1]!;
      repeat = 3 + input.bits(2);
    } else if (sym === 17) {
      repeat = 3 + input.bits(3);
    } else {
      repeat = 11 + input.bits(7);
    }
    if (i + repeat > lengths.length) throw new Error('code lengths overrun the declared count');
    lengths.fill(value, i, i + repeat);
    i += repeat;
  }
  if (lengths[256] === 0) throw new Error('no end-of-block code');
  return {
    lit: huffman(lengths.subarray(0, nlit), 'literal/length', true),
    dist: huffman(lengths.subarray(nlit), 'distance', true),
  };
}

function adler32(data: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < data.length;) {
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

/** Decompresses one zlib stream (RFC 1950) of at most `maxBytes` output bytes. */
export function inflateZlib(data: Uint8Array, maxBytes: number): Uint8Array {
  const input = new Bits(data);
  const cmf = input.bits(8);
  const flg = input.bits(8);
  if ((cmf & 15) !== 8 || cmf >>> 4 > 7) throw new Error('not a deflate zlib stream');
  if (((cmf << 8) | flg) % 31 !== 0) throw new Error('bad zlib header check');
  if (flg & 0x20) throw new Error('zlib preset dictionaries are not supported');

  let out = new Uint8Array(Math.min(maxBytes, Math.max(1024, data.length * 4)));
  let n = 0;
  const room = (extra: number): void => {
    if (n + extra > maxBytes) throw new Error(`output exceeds ${maxBytes} bytes`);
    if (n + extra <= out.length) return;
    const grown = new Uint8Array(Math.min(maxBytes, Math.max(n + extra, out.length * 2)));
    grown.set(out.subarray(0, n));
    out = grown;
  };

  let last = 0;
  while (!last) {
    last = input.bits(1);
    const type = input.bits(2);
    if (type === 0) {
      input.align();
      const len = input.bits(16);
      if (input.bits(16) !== (~len & 0xffff)) throw new Error('stored block length check failed');
      room(len);
      let k = 0;
      for (; k < len && input.bufferedBytes > 0; k++) out[n++] = input.bits(8);
      const rest = len - k;
      if (input.pos + rest > data.length) throw new Error('zlib data ends early');
      out.set(data.subarray(input.pos, input.pos + rest), n);
      input.pos += rest;
      n += rest;
    } else if (type === 1 || type === 2) {
      const { lit, dist } = type === 1 ? FIXED : dynamicCodes(input);
      for (;;) {
        const sym = decodeSymbol(input, lit);
        if (sym < 256) {
          room(1);
          out[n++] = sym;
        } else if (sym === 256) {
          break;
        } else {
          const li = sym - 257;
          if (li >= 29) throw new Error('invalid length code');
          const length = LENGTH_BASE[li]! + input.bits(LENGTH_EXTRA[li]!);
          const di = decodeSymbol(input, dist);
          if (di >= 30) throw new Error('invalid distance code');
          const distance = DIST_BASE[di]! + input.bits(DIST_EXTRA[di]!);
          if (distance > n) throw new Error('distance too far back');
          room(length);
          for (let k = 0; k < length; k++, n++) out[n] = out[n - distance]!;
        }
      }
    } else {
      throw new Error('invalid deflate block type');
    }
  }
  input.align();
  const expected = ((input.bits(8) << 24) | (input.bits(8) << 16) | (input.bits(8) << 8) | input.bits(8)) >>> 0;
  const result = out.subarray(0, n);
  if (adler32(result) !== expected) throw new Error('zlib Adler-32 mismatch');
  if (!input.exhausted) throw new Error('bytes follow the zlib stream');
  return result;
}
