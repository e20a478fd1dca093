/**
 * A JavaScript reader for SEAL 4.1's own serialization (`serialization.h`, `ciphertext.cpp`,
 * `plaintext.cpp`, `kswitchkeys.cpp`), checking in JavaScript everything SEAL's `load` checks
 * and more, so that SEAL is only ever handed bytes it will accept. A failed SEAL load is a C++
 * exception crossing into JavaScript, and each one leaks WebAssembly stack: measured without
 * hekit's checks (node-seal 6.0.3, Node 20), a process survived 340 refused loads and broke
 * between 340 and 360 (every op then fails with "table index is out of bounds"). Pure
 * TypeScript, no node-seal import.
 *
 * Layouts (little-endian): SEALHeader = magic 0xA15E (u16), header size 16 (u8), version 4.1
 * (u8, u8), compr_mode (u8: 0 none, 1 zlib, 2 zstd), reserved (u16 = 0), total size (u64);
 * the members that follow are compressed as one stream unless compr_mode is 0.
 * Ciphertext members: parms_id (4 x u64), is_ntt_form (u8), size, N, coeff_modulus_size
 * (u64 each), scale (f64), correction_factor (u64), then a DynArray saved uncompressed
 * with its own SEALHeader: count (u64) and count u64 coefficients, polynomial by polynomial,
 * each prime's N coefficients in turn. A seeded ciphertext (size 2 only: SEAL's
 * `encryptSymmetricSerializable` and serializable keys) holds the first polynomial only, then its
 * second's PRNG seed (UniformRandomGeneratorInfo, with its own SEALHeader: PRNG type (u8, 1
 * BLAKE2xb or 2 SHAKE256) and 64 bytes of seed), from which SEAL's load samples it again.
 * A public key is a key-level ciphertext of size 2.
 * KSwitchKeys members: parms_id, dim1 (u64), and per entry dim2 (u64) public keys.
 * Secret key members: a key-level plaintext: parms_id, coeff_count (u64), scale (f64), DynArray.
 */
import { deserializeError } from '../../../core/serialize/index.js';

export const SEAL_HEADER_BYTES = 16;
const SEAL_MAGIC = 0xa15e;
/** SEAL 4.1 reads 4.1 and 3.4+; hekit writes and reads 4.1 only (3.x lacks correction_factor). */
const SEAL_VERSION = [4, 1] as const;

export type ComprMode = 0 | 1 | 2;
export const COMPRESSION_NAMES: Readonly<Record<ComprMode, string>> = { 0: 'none', 1: 'zlib', 2: 'zstd' };

/** Decompresses a SEAL member stream; throws if it fails or exceeds `maxBytes`; null when the mode has no decompressor here. */
export type Inflate = (mode: 1 | 2, data: Uint8Array, maxBytes: number) => Uint8Array | null;

/** What the loading context's SEAL objects look like. */
export interface SealRing {
  readonly ringDegree: number;
  /** All primes in SEAL order. */
  readonly primes: readonly bigint[];
  /** parms_id of the modulus with j + 1 primes at index j: data levels 0..L, then the key level. */
  readonly parmsIds: readonly (readonly bigint[])[];
}

class Reader {
  readonly #view: DataView;
  offset = 0;

  constructor(readonly bytes: Uint8Array, readonly field: string) {
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  }

  need(n: number, what: string): void {
    if (this.bytes.length - this.offset < n) {
      throw deserializeError(this.field, `SEAL data ends inside ${what} (offset ${this.offset}, ${this.bytes.length} bytes)`, { offset: this.offset });
    }
  }

  u8(what: string): number {
    this.need(1, what);
    return this.#view.getUint8(this.offset++);
  }

  u16(what: string): number {
    this.need(2, what);
    const v = this.#view.getUint16(this.offset, true);
    this.offset += 2;
    return v;
  }

  u64(what: string): bigint {
    this.need(8, what);
    const v = this.#view.getBigUint64(this.offset, true);
    this.offset += 8;
    return v;
  }

  /** The u64 at `offset` bytes from the current position, without moving. */
  peekU64(offset: number, what: string): bigint {
    this.need(offset + 8, what);
    return this.#view.getBigUint64(this.offset + offset, true);
  }

