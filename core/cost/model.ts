/**
 * The cost model: what each CKKS op, key generation and transfer costs on one machine, by ring
 * degree N and the number of primes a ciphertext carries (level + 1). Plain calibration data in
 * (`hekit calibrate` measures it; `DEFAULT_CALIBRATION` ships this project's machine), fitted per
 * N as a polynomial in the primes:
 * - key switches (relinearize, rotate) and key generation: quadratic. SEAL's key switch
 *   decomposes the ciphertext into one digit per prime and multiplies each digit, moved into
 *   every prime of the key (NTTs), with the key: L digits times L + 1 primes;
 * - every other op (mul, mulPlain, rescale, add, encryption under either key, decrypt): linear, one pass per prime.
 * A ring degree that was not calibrated is scaled from the nearest one by N·log N (an NTT's cost).
 * No runtime dependency: the measuring lives in the CLI (cli/calibrate.ts), behind hekit/seal.
 */
import { HeError } from '../errors.js';
import { evaluatePolynomial, fitPolynomial, worstRelativeResidual, type Polynomial } from './fit.js';

/** The op kinds the model prices. */
export const COST_OPS = ['encrypt', 'decrypt', 'add', 'addPlain', 'mulPlain', 'mul', 'relinearize', 'rescale', 'rotate', 'encryptSymmetric'] as const;
/** One op kind the model prices. */
export type CostOp = (typeof COST_OPS)[number];

/** Ops fitted quadratically in the primes (key switches); the rest are linear. */
const QUADRATIC: ReadonlySet<CostOp> = new Set(['relinearize', 'rotate']);

/**
 * The calibration format's version: 4 times encryption under the secret key ('encryptSymmetric', the
 * client's) apart from the public key's; 3 priced a pool whose workers make every key (its main
 * thread none), their key generation `slowdown` slower side by side; 2 had the main thread make the secret key.
 */
export const CALIBRATION_VERSION = 4;

/** The machine a calibration was measured on: a cached calibration is used only on an identical one. */
export interface MachineDescription {
  /** CPU model as the OS names it. */
  readonly cpu: string;
  /** Cores available to the process. */
  readonly cores: number;
  /** Node.js version. */
  readonly node: string;
  /** node-seal version. */
  readonly nodeSeal: string;
}

/** One op timed on a ciphertext of `primes` primes: the lowest of its repeats, in ms. */
export interface OpSample {
  readonly op: CostOp;
  readonly primes: number;
  readonly ms: number;
}

/** Key generation on a chain of `primes` data primes, in ms. */
export interface KeySample {
  readonly primes: number;
  /** Context, secret, public and relinearization keys. */
  readonly keysMs: number;
  /** One Galois key. */
  readonly galoisKeyMs: number;
}

/** Everything measured at one ring degree. */
export interface RingCalibration {
  readonly ringDegree: number;
  readonly ops: readonly OpSample[];
  readonly keys: readonly KeySample[];
}

/** A calibration as `hekit calibrate` writes it (JSON). */
export interface Calibration {
  readonly format: 'hekit/calibration';
  readonly version: typeof CALIBRATION_VERSION;
  readonly machine: MachineDescription;
  /** ISO date of the measurement. */
  readonly created: string;
  readonly rings: readonly RingCalibration[];
  /** Saving a ciphertext as SEAL bytes (no compression) and loading it back, per MiB. */
  readonly transferMsPerMiB: number;
  /**
   * Memory a fresh WebAssembly heap gives SEAL for the first time, per MiB: a new process or
   * worker pays it for its keys, on top of making them (measured first thing in a fresh process).
   */
  readonly heapGrowthMsPerMiB: number;
  /** How a worker pool runs, against one thread. */
  readonly pool: {
    /** A worker's start before it makes its context and keys: the thread, the module and node-seal's WebAssembly. */
    readonly workerStartMs: number;
    /** What one run of a circuit (to its decryption) takes beyond its ops: dispatch, moving ciphertexts, waiting. */
    readonly runMs: number;
    /** How much slower ops (and key generation) run on the workers side by side than alone on one thread (shared caches and memory): at least 1. */
    readonly slowdown: number;
  };
}

/** Where a model's figures come from: this machine's cached calibration, or the shipped defaults. */
export type CostSource = 'calibrated' | 'defaults';

