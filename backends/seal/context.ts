/**
 * A SEAL context with its keys for one set of parsed parameters: the encryption
 * parameters, keys (generated here, or loaded: relinearization and Galois keys only when
 * key switching exists, Galois keys only for the requested steps, the secret key only on
 * a client), encoder, encryptor, decryptor, evaluator, and the parms_id of every level.
 * `delete()` frees all of it.
 */
import { HeError } from '../../core/errors.js';
import { galoisElement, RotationKeys } from '../../core/rotation.js';
import { keySetFingerprint, paramsFingerprint } from '../../core/serialize/fingerprint.js';
import { fromSeal } from './errors.js';
import type { CkksParams } from '../../core/params/index.js';
import type { SealRing } from './serialize/seal-bytes.js';
import type { CipherText, Context, GaloisKeys, PublicKey, RelinKeys, SEALLibrary, SecretKey } from './types.js';

type Seal = SEALLibrary;
type Deletable = { delete(): void };

/** One SEAL Galois-keys object and the rotation steps it has a key for. */
export interface GaloisKeySet {
  readonly steps: readonly number[];
  readonly keys: GaloisKeys;
}

/**
 * A context's keys; the secret key is absent on an evaluation-only server. Galois keys may come
 * as several objects (one per step when they were made or loaded a step at a time); their
 * steps are disjoint.
 */
export interface SealKeys {
  readonly secretKey: SecretKey | null;
  readonly publicKey: PublicKey;
  readonly relinKeys: RelinKeys | null;
  readonly galoisKeys: readonly GaloisKeySet[];
}

export interface SealContext {
  readonly seal: Seal;
  readonly params: CkksParams;
  readonly context: Context;
  /** What serialized objects for this context must look like. */
  readonly ring: SealRing;
  readonly keys: SealKeys;
  readonly encoder: ReturnType<Seal['CKKSEncoder']>;
  readonly encryptor: ReturnType<Seal['Encryptor']>;
  /** null without a secret key. */
  readonly decryptor: ReturnType<Seal['Decryptor']> | null;
  readonly evaluator: ReturnType<Seal['Evaluator']>;
  /** One handle to SEAL's global pool, passed to every call for its temporaries. */
  readonly pool: Seal['MemoryPoolHandle']['global'];
  /**
   * An empty ciphertext with a memory pool of its own. SEAL's pools never give memory back,
   * and the global one keeps a free list per allocation size: ciphertexts at 14 levels would
   * hold the sum of every level's peak. A private pool dies with its ciphertext, returning the
   * memory to the heap for any size.
   */
  ciphertext(): CipherText;
  /**
   * Runs `use` with a memory pool for its temporaries, freed afterwards: key switching at each
   * level needs scratch of a different size, which the global pool would keep for every level.
   */
  scratch<R>(use: (pool: Seal['MemoryPoolHandle']['global']) => R): R;
  /**
   * The key set's fingerprint (`keySetFingerprint` of the public key SEAL writes uncompressed),
   * computed on first use: what every key-bound envelope of this context carries.
   */
  keySet(): Uint8Array;
  relinKeys(): ReturnType<ReturnType<Seal['KeyGenerator']>['createRelinKeys']>;
  /**
   * How to rotate by `step`: the Galois-keys object holding its own key, or else its NAF terms,
   * each with the object holding that term's key (the checked layer has confirmed they exist).
   */
  rotationPlan(step: number): ReadonlyArray<{ readonly step: number; readonly keys: GaloisKeys }>;
  parmsIdAt(level: number): ReturnType<Seal['ParmsIdType']>;
  levelOf(ct: CipherText): number;
  delete(): void;
}

const securityLevel = (seal: Seal, params: CkksParams) => {
  switch (params.security) {
    case 128: return seal.SecurityLevel.tc128;
    case 192: return seal.SecurityLevel.tc192;
    case 256: return seal.SecurityLevel.tc256;
    default: return seal.SecurityLevel.none;
  }
};

/** A SEAL context for `params` (primes checked against hekit's) and the parms_id of every level. */
export interface OpenedContext {
  readonly context: ReturnType<Seal['Context']>;
  readonly parmsIds: readonly ReturnType<Seal['ParmsIdType']>[];
  readonly ring: SealRing;
  delete(): void;
}

/** Frees what `own` collected, last first. */
function ownership() {
  const owned: Deletable[] = [];
  return {
    own: <T extends Deletable>(x: T): T => (owned.push(x), x),
    deleteAll: () => {
      for (const x of owned.reverse()) x.delete();
      owned.length = 0;
    },
  };
}

