/**
 * Keys: the public material a server needs (parameters, public key, relinearization and
 * Galois keys) as one `serverKeys` envelope, Galois keys also a step at a time
 * (`generateGaloisKeys`, so no heap ever holds them all), the secret key only through
 * `exportSecretKey`, and backends built from loaded keys: an evaluation-only server (no
 * secret key: decrypt throws NO_SECRET_KEY) and a client holding the secret key.
 */
import type { Backend } from '../../../core/backend.js';
import { HeError } from '../../../core/errors.js';
import type { CkksParams } from '../../../core/params/index.js';
import { optionsArgument, paramsArgument } from '../../../core/arguments.js';
import { galoisElement, validateRotations } from '../../../core/rotation.js';
import {
  deserializeError, loadParams, openEnvelope, paramsFingerprint, sameBytes, saveParams, writeEnvelope, type EnvelopeKind,
} from '../../../core/serialize/index.js';
import { createSealContext, openContext, type GaloisKeySet, type OpenedContext, type SealKeys } from '../context.js';
import { fromSeal } from '../errors.js';
import { loadSeal } from '../loader.js';
import { inflate } from '../platform.js';
import { sealBackend, sealPartsOf } from '../registry.js';
import type { SEALLibrary } from '../types.js';
import { saveSeal, type SaveOptions } from './compression.js';
import { checkKSwitchKeys, checkPublicKey, checkSecretKey, type SealRing } from './seal-bytes.js';

declare const secretKeyBrand: unique symbol;
/** An exported secret key. Its type keeps it out of every function a server calls. */
export type SecretKeyBytes = Uint8Array & { readonly [secretKeyBrand]: true };
/** Any bytes except those typed as a secret key. */
export type PublicBytes = Uint8Array & { readonly [secretKeyBrand]?: never };

/**
 * The parameters, public key, relinearization keys (with key switching) and Galois keys (for the
 * backend's rotations) of `backend`. A backend holding the secret key (a client) makes the
 * relinearization and Galois keys afresh for the export, in SEAL's seeded form: each key's
 * second polynomials travel as the 64-byte seed SEAL samples them from, half the bytes (18.2 ->
 * 9.4 MiB uncompressed at N = 8192 with 5 primes and 6 steps). They are as valid as the
 * backend's own, but each call makes new ones: keep the bytes you upload. A server re-exports
 * what it holds, whole.
 */
export function exportServerKeys(backend: Backend, options: SaveOptions = {}): Uint8Array {
  const { context } = sealPartsOf(backend, 'exportServerKeys');
  const { params, keys, seal } = context;
  const fingerprint = paramsFingerprint(params);
  const keySet = context.keySet();
  type Saved = Parameters<typeof saveSeal>[1];
  const save = (object: Saved) => saveSeal(seal, object, options, 'exportServerKeys');
  const envelope = (kind: 'publicKey' | 'relinKeys', object: Saved): Uint8Array => {
    const { bytes, code } = save(object);
    return writeEnvelope({ kind, fingerprint, keySet, compression: code }, bytes);
  };
  // The public key stays the backend's own: the key set's fingerprint is that key's.
  const parts = [saveParams(params), envelope('publicKey', keys.publicKey)];
  const keygen = keys.secretKey === null ? null : seal.KeyGenerator(context.context, keys.secretKey);
  /** `own` as saved, or with the secret key a seeded replacement from `fresh`, freed once saved. */
  const seeded = <T>(own: Saved, fresh: (k: NonNullable<typeof keygen>) => Saved & { delete(): void }, use: (object: Saved) => T): T => {
    if (keygen === null) return use(own);
    const made = fresh(keygen);
    try {
      return use(made);
    } finally {
      made.delete();
    }
  };
  try {
    if (keys.relinKeys) parts.push(seeded(keys.relinKeys, (k) => k.createRelinKeysSerializable(), (o) => envelope('relinKeys', o)));
    for (const set of keys.galoisKeys) {
      parts.push(seeded(set.keys, (k) => k.createGaloisKeysSerializable(Int32Array.from(set.steps)), (o) => galoisEnvelope(set.steps, fingerprint, keySet, save(o))));
    }
  } catch (e) {
    throw fromSeal('exportServerKeys', e);
  } finally {
    keygen?.delete();
  }
  return writeEnvelope({ kind: 'serverKeys', fingerprint, keySet, count: parts.length }, parts);
}