/** One fitted curve and how well it matches its samples. */
export interface CostFit {
  readonly ringDegree: number;
  /** An op, or 'keys' / 'galoisKey' for key generation. */
  readonly kind: CostOp | 'keys' | 'galoisKey';
  /** ms = c0 + c1·primes (+ c2·primes²). */
  readonly coefficients: Polynomial;
  /** Largest |fit / measured - 1| over the samples. */
  readonly worstResidual: number;
}

/** Prices of ops, keys and transfers on one machine, from `createCostModel`. */
export interface CostModel {
  readonly source: CostSource;
  readonly calibration: Calibration;
  /** ms of `op` at ring degree `ringDegree` on a ciphertext of `primes` primes (level + 1). */
  opMs(op: CostOp, ringDegree: number, primes: number): number;
  /**
   * ms to make the context, secret, public and relinearization keys and `galoisKeys` Galois keys
   * for a chain of `dataPrimes` data primes, on a fresh heap of which `prefaultedBytes` (default
   * 0) were written before (`prestartPoolWorkers`' warming): only the keys' bytes beyond those pay
   * `heapGrowthMsPerMiB`.
   */
  keyGenMs(ringDegree: number, dataPrimes: number, galoisKeys: number, prefaultedBytes?: number): number;
  /** ms to save and load `bytes` of ciphertexts (moving them between threads or processes). */
  transferMs(bytes: number): number;
  /**
   * ms a pool of `workers` on `cores` cores takes to start: every worker starts and makes its
   * context, public and relinearization keys and `galoisKeysPerWorker` Galois keys (the first
   * also the secret key), all at once, `slowdown` slower side by side and sharing the cores. The
   * main thread makes no keys. `prefaultedBytes`: of each worker's heap, written before (`keyGenMs`).
   */
  poolSetUpMs(workers: number, cores: number, ringDegree: number, dataPrimes: number, galoisKeysPerWorker: number, prefaultedBytes?: number): number;
  /** The fitted curves, with their residuals. */
  readonly fits: readonly CostFit[];
}

const MIB = 2 ** 20;

/**
 * Fits `calibration` (see the module comment for the forms). Throws INVALID_ARGUMENT when it has
 * no ring, or a ring lacks an op or key samples.
 */
export function createCostModel(calibration: Calibration, source: CostSource): CostModel {
  if (calibration.rings.length === 0) throw new HeError('INVALID_ARGUMENT', 'a calibration needs at least one ring degree', { argument: 'calibration' });
  const fits: CostFit[] = [];
  const curves = new Map<number, Map<CostFit['kind'], Polynomial>>();
  for (const ring of calibration.rings) {
    const byKind = new Map<CostFit['kind'], Polynomial>();
    const add = (kind: CostFit['kind'], points: { x: number; y: number }[], degree: number): void => {
      if (points.length === 0) {
        throw new HeError('INVALID_ARGUMENT', `the calibration at N = ${ring.ringDegree} has no ${kind} samples`, { argument: 'calibration', ringDegree: ring.ringDegree, kind });
      }
      const coefficients = fitPolynomial(points, degree);
      byKind.set(kind, coefficients);
      fits.push({ ringDegree: ring.ringDegree, kind, coefficients, worstResidual: worstRelativeResidual(coefficients, points) });
    };
    for (const op of COST_OPS) add(op, ring.ops.filter((s) => s.op === op).map((s) => ({ x: s.primes, y: s.ms })), QUADRATIC.has(op) ? 2 : 1);
    add('keys', ring.keys.map((k) => ({ x: k.primes, y: k.keysMs })), 2);
    add('galoisKey', ring.keys.map((k) => ({ x: k.primes, y: k.galoisKeyMs })), 2);
    curves.set(ring.ringDegree, byKind);
  }
  const degrees = [...curves.keys()];
  /** The curve of `kind` at `ringDegree`, scaled from the nearest calibrated ring by N·log N. */
  const price = (kind: CostFit['kind'], ringDegree: number, primes: number): number => {
    const nearest = degrees.reduce((a, b) => (Math.abs(Math.log2(b / ringDegree)) < Math.abs(Math.log2(a / ringDegree)) ? b : a));
    const factor = (ringDegree * Math.log2(ringDegree)) / (nearest * Math.log2(nearest));
    return Math.max(0, evaluatePolynomial(curves.get(nearest)!.get(kind)!, primes)) * factor;
  };
  const keyGenMs = (ringDegree: number, dataPrimes: number, galoisKeys: number, prefaultedBytes = 0): number =>
    price('keys', ringDegree, dataPrimes) + galoisKeys * price('galoisKey', ringDegree, dataPrimes)
    + (Math.max(0, evaluationKeyBytes(ringDegree, dataPrimes, galoisKeys) - prefaultedBytes) / MIB) * calibration.heapGrowthMsPerMiB;
  return {
    source, calibration, fits, keyGenMs,
    opMs: (op, ringDegree, primes) => price(op, ringDegree, primes),
    transferMs: (bytes) => (bytes / MIB) * calibration.transferMsPerMiB,
    poolSetUpMs: (workers, cores, ringDegree, dataPrimes, galoisKeysPerWorker, prefaultedBytes = 0) => {
      const worker = calibration.pool.workerStartMs + calibration.pool.slowdown * keyGenMs(ringDegree, dataPrimes, galoisKeysPerWorker, prefaultedBytes);
      // More workers than cores share them.
      return worker * Math.max(1, workers / Math.max(1, cores));
    },
  };
}

