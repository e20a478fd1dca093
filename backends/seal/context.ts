/**
 * A SEAL context with its keys for one set of parsed parameters: the encryption
 * parameters, keys (relinearization and Galois keys only when key switching exists,
 * Galois keys only for the requested steps), encoder, encryptor, decryptor, evaluator,
 * and the parms_id of every level. `delete()` frees all of it.
 */
import { HeError } from '../../core/errors.js';
import { fromSeal } from './errors.js';
import type { CkksParams } from '../../core/params/index.js';
import type { CipherText, SEALLibrary } from './types.js';

type Seal = SEALLibrary;
type Deletable = { delete(): void };

export interface SealContext {
  readonly seal: Seal;
  readonly params: CkksParams;
  readonly encoder: ReturnType<Seal['CKKSEncoder']>;
  readonly encryptor: ReturnType<Seal['Encryptor']>;
  readonly decryptor: ReturnType<Seal['Decryptor']>;
  readonly evaluator: ReturnType<Seal['Evaluator']>;
  /** One handle to SEAL's global pool, passed to every call. */
  readonly pool: Seal['MemoryPoolHandle']['global'];
  relinKeys(): ReturnType<ReturnType<Seal['KeyGenerator']>['createRelinKeys']>;
  galoisKeys(): ReturnType<ReturnType<Seal['KeyGenerator']>['createGaloisKeys']>;
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
    return { context, parmsIds, delete: deleteAll };
  } catch (e) {
    deleteAll();
    throw fromSeal('createSealBackend', e);
  }
}

export function createSealContext(seal: Seal, params: CkksParams, rotations: readonly number[]): SealContext {
  const opened = openContext(seal, params);
  const { own, deleteAll } = ownership();
  own(opened);
  try {
    const { context, parmsIds } = opened;
    const keygen = own(seal.KeyGenerator(context));
    const secretKey = own(keygen.secretKey());
    const publicKey = own(keygen.createPublicKey());
    const relin = params.keySwitching ? own(keygen.createRelinKeys()) : undefined;
    const steps = rotations.filter((s) => s !== 0);
    const galois = params.keySwitching && steps.length > 0 ? own(keygen.createGaloisKeys(Int32Array.from(steps))) : undefined;
    const encoder = own(seal.CKKSEncoder(context));
    const encryptor = own(seal.Encryptor(context, publicKey, secretKey));
    const decryptor = own(seal.Decryptor(context, secretKey));
    const evaluator = own(seal.Evaluator(context));
    // A handle to SEAL's global pool (the pool itself lives as long as the module).
    const pool = own(seal.MemoryPoolHandle.global as Deletable);

    return {
      seal, params, encoder, encryptor, decryptor, evaluator, pool,
      relinKeys: () => relin ?? unreachable('relinearization keys'),
      galoisKeys: () => galois ?? unreachable('Galois keys'),
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

// The checked layer refuses key switching without keys before a kernel runs.
function unreachable(what: string): never {
  throw new HeError('BACKEND_INTERNAL', `SEAL backend has no ${what}; the checked layer should have refused this op`, {});
}