/** A `galoisKeys` envelope: the steps table, then SEAL's bytes (`saved`: the keys of `steps`). */
function galoisEnvelope(steps: readonly number[], fingerprint: Uint8Array, keySet: Uint8Array, saved: { bytes: Uint8Array; code: number }): Uint8Array {
  const table = new Uint8Array(4 * steps.length);
  steps.forEach((s, i) => new DataView(table.buffer).setInt32(4 * i, s, true));
  return writeEnvelope({ kind: 'galoisKeys', fingerprint, keySet, compression: saved.code, count: steps.length }, [table, saved.bytes]);
}

/**
 * Galois keys for `steps`, made with the backend's secret key one step at a time, seeded (as
 * `exportServerKeys` makes them): one `galoisKeys` envelope per step, each key freed once
 * serialized, so the heap never holds more than one (a full set at N = 32768 takes over 2 GiB of
 * the 4 GiB heap). Servers load them with the `galoisKeys` option of `createSealServerBackend`.
 * Throws NO_SECRET_KEY on a backend without the secret key, INVALID_ARGUMENT for bad steps or
 * without key switching.
 */
export function generateGaloisKeys(backend: Backend, steps: readonly number[], options: SaveOptions = {}): Uint8Array[] {
  const { context } = sealPartsOf(backend, 'generateGaloisKeys');
  const fingerprint = paramsFingerprint(context.params);
  return eachStepKey(backend, steps, 'generateGaloisKeys', (keygen, step) => keygen.createGaloisKeysSerializable(Int32Array.from([step])),
    (keys, step) => galoisEnvelope([step], fingerprint, context.keySet(), saveSeal(context.seal, keys, options, 'generateGaloisKeys')));
}

/**
 * Makes each step's Galois key with the backend's secret key and hands it to `use`, freeing it
 * before the next. NO_SECRET_KEY without the secret key; INVALID_ARGUMENT for bad steps or
 * parameters without key switching.
 */
export function eachGaloisKey<T>(backend: Backend, steps: readonly number[], op: string, use: (set: GaloisKeySet) => T): T[] {
  return eachStepKey(backend, steps, op, (keygen, step) => keygen.createGaloisKeys(Int32Array.from([step])), (keys, step) => use({ steps: [step], keys }));
}

type KeyGenerator = ReturnType<SEALLibrary['KeyGenerator']>;

/** `make`s each step's key with the secret key, hands it to `use`, and frees it before the next; errors as `eachGaloisKey`. */
function eachStepKey<K extends { delete(): void }, T>(backend: Backend, steps: readonly number[], op: string, make: (keygen: KeyGenerator, step: number) => K, use: (keys: K, step: number) => T): T[] {
  const { context } = sealPartsOf(backend, op);
  const { params, keys, seal } = context;
  if (keys.secretKey === null) throw new HeError('NO_SECRET_KEY', `${op}: this backend was built from public keys only`, { op });
  if (!params.keySwitching) throw new HeError('INVALID_ARGUMENT', `${op}: these parameters have one prime, so no key switching and no Galois keys`, { op });
  const valid = validateRotations(params, steps);
  const keygen = seal.KeyGenerator(context.context, keys.secretKey);
  try {
    return valid.map((step) => {
      const made = make(keygen, step);
      try {
        return use(made, step);
      } finally {
        made.delete();
      }
    });
  } catch (e) {
    throw fromSeal(op, e);
  } finally {
    keygen.delete();
  }
}

/** The secret key of a backend that holds one (NO_SECRET_KEY otherwise). Keep these bytes on the client. */
export function exportSecretKey(backend: Backend, options: SaveOptions = {}): SecretKeyBytes {
  const { context } = sealPartsOf(backend, 'exportSecretKey');
  const { secretKey } = context.keys;
  if (secretKey === null) throw new HeError('NO_SECRET_KEY', 'exportSecretKey: this backend was built from public keys only', { op: 'exportSecretKey' });
  const { bytes, code } = saveSeal(context.seal, secretKey, options, 'exportSecretKey');
  return writeEnvelope({ kind: 'secretKey', fingerprint: paramsFingerprint(context.params), keySet: context.keySet(), compression: code }, bytes) as SecretKeyBytes;
}