export function openContext(seal: Seal, params: CkksParams): OpenedContext {
  const { own, deleteAll } = ownership();
  try {
    const parms = own(seal.EncryptionParameters(seal.SchemeType.ckks));
    parms.setPolyModulusDegree(params.ringDegree);
    const moduli = own(seal.CoeffModulus.Create(params.ringDegree, Int32Array.from(params.bitSizes)));
    parms.setCoeffModulus(moduli);
    const chosen = Array.from(parms.coeffModulus);
    if (chosen.length !== params.primes.length || chosen.some((q, i) => q !== params.primes[i])) {
      throw new HeError('DIVERGENCE', 'SEAL chose different primes than hekit predicted', { predicted: params.primes, actual: chosen });
    }
    const context = own(seal.Context(parms, true, securityLevel(seal, params)));
    if (!context.parametersSet()) {
      throw new HeError('PARAMS_INVALID', `SEAL refused the parameters: ${context.toHuman()}`, {});
    }
    // parms_id per level, for mod switching plaintexts and ciphertexts down.
    const parmsIds: ReturnType<Seal['ParmsIdType']>[] = [];
    let data = context.firstContextData;
    for (let level = params.maxLevel; level >= 0; level--) {
      parmsIds[level] = own(data.parmsId);
      const next = level > 0 ? data.nextContextData : undefined;
      data.delete();
      if (next) data = next;
    }
    const keyParmsId = context.keyParmsId;
    const values = [...parmsIds.map((id) => Array.from(id.values)), Array.from(keyParmsId.values)];
    keyParmsId.delete();
    // With one prime the key level is data level 0.
    const ring: SealRing = { ringDegree: params.ringDegree, primes: params.primes, parmsIds: values.slice(0, params.primes.length) };
    return { context, parmsIds, ring, delete: deleteAll };
  } catch (e) {
    deleteAll();
    throw fromSeal('createSealBackend', e);
  }
}

/** Options of `generateKeys`. */
export interface KeyGenerationOptions {
  /** Make relinearization keys (default true; false for a pool's client, whose workers make their own). */
  readonly relinearization?: boolean;
  /** Make the keys under this secret key (the caller keeps and frees it; the result holds none) instead of a fresh one. */
  readonly secretKey?: SecretKey;
  /** The op named in errors (default 'createSealBackend'). */
  readonly op?: string;
  /** Called with the fresh secret key (the result still owns it) before the other keys are made, so it can be shared early. */
  readonly onSecretKey?: (secretKey: SecretKey) => void;
}

/**
 * Fresh keys for `opened`: a secret key (unless one is given), the public key, relinearization
 * keys and Galois keys (for `rotations`) only when key switching exists.
 */
export function generateKeys(seal: Seal, opened: OpenedContext, params: CkksParams, rotations: readonly number[], options: KeyGenerationOptions = {}): SealKeys {
  const { own, deleteAll } = ownership();
  try {
    const keygen = options.secretKey === undefined ? seal.KeyGenerator(opened.context) : seal.KeyGenerator(opened.context, options.secretKey);
    try {
      const secretKey = options.secretKey === undefined ? own(secretKeyOf(seal, keygen)) : null;
      if (secretKey !== null) options.onSecretKey?.(secretKey);
      const publicKey = own(keygen.createPublicKey());
      const relinKeys = params.keySwitching && (options.relinearization ?? true) ? own(keygen.createRelinKeys()) : null;
      const steps = rotations.filter((s) => s !== 0);
      const galoisKeys = params.keySwitching && steps.length > 0 ? [{ steps, keys: own(keygen.createGaloisKeys(Int32Array.from(steps))) }] : [];
      return { secretKey, publicKey, relinKeys, galoisKeys };
    } finally {
      keygen.delete();
    }
  } catch (e) {
    deleteAll();
    throw fromSeal(options.op ?? 'createSealBackend', e);
  }
}

/**
 * The key generator's secret key, without node-seal 6.0.3's leak: its `KeyGenerator.secretKey()`
 * copies the SecretKey SEAL's binding returns into a new wrapper and never frees that returned
 * copy (one secret key of WebAssembly heap per backend, 0.25-0.36 MiB at N = 8192). Here the
 * binding's copy is taken directly, copied into a wrapper the same way, and freed.
 */
function secretKeyOf(seal: Seal, keygen: ReturnType<Seal['KeyGenerator']>): SecretKey {
  const raw = (keygen.instance as unknown as { secretKey(): Deletable }).secretKey();
  try {
    const key = seal.SecretKey();
    try {
      key.inject(raw as never);
    } catch (e) {
      key.delete();
      throw e;
    }
    return key;
  } finally {
    raw.delete();
  }
}

