/**
 * hekit's envelope: a fixed 128-byte little-endian header in front of every serialized object,
 * so a reader knows what it holds, for which parameters and which key pair, and how long it is
 * before it reads (or allocates for) the body. Pure TypeScript, for Node and browsers.
 *
 * | offset | bytes | field |
 * |---|---|---|
 * | 0 | 4 | magic `HEKT` |
 * | 4 | 2 | format version (2) |
 * | 6 | 1 | kind (`KIND_CODES`) |
 * | 7 | 1 | compression of a SEAL body (SEAL's `compr_mode_type`: 0 none, 1 zlib, 2 zstd) |
 * | 8 | 32 | parameter fingerprint (`paramsFingerprint`) |
 * | 40 | 4 | level (ciphertexts; every tile of a matrix or vector) |
 * | 44 | 4 | degree (likewise) |
 * | 48 | 8 | scale, float64 (likewise) |
 * | 56 | 4 | rows (matrices; a vector's length) |
 * | 60 | 4 | cols (matrices; 1 for vectors) |
 * | 64 | 4 | encoding unit height |
 * | 68 | 4 | encoding unit width |
 * | 72 | 4 | count: items in the body (tiles, rotation steps, inner envelopes) |
 * | 76 | 4 | CRC-32 of header (this field zeroed) and body |
 * | 80 | 8 | body length in bytes |
 * | 88 | 8 | reserved, zero |
 * | 96 | 32 | key set (`keySetFingerprint`): the key pair the object belongs to; zero in `params` |
 *
 * A field a kind does not use must be zero, so every header bit is checked by someone.
 * Version 1 (a 96-byte header without the key set) is refused with DESERIALIZE on `version`:
 * its objects cannot be bound to a key pair, so they must be exported again.
 * The CRC-32 (IEEE, as zlib's) catches accidental corruption (truncation, flipped bits), not
 * tampering: authenticity is the transport's job, and every field is validated regardless.
 */
import { crc32, crc32Final, crc32Init, crc32Update } from '@foxglove/crc';
import { HeError } from '../errors.js';

export const ENVELOPE_VERSION = 2;
export const HEADER_BYTES = 128;
const KEY_SET_AT = 96;
const ZERO_KEY_SET = new Uint8Array(32);
const MAGIC = [0x48, 0x45, 0x4b, 0x54]; // "HEKT"

/** The kind byte of each envelope kind (header offset 6); stable across format versions. */
export const KIND_CODES = {
  params: 1,
  publicKey: 2,
  relinKeys: 3,
  galoisKeys: 4,
  secretKey: 5,
  ciphertext: 6,
  serverKeys: 7,
  matrix: 8,
  rowVector: 9,
  colVector: 10,
  bundle: 11,
} as const;

/** What an envelope holds: parameters, a key, a ciphertext, a server key bundle, a linalg object, or a named bundle of those (`writeBundle`). */
export type EnvelopeKind = keyof typeof KIND_CODES;

/** The header fields each kind uses; the others must be zero. */
type NumericField = 'compression' | 'level' | 'degree' | 'scale' | 'rows' | 'cols' | 'unitHeight' | 'unitWidth' | 'count';
const USED: Readonly<Record<EnvelopeKind, readonly NumericField[]>> = {
  params: [],
  publicKey: ['compression'],
  relinKeys: ['compression'],
  galoisKeys: ['compression', 'count'],
  secretKey: ['compression'],
  ciphertext: ['compression', 'level', 'degree', 'scale'],
  serverKeys: ['count'],
  matrix: ['rows', 'cols', 'unitHeight', 'unitWidth', 'count', 'level', 'degree', 'scale'],
  rowVector: ['rows', 'cols', 'unitHeight', 'unitWidth', 'count', 'level', 'degree', 'scale'],
  colVector: ['rows', 'cols', 'unitHeight', 'unitWidth', 'count', 'level', 'degree', 'scale'],
  bundle: ['count'],
};

/** The decoded 96-byte header. Numeric fields a kind does not use are zero (and checked to be). */
export interface EnvelopeHeader {
  readonly kind: EnvelopeKind;
  /** SHA-256 of the ring degree and primes (`paramsFingerprint`): the parameters the object belongs to. */
  readonly fingerprint: Uint8Array;
  /**
   * SHA-256 identifying the key pair (`keySetFingerprint`): every object that depends on keys
   * (keys, ciphertexts, linalg objects, bundles) carries it; all zero in `params`.
   */
  readonly keySet: Uint8Array;
  /** SEAL's compression mode byte of the body (0 none, 1 zlib, 2 zstd). */
  readonly compression: number;
  readonly level: number;
  readonly degree: number;
  readonly scale: number;
  readonly rows: number;
  readonly cols: number;
  readonly unitHeight: number;
  readonly unitWidth: number;
  /** Ciphertexts in a linalg object, Galois keys' rotation steps, or parts of a server bundle. */
  readonly count: number;
}