/** Options of the backends built from loaded keys (`createSealServerBackend`, `createSealClientBackend`). */
export interface KeyedBackendOptions {
  /** Require these parameters (DESERIALIZE on `fingerprint` otherwise). */
  readonly params?: CkksParams;
  /** Accept stored parameters above the HE-standard limit (default false: PARAMS_INSECURE). */
  readonly allowInsecure?: boolean;
  /** As `SealBackendOptions.verify`. */
  readonly verify?: boolean;
  /** As `SealBackendOptions.scaleFloor`. */
  readonly scaleFloor?: number;
  /** As `SealBackendOptions.seededEncryption` (with the secret key). */
  readonly seededEncryption?: boolean;
  /** More Galois keys, e.g. from `generateGaloisKeys`: each envelope is loaded into its own SEAL object. Steps may not repeat. */
  readonly galoisKeys?: readonly PublicBytes[];
}

/** Keys to load: parameters and SEAL's bytes of each key. */
export interface Material {
  readonly params: CkksParams;
  /** The key set every envelope declared (checked against the public key once it is loaded). */
  readonly keySet: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly relinKeys: Uint8Array | null;
  readonly galoisKeys: ReadonlyArray<{ readonly steps: readonly number[]; readonly body: Uint8Array }>;
}

/**
 * The inner envelopes of a serverKeys envelope, each checked, all of one key set (field
 * `keySet` otherwise); a secret key inside is refused (field `kind`).
 */
function openServerKeys(bytes: Uint8Array, options: KeyedBackendOptions): Material {
  const outer = openEnvelope(bytes, { kinds: ['serverKeys'], fingerprint: options.params ? paramsFingerprint(options.params) : null, keySet: null });
  const { fingerprint, keySet, count } = outer.header;
  const body = outer.body;
  let offset = 0;
  const next = (kinds: readonly EnvelopeKind[]) => {
    const inner = openEnvelope(body, { kinds, fingerprint, keySet }, offset, false);
    const whole = body.subarray(offset, inner.end);
    offset = inner.end;
    return { ...inner, whole };
  };
  const params = loadParams(next(['params']).whole, { allowInsecure: options.allowInsecure === true, fingerprint });
  // Parameters, public key, then with key switching the relinearization keys and any number of Galois key sets.
  if (params.keySwitching ? count < 3 || count > 3 + params.slots : count !== 2) {
    throw deserializeError('count', `${count} objects, expected ${params.keySwitching ? '3 or more' : '2'}`, { count });
  }
  const publicKey = next(['publicKey']).body;
  const relinKeys = params.keySwitching ? next(['relinKeys']).body : null;
  const galoisKeys = Array.from({ length: count - (params.keySwitching ? 3 : 2) }, () => galoisSet(next(['galoisKeys']), params));
  if (offset !== body.length) throw deserializeError('bodyLength', `${body.length - offset} bytes follow the last key`);
  return { params, keySet, publicKey, relinKeys, galoisKeys: [...galoisKeys, ...(options.galoisKeys ?? []).map((bytes) => {
    if (!params.keySwitching) throw deserializeError('galoisKeys', 'these parameters have no key switching, so no Galois keys');
    return galoisSet(openEnvelope(bytes, { kinds: ['galoisKeys'], fingerprint, keySet }), params);
  })] };
}

/** A Galois key set's steps and SEAL bytes, from its opened envelope. */
function galoisSet(g: { header: { count: number }; body: Uint8Array }, params: CkksParams): Material['galoisKeys'][number] {
  return { steps: stepsOf(g.body, g.header.count, params), body: g.body.subarray(4 * g.header.count) };
}

/** The rotation steps table in front of the Galois keys: sorted, unique, valid, distinct Galois elements. */
function stepsOf(body: Uint8Array, count: number, params: CkksParams): readonly number[] {
  if (count < 1 || count > params.slots || 4 * count > body.length) throw deserializeError('count', `${count} rotation steps do not fit`, { count });
  const view = new DataView(body.buffer, body.byteOffset, 4 * count);
  const steps = Array.from({ length: count }, (_, i) => view.getInt32(4 * i, true));
  let valid: readonly number[];
  try {
    valid = validateRotations(params, steps);
  } catch (e) {
    throw deserializeError('rotations', e instanceof Error ? e.message : String(e), {}, e);
  }
  const elements = new Set(steps.map((s) => galoisElement(params.ringDegree, s)));
  if (valid.length !== count || valid.some((s, i) => s !== steps[i]) || elements.size !== count) {
    throw deserializeError('rotations', 'rotation steps must be sorted, unique and give distinct Galois elements');
  }
  return valid;
}