/**
 * Bytes of the public key, the relinearization key and `galoisKeys` Galois keys in SEAL's memory
 * for a chain of `dataPrimes` data primes and a special prime: 2 polynomials over every prime,
 * once for the public key and once per data prime for each key-switching key.
 */
export function evaluationKeyBytes(ringDegree: number, dataPrimes: number, galoisKeys: number): number {
  return 2 * ringDegree * (dataPrimes + 1) * 8 * (1 + (galoisKeys + 1) * dataPrimes);
}

/** Whether `calibration` was measured on `machine` (every field equal). */
export const sameMachine = (a: MachineDescription, b: MachineDescription): boolean =>
  a.cpu === b.cpu && a.cores === b.cores && a.node === b.node && a.nodeSeal === b.nodeSeal;

/**
 * `json` checked as a `Calibration` (format, version, every number finite and positive). Throws
 * INVALID_ARGUMENT naming the first field that is wrong.
 */
export function checkCalibration(json: unknown): Calibration {
  const bad = (field: string): never => {
    throw new HeError('INVALID_ARGUMENT', `not a hekit calibration: ${field} is missing or wrong`, { argument: 'calibration', field });
  };
  const c = json as Partial<Calibration> | null;
  if (typeof c !== 'object' || c === null) return bad('(file)');
  if (c.format !== 'hekit/calibration') bad('format');
  if (c.version !== CALIBRATION_VERSION) bad(`version (${String(c.version)}; this hekit reads version ${CALIBRATION_VERSION}: run hekit calibrate again)`);
  const m = c.machine;
  if (typeof m !== 'object' || m === null || typeof m.cpu !== 'string' || typeof m.node !== 'string' || typeof m.nodeSeal !== 'string' || !positive(m.cores)) bad('machine');
  if (!Array.isArray(c.rings) || c.rings.length === 0) bad('rings');
  for (const r of c.rings!) {
    if (!positive(r.ringDegree) || !Array.isArray(r.ops) || !Array.isArray(r.keys)) bad('rings');
    if (!r.ops.every((s) => COST_OPS.includes(s.op) && positive(s.primes) && positive(s.ms))) bad(`rings[N = ${r.ringDegree}].ops`);
    if (!r.keys.every((k) => positive(k.primes) && positive(k.keysMs) && positive(k.galoisKeyMs))) bad(`rings[N = ${r.ringDegree}].keys`);
  }
  if (!positive(c.transferMsPerMiB)) bad('transferMsPerMiB');
  if (!(typeof c.heapGrowthMsPerMiB === 'number' && c.heapGrowthMsPerMiB >= 0 && Number.isFinite(c.heapGrowthMsPerMiB))) bad('heapGrowthMsPerMiB');
  if (typeof c.pool !== 'object' || c.pool === null || !positive(c.pool.workerStartMs) || !(c.pool.runMs >= 0) || !(c.pool.slowdown >= 1)) bad('pool');
  return c as Calibration;
}

const positive = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x > 0;