/** What `writeEnvelope` needs: the kind and fingerprint, and the key set for every kind but `params`; other fields default to zero. */
export type EnvelopeFields = Pick<EnvelopeHeader, 'kind' | 'fingerprint'> & Partial<Omit<EnvelopeHeader, 'kind' | 'fingerprint'>>;

/** Throws DESERIALIZE naming `field`; every loader reports failures through this. */
export function deserializeError(field: string, message: string, details: Record<string, unknown> = {}, cause?: unknown): HeError {
  return new HeError('DESERIALIZE', `cannot load: ${message}`, { field, ...details }, cause === undefined ? undefined : { cause });
}

const u32 = (v: number): boolean => Number.isInteger(v) && v >= 0 && v <= 0xffffffff;

/** Header then body (given whole or in parts), with the checksum filled in. */
export function writeEnvelope(fields: EnvelopeFields, body: Uint8Array | readonly Uint8Array[]): Uint8Array {
  const parts = body instanceof Uint8Array ? [body] : body;
  const bodyLength = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(HEADER_BYTES + bodyLength);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint16(4, ENVELOPE_VERSION, true);
  view.setUint8(6, KIND_CODES[fields.kind]);
  if (fields.fingerprint.length !== 32) throw new HeError('INVALID_ARGUMENT', 'a fingerprint has 32 bytes', { length: fields.fingerprint.length });
  out.set(fields.fingerprint, 8);
  const keySet = fields.keySet ?? ZERO_KEY_SET;
  if (keySet.length !== 32) throw new HeError('INVALID_ARGUMENT', 'a key set has 32 bytes', { length: keySet.length });
  if ((fields.kind === 'params') !== sameBytes(keySet, ZERO_KEY_SET)) {
    throw new HeError('INVALID_ARGUMENT', `a ${fields.kind} envelope ${fields.kind === 'params' ? 'has no' : 'needs a'} key set`, { field: 'keySet' });
  }
  out.set(keySet, KEY_SET_AT);
  const ints: ReadonlyArray<readonly [Exclude<NumericField, 'scale' | 'compression'>, number]> =
    [['level', 40], ['degree', 44], ['rows', 56], ['cols', 60], ['unitHeight', 64], ['unitWidth', 68], ['count', 72]];
  for (const [name, offset] of ints) {
    const v = fields[name] ?? 0;
    if (!u32(v)) throw new HeError('INVALID_ARGUMENT', `envelope field ${name} = ${v} is not a 32-bit unsigned integer`, { field: name });
    view.setUint32(offset, v, true);
  }
  view.setUint8(7, fields.compression ?? 0);
  view.setFloat64(48, fields.scale ?? 0, true);
  view.setBigUint64(80, BigInt(bodyLength), true);
  let offset = HEADER_BYTES;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  view.setUint32(76, crc32(out), true);
  return out;
}

/** What a loader accepts: `openEnvelope` refuses anything else with DESERIALIZE. */
export interface Expectation {
  /** Kinds accepted here. */
  readonly kinds: readonly EnvelopeKind[];
  /** The loading context's parameter fingerprint; null to accept any (the caller checks it once it knows the parameters). */
  readonly fingerprint: Uint8Array | null;
  /**
   * The loading context's key set (`keySetFingerprint`); null to accept any (the caller checks
   * it once it knows the keys). A mismatch is DESERIALIZE on field `keySet`.
   */
  readonly keySet: Uint8Array | null;
}

/** A checked envelope: its header and a view of its body. */
export interface OpenedEnvelope {
  readonly header: EnvelopeHeader;
  /** A view into the input, not a copy. */
  readonly body: Uint8Array;
  /** Offset just past this envelope in the input. */
  readonly end: number;
}

const KINDS_BY_CODE = new Map<number, EnvelopeKind>(Object.entries(KIND_CODES).map(([k, v]) => [v, k as EnvelopeKind]));

/**
 * Reads the envelope starting at `offset`: magic, version, kind, fingerprint, body length
 * against the bytes actually present (nothing is allocated from a declared size), unused
 * fields zero, then the checksum. Throws DESERIALIZE naming the first field that fails.
 * With `exact`, the envelope must end where the input ends.
 */