type Loadable = { loadArray(context: never, bytes: Uint8Array): void; delete(): void };

/** SEAL's load of bytes hekit has validated; the object is freed if SEAL refuses anyway. */
function sealLoad<T extends Loadable>(object: T, opened: OpenedContext, bytes: Uint8Array, field: string): T {
  try {
    object.loadArray(opened.context as never, bytes);
    return object;
  } catch (e) {
    object.delete();
    throw deserializeError(field, 'SEAL refused data hekit had validated', { stage: 'seal' }, e);
  }
}

/**
 * SEAL objects from `m`. Untrusted bytes are checked in full first; `trusted` (SEAL's own
 * uncompressed bytes from another thread of this process, hekit/seal/pool) skips that.
 */
export function loadKeys(seal: SEALLibrary, opened: OpenedContext, m: Omit<Material, 'keySet'>, secretKey: Uint8Array | null, trusted = false): SealKeys {
  const ring: SealRing = opened.ring;
  // Trusted bytes are SEAL's own and uncompressed: nothing to check or inflate.
  const publicBytes = (b: Uint8Array) => (trusted ? b : checkPublicKey(b, ring, inflate));
  const switchingBytes = (b: Uint8Array, entries: number, present: ReadonlySet<number>) => (trusted ? b : checkKSwitchKeys(b, ring, entries, present, inflate));
  const owned: { delete(): void }[] = [];
  const own = <T extends { delete(): void }>(x: T): T => (owned.push(x), x);
  try {
    const publicKey = own(sealLoad(seal.PublicKey(), opened, publicBytes(m.publicKey), 'publicKey'));
    const relinKeys = m.relinKeys && own(sealLoad(seal.RelinKeys(), opened, switchingBytes(m.relinKeys, 1, new Set([0])), 'relinKeys'));
    const seen = new Set<number>();
    const galoisKeys: GaloisKeySet[] = m.galoisKeys.map((set) => {
      const present = galoisEntries(set.steps, ring);
      for (const p of present) {
        if (seen.has(p)) throw deserializeError('rotations', 'two Galois key sets hold a key for the same rotation');
        seen.add(p);
      }
      return { steps: set.steps, keys: own(sealLoad(seal.GaloisKeys(), opened, switchingBytes(set.body, ring.ringDegree, present), 'galoisKeys')) };
    });
    const secret = secretKey && own(sealLoad(seal.SecretKey(), opened, checkSecretKey(secretKey, ring, inflate), 'secretKey'));
    return { publicKey, relinKeys, galoisKeys, secretKey: secret };
  } catch (e) {
    for (const x of owned.reverse()) x.delete();
    throw e;
  }
}

/** The entries of a Galois key set for `steps`: SEAL stores the key of Galois element g at (g - 1) / 2. */
const galoisEntries = (steps: readonly number[], ring: SealRing): ReadonlySet<number> => new Set(steps.map((s) => (galoisElement(ring.ringDegree, s) - 1) / 2));

/**
 * `m`'s keys checked in full, as `loadKeys` checks untrusted bytes, and returned as SEAL's
 * uncompressed bytes, which `loadKeys` then loads as trusted (hekit/seal/pool: checked once on
 * the main thread, loaded by every worker). Throws DESERIALIZE naming the field.
 */
export function checkKeys<M extends Omit<Material, 'keySet'>>(m: M, ring: SealRing): M {
  return {
    ...m,
    publicKey: checkPublicKey(m.publicKey, ring, inflate),
    relinKeys: m.relinKeys && checkKSwitchKeys(m.relinKeys, ring, 1, new Set([0]), inflate),
    galoisKeys: m.galoisKeys.map((set) => ({ steps: set.steps, body: checkKSwitchKeys(set.body, ring, ring.ringDegree, galoisEntries(set.steps, ring), inflate) })),
  };
}

