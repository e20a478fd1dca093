/**
 * The baseline for the framework-overhead suite: the same CKKS work written directly
 * against node-seal, as a node-seal user would write it. It shares hekit's WebAssembly
 * instance (`loadSeal`) and parameters, and creates its own keys the usual way.
 */
import type { CkksParamsLiteral } from '../core/index.js';
import { loadSeal } from '../backends/seal/loader.js';
import type { CipherText, SEALLibrary } from '../backends/seal/types.js';

export interface RawSeal {
  readonly seal: SEALLibrary;
  readonly evaluator: ReturnType<SEALLibrary['Evaluator']>;
  readonly relinKeys: ReturnType<ReturnType<SEALLibrary['KeyGenerator']>['createRelinKeys']>;
  readonly galoisKeys: ReturnType<ReturnType<SEALLibrary['KeyGenerator']>['createGaloisKeys']>;
  /**
   * One handle to SEAL's global memory pool. node-seal's default argument fetches a new
   * handle on every call (about 1.5 µs, and the handle is never deleted); careful code passes one.
   */
  readonly pool: SEALLibrary['MemoryPoolHandle']['global'];
  /** Encodes at the default scale and encrypts at the first level. The caller deletes the result. */
  encrypt(values: Float64Array): CipherText;
  decrypt(ct: CipherText): Float64Array;
  /** Frees keys, context and helpers. */
  delete(): void;
}

export async function createRawSeal(literal: CkksParamsLiteral, steps: readonly number[]): Promise<RawSeal> {
  const seal = await loadSeal();
  const parms = seal.EncryptionParameters(seal.SchemeType.ckks);
  parms.setPolyModulusDegree(literal.ringDegree);
  const coeffModulus = seal.CoeffModulus.Create(literal.ringDegree, Int32Array.from(literal.bitSizes));
  parms.setCoeffModulus(coeffModulus);
  const context = seal.Context(parms, true, seal.SecurityLevel.tc128);
  if (!context.parametersSet()) throw new Error(`node-seal refused the parameters: ${context.toHuman()}`);

  const keygen = seal.KeyGenerator(context);
  const secretKey = keygen.secretKey();
  const publicKey = keygen.createPublicKey();
  const relinKeys = keygen.createRelinKeys();
  const galoisKeys = keygen.createGaloisKeys(Int32Array.from(steps));
  const encoder = seal.CKKSEncoder(context);
  const encryptor = seal.Encryptor(context, publicKey);
  const decryptor = seal.Decryptor(context, secretKey);
  const evaluator = seal.Evaluator(context);
  const pool = seal.MemoryPoolHandle.global;

  return {
    seal, evaluator, relinKeys, galoisKeys, pool,
    encrypt(values) {
      const plain = encoder.encode(values, literal.scale) as ReturnType<SEALLibrary['PlainText']>;
      const ct = encryptor.encrypt(plain) as CipherText;
      plain.delete();
      return ct;
    },
    decrypt(ct) {
      const plain = decryptor.decrypt(ct) as ReturnType<SEALLibrary['PlainText']>;
      const values = encoder.decode(plain) as Float64Array;
      plain.delete();
      return values;
    },
    delete() {
      for (const x of [pool, evaluator, decryptor, encryptor, encoder, galoisKeys, relinKeys, publicKey, secretKey, keygen, context, coeffModulus, parms]) {
        x.delete();
      }
    },
  };
}

/**
 * The overhead circuit, x·y → relinearize → rescale → rotate(STEP) → add, three ways,
 * and a lone add two ways. Each body frees what it creates.
 */
export function rawCircuits(raw: RawSeal, x: CipherText, y: CipherText, step: number) {
  const { seal, evaluator, relinKeys, galoisKeys, pool } = raw;
  const fresh = (): CipherText => seal.CipherText({ pool });
  // Outputs for `reused`, allocated once: SEAL keeps their capacity across iterations.
  const prodBuf = fresh();
  const rotBuf = fresh();
  const sumBuf = fresh();
  /** What a node-seal user writes (node-seal's README style): node-seal allocates results, relinearize and rescale run in place, default pool. */
  const idiomaticSum = (): { sum: CipherText; free: () => void } => {
    const prod = evaluator.multiply(x, y) as CipherText;
    evaluator.relinearize(prod, relinKeys, prod);
    evaluator.rescaleToNext(prod, prod);
    const rotated = evaluator.rotateVector(prod, step, galoisKeys) as CipherText;
    const sum = evaluator.add(prod, rotated) as CipherText;
    return { sum, free: () => [prod, rotated, sum].forEach((ct) => ct.delete()) };
  };
  return {
    idiomatic(): void {
      idiomaticSum().free();
    },
    /** Exactly hekit's calls (a new destination per op, one pool), to isolate the cost of hekit's JavaScript. */
    freshPerOp(): void {
      const prod = fresh();
      evaluator.multiply(x, y, prod, pool);
      const relin = fresh();
      evaluator.relinearize(prod, relinKeys, relin, pool);
      const rescaled = fresh();
      evaluator.rescaleToNext(relin, rescaled, pool);
      const rotated = fresh();
      evaluator.rotateVector(rescaled, step, galoisKeys, rotated, pool);
      const sum = fresh();
      evaluator.add(rescaled, rotated, sum);
      for (const ct of [prod, relin, rescaled, rotated, sum]) ct.delete();
    },
    /** Hand-tuned hot loop: preallocated outputs reused on every call, one pool, nothing allocated. */
    reused(): void {
      evaluator.multiply(x, y, prodBuf, pool);
      evaluator.relinearize(prodBuf, relinKeys, prodBuf, pool);
      evaluator.rescaleToNext(prodBuf, prodBuf, pool);
      evaluator.rotateVector(prodBuf, step, galoisKeys, rotBuf, pool);
      evaluator.add(prodBuf, rotBuf, sumBuf);
    },
    /** One addition as a node-seal user writes it. */
    add(): void {
      const sum = evaluator.add(x, y) as CipherText;
      sum.delete();
    },
    /** The idiomatic circuit's decrypted result, to check that the baseline does the same work as hekit. */
    result(): Float64Array {
      const { sum, free } = idiomaticSum();
      const values = raw.decrypt(sum);
      free();
      return values;
    },
    /** One addition with hekit's exact calls. */
    addFresh(): void {
      const sum = fresh();
      evaluator.add(x, y, sum);
      sum.delete();
    },
    delete(): void {
      prodBuf.delete();
      rotBuf.delete();
      sumBuf.delete();
    },
  };
}