  f64(what: string): number {
    this.need(8, what);
    const v = this.#view.getFloat64(this.offset, true);
    this.offset += 8;
    return v;
  }

  fail(message: string, details: Record<string, unknown> = {}): never {
    throw deserializeError(this.field, message, { offset: this.offset, ...details });
  }

  /** `count` u64 coefficients, block j of `n` below primes[j % primes.length]; compared as two u32 halves (no BigInt per coefficient). */
  coefficients(count: number, n: number, primes: readonly bigint[]): void {
    this.need(count * 8, 'the coefficients');
    const hi = primes.map((q) => Number(q >> 32n));
    const lo = primes.map((q) => Number(q & 0xffffffffn));
    const view = this.#view;
    for (let block = 0; block * n < count; block++) {
      const qh = hi[block % primes.length]!;
      const ql = lo[block % primes.length]!;
      for (let i = 0, at = this.offset + block * n * 8; i < n; i++, at += 8) {
        const h = view.getUint32(at + 4, true);
        if (h > qh || (h === qh && view.getUint32(at, true) >= ql)) {
          this.offset = at;
          this.fail(`a coefficient is not reduced modulo its prime (polynomial block ${block}, index ${i})`, { block, index: i });
        }
      }
    }
    this.offset += count * 8;
  }
}