/** `options` checked for types (INVALID_ARGUMENT naming the option); parameter literals become parameters. */
function keyedOptions(options: KeyedBackendOptions | undefined, op: string): KeyedBackendOptions {
  const o = optionsArgument(options, op);
  const galoisKeys = o.galoisKeys;
  if (galoisKeys !== undefined && !Array.isArray(galoisKeys)) {
    throw new HeError('INVALID_ARGUMENT', `${op}: galoisKeys must be an array of envelopes from generateGaloisKeys; got ${typeof galoisKeys}`, { op, argument: 'galoisKeys' });
  }
  return o.params === undefined ? o : { ...o, params: paramsArgument(o.params, op, 'params') };
}

/**
 * The checked contents of a serverKeys envelope, not yet loaded into SEAL (hekit/seal/pool loads
 * the evaluation keys in its workers). Throws as `createSealServerBackend`.
 */
export function openPublicMaterial(serverKeys: PublicBytes, options: KeyedBackendOptions | undefined, op: string): Material {
  return openServerKeys(serverKeys, keyedOptions(options, op));
}

/** A backend over `material` (the keys it holds: any of them may be left out) and the secret key, if any; the public key must be the declared key set's. */
export async function keyedBackend(material: Material, secretKey: Uint8Array | null, options: KeyedBackendOptions): Promise<Backend> {
  const { params } = material;
  const secretBody = secretKey && openEnvelope(secretKey, { kinds: ['secretKey'], fingerprint: paramsFingerprint(params), keySet: material.keySet }).body;
  const seal = await loadSeal();
  const opened = openContext(seal, params);
  let keys: SealKeys;
  try {
    keys = loadKeys(seal, opened, material, secretBody);
  } catch (e) {
    opened.delete();
    throw e;
  }
  const context = createSealContext(seal, params, opened, keys);
  if (!sameBytes(context.keySet(), material.keySet)) {
    context.delete();
    throw deserializeError('keySet', 'the public key is not the one the envelopes declare (key set mismatch)');
  }
  const backend = sealBackend(context, material.galoisKeys.flatMap((g) => g.steps), options.verify ?? false, options.scaleFloor, options.seededEncryption === true);
  if (secretKey) checkKeyPair(backend);
  return backend;
}

/** A secret key that does not decrypt what its public key encrypts belongs to another key pair. */
function checkKeyPair(backend: Backend): void {
  const probe = backend.scope(() => backend.decrypt(backend.encrypt([1]))[0] ?? NaN);
  backend.resetStats();
  if (!(Math.abs(probe - 1) < 1e-3)) {
    backend.dispose();
    throw deserializeError('secretKey', 'the secret key does not belong to the public key');
  }
}

/**
 * An evaluation-only backend from `exportServerKeys` bytes: it encrypts with the public key
 * and evaluates (relinearize, rotate by the stored steps); decrypt throws NO_SECRET_KEY.
 * Throws DESERIALIZE (field named) for anything malformed, foreign or corrupted, and
 * PARAMS_INSECURE for insecure parameters unless `allowInsecure`.
 */
export async function createSealServerBackend(serverKeys: PublicBytes, options?: KeyedBackendOptions): Promise<Backend> {
  const o = keyedOptions(options, 'createSealServerBackend');
  return keyedBackend(openServerKeys(serverKeys, o), null, o);
}

/**
 * The client's backend from its server keys and the secret key it kept: decrypts; checked to be
 * one key pair. A missing secret key (null, undefined, not bytes) is INVALID_ARGUMENT naming
 * `secretKey`: a client without it could not decrypt (use `createSealServerBackend` for that).
 */
export async function createSealClientBackend(serverKeys: PublicBytes, secretKey: SecretKeyBytes | Uint8Array, options?: KeyedBackendOptions): Promise<Backend> {
  if (!(secretKey instanceof Uint8Array)) {
    throw new HeError('INVALID_ARGUMENT', `createSealClientBackend: secretKey must be the bytes exportSecretKey wrote; got ${secretKey === null ? 'null' : typeof secretKey}`,
      { op: 'createSealClientBackend', argument: 'secretKey' });
  }
  const o = keyedOptions(options, 'createSealClientBackend');
  return keyedBackend(openServerKeys(serverKeys, o), secretKey, o);
}