export function openEnvelope(bytes: unknown, expect: Expectation, offset = 0, exact = true): OpenedEnvelope {
  if (!(bytes instanceof Uint8Array)) throw deserializeError('bytes', `expected a Uint8Array, got ${bytes === null ? 'null' : typeof bytes}`);
  const available = bytes.length - offset;
  if (available < HEADER_BYTES) {
    throw deserializeError('length', `${available} bytes cannot hold a ${HEADER_BYTES}-byte hekit header`, { length: available });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, HEADER_BYTES);
  if (MAGIC.some((b, i) => bytes[offset + i] !== b)) throw deserializeError('magic', 'not a hekit object (bad magic)');
  const version = view.getUint16(4, true);
  if (version !== ENVELOPE_VERSION) {
    const why = version === 1 ? ': version 1 objects are not bound to a key pair; export the keys and save the objects again with this hekit' : '';
    throw deserializeError('version', `format version ${version} is not supported (this hekit reads version ${ENVELOPE_VERSION})${why}`, { version });
  }
  const kind = KINDS_BY_CODE.get(view.getUint8(6));
  if (kind === undefined || !expect.kinds.includes(kind)) {
    throw deserializeError('kind', `expected ${expect.kinds.join(' or ')}, got ${kind ?? `unknown kind ${view.getUint8(6)}`}`, { kind: kind ?? view.getUint8(6) });
  }
  const fingerprint = bytes.slice(offset + 8, offset + 40);
  if (expect.fingerprint !== null && fingerprint.some((b, i) => b !== expect.fingerprint![i])) {
    throw deserializeError('fingerprint', `this ${kind} was made for other parameters (fingerprint ${hex(fingerprint)}, expected ${hex(expect.fingerprint)})`);
  }
  const keySet = bytes.slice(offset + KEY_SET_AT, offset + KEY_SET_AT + 32);
  if (kind === 'params' ? !sameBytes(keySet, ZERO_KEY_SET) : expect.keySet !== null && !sameBytes(keySet, expect.keySet)) {
    throw deserializeError('keySet', kind === 'params'
      ? 'the key set must be zero in parameters'
      : `this ${kind} was made under another key pair (key set ${hex(keySet)}, expected ${hex(expect.keySet!)})`, { keySet: hex(keySet) });
  }
  const bodyLength = view.getBigUint64(80, true);
  if (bodyLength > BigInt(available - HEADER_BYTES) || (exact && bodyLength !== BigInt(available - HEADER_BYTES))) {
    throw deserializeError('bodyLength', `the header declares ${bodyLength} body bytes but ${available - HEADER_BYTES} follow`,
      { declared: bodyLength.toString(), available: available - HEADER_BYTES });
  }
  const header: EnvelopeHeader = {
    kind, fingerprint, keySet,
    compression: view.getUint8(7),
    level: view.getUint32(40, true),
    degree: view.getUint32(44, true),
    scale: view.getFloat64(48, true),
    rows: view.getUint32(56, true),
    cols: view.getUint32(60, true),
    unitHeight: view.getUint32(64, true),
    unitWidth: view.getUint32(68, true),
    count: view.getUint32(72, true),
  };
  const used = USED[kind];
  for (const name of ['compression', 'level', 'degree', 'scale', 'rows', 'cols', 'unitHeight', 'unitWidth', 'count'] as const) {
    // Object.is tells -0 from 0: a set sign bit is a set bit.
    if (!used.includes(name) && !Object.is(header[name], 0)) throw deserializeError(name, `${name} must be 0 in a ${kind}`, { [name]: header[name] });
  }
  if (view.getBigUint64(88, true) !== 0n) throw deserializeError('reserved', 'reserved header bytes must be zero');
  const end = offset + HEADER_BYTES + Number(bodyLength);
  const body = bytes.subarray(offset + HEADER_BYTES, end);
  const stored = view.getUint32(76, true);
  // The checksum field counts as zero.
  const headerTail = bytes.subarray(offset + 80, offset + HEADER_BYTES);
  let crc = crc32Init();
  for (const part of [bytes.subarray(offset, offset + 76), new Uint8Array(4), headerTail, body]) crc = crc32Update(crc, part);
  const computed = crc32Final(crc);
  if (stored !== computed) throw deserializeError('checksum', `checksum mismatch (stored ${stored}, computed ${computed}): the bytes were corrupted`);
  return { header, body, end };
}

/** Equal length and bytes. */
export const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

export const hex = (b: Uint8Array): string => Array.from(b.subarray(0, 8), (x) => x.toString(16).padStart(2, '0')).join('') + '…';