/** Assembles a context from an opened SEAL context and keys, taking ownership of both (freed on failure too). */
export function createSealContext(seal: Seal, params: CkksParams, opened: OpenedContext, keys: SealKeys): SealContext {
  const { own, deleteAll } = ownership();
  own(opened);
  for (const key of [keys.secretKey, keys.publicKey, keys.relinKeys, ...keys.galoisKeys.map((g) => g.keys)]) if (key) own(key);
  try {
    const { context, parmsIds, ring } = opened;
    const { secretKey, publicKey, relinKeys, galoisKeys } = keys;
    // The object holding each key, by Galois element (steps r and r - slots share one).
    const holder = new Map(galoisKeys.flatMap((g) => g.steps.map((step) => [galoisElement(params.ringDegree, step), g.keys] as const)));
    const keysFor = (step: number) => holder.get(galoisElement(params.ringDegree, step));
    const available = new RotationKeys(params, galoisKeys.flatMap((g) => g.steps));
    const encoder = own(seal.CKKSEncoder(context));
    const encryptor = own(secretKey ? seal.Encryptor(context, publicKey, secretKey) : seal.Encryptor(context, publicKey));
    const decryptor = secretKey ? own(seal.Decryptor(context, secretKey)) : null;
    const evaluator = own(seal.Evaluator(context));
    // A handle to SEAL's global pool (the pool itself lives as long as the module).
    const pool = own(seal.MemoryPoolHandle.global as Deletable);
    const withNewPool = <R>(use: (pool: Seal['MemoryPoolHandle']['global']) => R): R => {
      const handle = newMemoryPool(seal);
      try {
        return use(handle);
      } finally {
        handle.delete();
      }
    };

    let keySet: Uint8Array | null = null;
    return {
      seal, params, context, ring, keys, encoder, encryptor, decryptor, evaluator, pool,
      keySet: () => (keySet ??= keySetFingerprint(paramsFingerprint(params), publicKey.saveArray(seal.ComprModeType.none as never))),
      // The handle is released at once; the pool lives while anything allocated from it does.
      ciphertext: () => withNewPool((p) => seal.CipherText({ pool: p as never })),
      scratch: withNewPool,
      relinKeys: () => relinKeys ?? unreachable('relinearization keys'),
      rotationPlan: (step) => {
        const own = keysFor(step);
        if (own) return [{ step, keys: own }];
        return available.plan(step).terms.map((t) => ({ step: t, keys: keysFor(t) ?? unreachable(`Galois key for step ${t}`) }));
      },
      parmsIdAt: (level) => parmsIds[level] ?? unreachable(`level ${level}`),
      // `ct.parmsId` allocates a native copy that outlives its wrapper; the prime count does not.
      levelOf: (ct) => ct.coeffModulusSize - 1,
      delete: deleteAll,
    };
  } catch (e) {
    deleteAll();
    throw fromSeal('createSealBackend', e);
  }
}

/**
 * A handle to a new memory pool of its own (SEAL's `MemoryPoolHandle::New`, not clearing on
 * destruction): the pool lives while the handle or anything allocated from it does, then gives
 * its memory back to the heap. node-seal exposes only the global and thread-local pools; `New`
 * is a static function of the handle's class, which any handle reaches through its prototype.
 */
export function newMemoryPool(seal: Seal): Seal['MemoryPoolHandle']['global'] {
  return handleClassOf(seal).MemoryPoolHandleNew(false);
}

type HandleClass = { MemoryPoolHandleNew(clearOnDestruction: boolean): Seal['MemoryPoolHandle']['global'] };
/** The handle class of each loaded module, found once: every ciphertext and key switch makes a pool. */
const handleClasses = new WeakMap<Seal, HandleClass>();
function handleClassOf(seal: Seal): HandleClass {
  let found = handleClasses.get(seal);
  if (found === undefined) {
    // Every read of `global` makes a handle to free.
    const global = seal.MemoryPoolHandle.global as Deletable;
    try {
      found = Object.getPrototypeOf(global).constructor as HandleClass;
    } finally {
      global.delete();
    }
    handleClasses.set(seal, found);
  }
  return found;
}

// The checked layer refuses key switching without keys before a kernel runs.
function unreachable(what: string): never {
  throw new HeError('BACKEND_INTERNAL', `SEAL backend has no ${what}; the checked layer should have refused this op`, {});
}