const eq = (a: readonly bigint[], b: readonly bigint[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** A SEALHeader: its compression mode; its size must equal `length`. */
function sealHeader(r: Reader, length: number): ComprMode {
  const start = r.offset;
  if (r.u16('the SEAL header') !== SEAL_MAGIC) r.fail('not SEAL data (bad SEAL magic)');
  if (r.u8('the SEAL header') !== SEAL_HEADER_BYTES) r.fail('bad SEAL header size');
  const major = r.u8('the SEAL header');
  const minor = r.u8('the SEAL header');
  if (major !== SEAL_VERSION[0] || minor !== SEAL_VERSION[1]) {
    r.fail(`SEAL format ${major}.${minor} is not supported (expected ${SEAL_VERSION.join('.')})`, { sealVersion: `${major}.${minor}` });
  }
  const mode = r.u8('the SEAL header');
  if (mode > 2) r.fail(`unknown SEAL compression mode ${mode}`, { compression: mode });
  if (r.u16('the SEAL header') !== 0) r.fail('reserved SEAL header bytes must be zero');
  const size = r.u64('the SEAL header');
  if (size !== BigInt(length)) r.fail(`the SEAL header declares ${size} bytes but the object has ${length}`, { declared: size.toString(), length, start });
  return mode as ComprMode;
}

function parmsId(r: Reader): bigint[] {
  return [r.u64('parms_id'), r.u64('parms_id'), r.u64('parms_id'), r.u64('parms_id')];
}

/**
 * A nested DynArray of `count` coefficients, or where `seeded.allowed` of `seeded.count` (the
 * first polynomial of a seeded ciphertext); returns how many it held.
 */
function dynArray(r: Reader, count: number, n: number, primes: readonly bigint[], seeded?: { readonly count: number; readonly allowed: boolean }): number {
  const declared = r.peekU64(SEAL_HEADER_BYTES, 'the array size');
  const isSeeded = seeded !== undefined && declared === BigInt(seeded.count);
  // SEAL 4.1 would load it and leave the third polynomial on unwritten memory.
  if (isSeeded && !seeded.allowed) r.fail('a seeded SEAL object (one polynomial and the PRNG seed of the other) is a ciphertext or key of size 2 only', { declared: declared.toString() });
  const held = isSeeded ? seeded.count : count;
  if (sealHeader(r, SEAL_HEADER_BYTES + 8 + held * 8) !== 0) r.fail('a nested SEAL array must not be compressed');
  if (r.u64('the array size') !== BigInt(held)) r.fail(`the array holds ${declared} coefficients, expected ${count}`, { declared: declared.toString(), expected: count });
  r.coefficients(held, n, primes);
  return held;
}

/** Bytes of a saved UniformRandomGeneratorInfo: SEALHeader, PRNG type, 64-byte seed. */
const SEED_INFO_BYTES = SEAL_HEADER_BYTES + 1 + 64;
/** prng_type: blake2xb, shake256 (0, unknown, SEAL refuses). */
const PRNG_TYPES: ReadonlySet<number> = new Set([1, 2]);

/** The seed a seeded ciphertext's second polynomial is sampled from. */
function seedInfo(r: Reader): void {
  if (sealHeader(r, SEED_INFO_BYTES) !== 0) r.fail('a nested PRNG seed must not be compressed');
  const type = r.u8('the PRNG type');
  if (!PRNG_TYPES.has(type)) r.fail(`PRNG type ${type} is not one SEAL samples with (1 BLAKE2xb, 2 SHAKE256)`, { prngType: type });
  r.need(64, 'the PRNG seed');
  r.offset += 64;
}

export interface CiphertextShape {
  /** Number of primes (level + 1 for data, all k for keys). */
  readonly primeCount: number;
  /** SEAL size (degree + 1). */
  readonly size: number;
}

/** Bytes of a ciphertext's members, saved whole (an upper bound: a seeded one takes about half). */
export const ciphertextMembersBytes = (ring: SealRing, s: CiphertextShape): number =>
  32 + 1 + 8 * 5 + SEAL_HEADER_BYTES + 8 + 8 * s.size * ring.ringDegree * s.primeCount;

/** Ciphertext members; returns the scale for the caller to check. */
function ciphertextMembers(r: Reader, ring: SealRing, s: CiphertextShape): number {
  if (!eq(parmsId(r), ring.parmsIds[s.primeCount - 1] ?? [])) {
    r.fail(`parms_id is not that of the expected level (${s.primeCount} primes)`);
  }
  if (r.u8('is_ntt_form') !== 1) r.fail('CKKS data must be in NTT form');
  const size = r.u64('size');
  if (size !== BigInt(s.size)) r.fail(`SEAL size ${size} differs from the expected ${s.size}`, { size: size.toString() });
  const n = r.u64('poly_modulus_degree');
  if (n !== BigInt(ring.ringDegree)) r.fail(`ring degree ${n} differs from ${ring.ringDegree}`);
  const k = r.u64('coeff_modulus_size');
  if (k !== BigInt(s.primeCount)) r.fail(`${k} primes where ${s.primeCount} were expected`);
  const scale = r.f64('scale');
  if (r.u64('correction_factor') !== 1n) r.fail('correction_factor must be 1 in CKKS');
  // Size 2 may come seeded: the first polynomial, then the second's seed.
  const polynomial = ring.ringDegree * s.primeCount;
  if (dynArray(r, s.size * polynomial, ring.ringDegree, ring.primes.slice(0, s.primeCount), { count: polynomial, allowed: s.size === 2 }) !== s.size * polynomial) seedInfo(r);
  return scale;
}

/**
 * Checks the outer SEAL header of `bytes`, decompresses the members if needed (at most
 * `maxMembers` bytes: no bomb), runs `members`, and requires it to consume everything.
 * Returns SEAL bytes with compression none: exactly what was validated, for SEAL's loader.
 */
function sealObject(bytes: Uint8Array, field: string, maxMembers: number, inflate: Inflate, members: (r: Reader) => void): Uint8Array {
  const outer = new Reader(bytes, field);
  const mode = sealHeader(outer, bytes.length);
  let plain = bytes;
  if (mode !== 0) {
    let inflated: Uint8Array | null;
    try {
      inflated = inflate(mode, bytes.subarray(SEAL_HEADER_BYTES), maxMembers);
    } catch (e) {
      throw deserializeError(field, `${COMPRESSION_NAMES[mode]} decompression failed or exceeded the ${maxMembers} bytes expected`, { compression: mode }, e);
    }
    if (inflated === null) {
      throw deserializeError('compression', `${COMPRESSION_NAMES[mode]}-compressed SEAL data cannot be validated here (no decompressor); save with zlib or none`, { compression: mode });
    }
    plain = new Uint8Array(SEAL_HEADER_BYTES + inflated.length);
    plain.set(bytes.subarray(0, SEAL_HEADER_BYTES));
    plain.set(inflated, SEAL_HEADER_BYTES);
    const view = new DataView(plain.buffer);
    view.setUint8(5, 0);
    view.setBigUint64(8, BigInt(plain.length), true);
  }
  const r = new Reader(plain, field);
  r.offset = SEAL_HEADER_BYTES;
  members(r);
  if (r.offset !== plain.length) r.fail(`${plain.length - r.offset} unexpected bytes after the SEAL object`);
  return plain;
}

export interface LoadableCiphertext {
  readonly seal: Uint8Array;
  readonly scale: number;
}

/** A SEAL ciphertext with `shape`; returns SEAL bytes that SEAL's loader will accept and the scale found. */
export function checkCiphertext(bytes: Uint8Array, ring: SealRing, shape: CiphertextShape, inflate: Inflate, field = 'body'): LoadableCiphertext {
  let scale = 0;
  const seal = sealObject(bytes, field, ciphertextMembersBytes(ring, shape), inflate, (r) => {
    scale = ciphertextMembers(r, ring, shape);
  });
  return { seal, scale };
}

/** A public key: a key-level ciphertext of size 2 and scale 1. */
export function checkPublicKey(bytes: Uint8Array, ring: SealRing, inflate: Inflate): Uint8Array {
  const { seal, scale } = checkCiphertext(bytes, ring, { primeCount: ring.primes.length, size: 2 }, inflate);
  if (scale !== 1) throw deserializeError('body', `a key's scale must be 1, got ${scale}`);
  return seal;
}

/**
 * Key-switching keys (relinearization or Galois): key-level parms_id, `entries` (u64) slots of
 * which those in `present` hold k - 1 public keys and all others none.
 */
export function checkKSwitchKeys(bytes: Uint8Array, ring: SealRing, entries: number, present: ReadonlySet<number>, inflate: Inflate): Uint8Array {
  const k = ring.primes.length;
  const key: CiphertextShape = { primeCount: k, size: 2 };
  const keyBytes = SEAL_HEADER_BYTES + ciphertextMembersBytes(ring, key);
  // A serializable key generator's keys come seeded: one polynomial and a seed each.
  const seededKeyBytes = keyBytes - 8 * ring.ringDegree * k + SEED_INFO_BYTES;
  const maxMembers = 32 + 8 + entries * 8 + present.size * (k - 1) * keyBytes;
  return sealObject(bytes, 'body', maxMembers, inflate, (r) => {
    if (!eq(parmsId(r), ring.parmsIds[k - 1] ?? [])) r.fail('parms_id is not the key level\'s');
    const dim1 = r.u64('the key count');
    if (dim1 !== BigInt(entries)) r.fail(`${dim1} key slots, expected ${entries}`, { declared: dim1.toString() });
    for (let index = 0; index < entries; index++) {
      const dim2 = r.u64('a key slot');
      const expected = present.has(index) ? k - 1 : 0;
      if (dim2 !== BigInt(expected)) r.fail(`key slot ${index} holds ${dim2} keys, expected ${expected}`, { index });
      for (let j = 0; j < expected; j++) {
        const start = r.offset;
        const declared = r.peekU64(8, 'a key');
        const length = declared === BigInt(seededKeyBytes) ? seededKeyBytes : keyBytes;
        r.need(length, 'a key');
        const inner = new Reader(r.bytes.subarray(start, start + length), r.field);
        if (sealHeader(inner, length) !== 0) inner.fail('a nested key must not be compressed');
        if (ciphertextMembers(inner, ring, key) !== 1) inner.fail('a key\'s scale must be 1');
        if (inner.offset !== length) inner.fail('a key\'s members end before its declared size');
        r.offset = start + length;
      }
    }
  });
}

/** A secret key: a key-level plaintext of N·k coefficients, scale 1. */
export function checkSecretKey(bytes: Uint8Array, ring: SealRing, inflate: Inflate): Uint8Array {
  const k = ring.primes.length;
  const count = ring.ringDegree * k;
  return sealObject(bytes, 'body', 32 + 8 + 8 + SEAL_HEADER_BYTES + 8 + count * 8, inflate, (r) => {
    if (!eq(parmsId(r), ring.parmsIds[k - 1] ?? [])) r.fail('parms_id is not the key level\'s');
    const coeffCount = r.u64('coeff_count');
    if (coeffCount !== BigInt(count)) r.fail(`${coeffCount} coefficients, expected ${count}`);
    if (r.f64('scale') !== 1) r.fail('a secret key\'s scale must be 1');
    dynArray(r, count, ring.ringDegree, ring.primes);
  });
}
