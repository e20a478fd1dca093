/**
 * CKKS parameters: decoded from untrusted input, checked the way SEAL 4.1 checks them
 * (NOISE.md §2.2–2.4), and precomputed into the chain every backend reads.
 */
import { left, right, type Either } from 'fp-ts/lib/Either.js';
import { HeError, fmtScale } from '../errors.js';
import { BIT_SIZE_MAX, BIT_SIZE_MIN, PRIME_COUNT_MAX, RING_DEGREE_MAX, createCoeffModulus } from './primes.js';
import { maxModulusBits, type SecurityLevel } from './security.js';

export type { SecurityLevel } from './security.js';

/**
 * CKKS parameters as plain data, as a user writes them. `parseParams` / `createParams` check
 * them the way SEAL 4.1 does and turn them into frozen `CkksParams` holding the concrete primes.
 */
export interface CkksParamsLiteral {
  /** N: a power of two in [1024, 131072]; slots = N / 2. */
  readonly ringDegree: number;
  /** Data primes q_0..q_L, then the special prime last (SEAL order): 1 to 256 sizes in [2, 60] bits. */
  readonly bitSizes: readonly number[];
  /**
   * Default encoding scale, e.g. 2 ** 40. At least 2 ** 10 unless `allowSmallScale`: a smaller
   * one is almost always a bit count written where the scale belongs (`scale: 40`).
   */
  readonly scale: number;
  /** Bits of security the total modulus must keep (HE standard): 128 (default), 192 or 256. */
  readonly security?: SecurityLevel;
  /** Default false: refuse moduli above the HE-standard limit. */
  readonly allowInsecure?: boolean;
  /**
   * Default false: refuse a scale below 2 ** 10 (`PARAMS_INVALID`). True accepts any positive
   * scale the first data level can encode, for tests of precision loss at tiny scales.
   */
  readonly allowSmallScale?: boolean;
}

/** Deeply frozen. */
export interface CkksParams {
  readonly ringDegree: number;
  /** N / 2. */
  readonly slots: number;
  readonly bitSizes: readonly number[];
  /** All k primes in SEAL order (special last). */
  readonly primes: readonly bigint[];
  /** q_0..q_L: k-1 primes, or all k when k = 1. */
  readonly dataPrimes: readonly bigint[];
  /** Number(q_j): the doubles SEAL divides scales by. */
  readonly dataPrimeValues: readonly number[];
  /** null when k = 1 (then no key switching). */
  readonly specialPrime: bigint | null;
  /** L: chain index of the first data level (k-2; 0 when k = 1). */
  readonly maxLevel: number;
  /** B_l for l = 0..L: bit length of the BigInt product q_0*...*q_l. */
  readonly levelBits: readonly number[];
  /** Bit length of the product of all k primes (what security bounds). */
  readonly keyBits: number;
  readonly scale: number;
  /** 'none' only when allowInsecure and over the limit. */
  readonly security: SecurityLevel | 'none';
  /** k > 1. */
  readonly keySwitching: boolean;
}

/** One problem `parseParams` found in a literal; it reports all of them together. */
export interface ParamsProblem {
  /** PARAMS_INSECURE: the modulus is too large for the requested security; PARAMS_INVALID: anything else. */
  readonly code: 'PARAMS_INVALID' | 'PARAMS_INSECURE';
  /** The literal's field at fault ('params' when the literal is not an object). */
  readonly field: string;
  /** What is wrong and how to fix it, for humans. */
  readonly message: string;
  /** The numbers involved, `field` included. */
  readonly details: Readonly<Record<string, unknown>>;
}

// SEAL itself accepts N >= 2, but no N below 1024 has a secure entry in the HE standard.
const RING_DEGREE_MIN = 1024;
const FIELDS = ['ringDegree', 'bitSizes', 'scale', 'security', 'allowInsecure', 'allowSmallScale'];
/** log2 of the smallest scale accepted without `allowSmallScale`: below it a CKKS value keeps about three decimal digits. */
const SCALE_MIN_BITS = 10;
const SECURITY_LEVELS: readonly unknown[] = [128, 192, 256];

const show = (v: unknown): string =>
  typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' ? String(v)
    : typeof v === 'string' ? JSON.stringify(v)
      : v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v;

const invalid = (field: string, message: string, details: Record<string, unknown> = {}): ParamsProblem =>
  ({ code: 'PARAMS_INVALID', field, message, details: { field, ...details } });

const bitLength = (n: bigint): number => n.toString(2).length;

function checkRingDegree(n: unknown, problems: ParamsProblem[]): n is number {
  if (typeof n === 'number' && Number.isInteger(n) && n >= RING_DEGREE_MIN && n <= RING_DEGREE_MAX && (n & (n - 1)) === 0) {
    return true;
  }
  problems.push(invalid('ringDegree',
    `ringDegree ${show(n)} is invalid: use a power of two in [${RING_DEGREE_MIN}, ${RING_DEGREE_MAX}]`, { ringDegree: n }));
  return false;
}

function checkBitSizes(sizes: unknown, problems: ParamsProblem[]): sizes is readonly number[] {
  if (!Array.isArray(sizes) || sizes.length < 1 || sizes.length > PRIME_COUNT_MAX) {
    const got = Array.isArray(sizes) ? `${sizes.length} entries` : show(sizes);
    problems.push(invalid('bitSizes',
      `bitSizes must be an array of 1 to ${PRIME_COUNT_MAX} bit sizes, got ${got}`, { count: Array.isArray(sizes) ? sizes.length : null }));
    return false;
  }
  const before = problems.length;
  // An index loop, not forEach, so holes in sparse arrays are reported too.
  for (let index = 0; index < sizes.length; index++) {
    const b: unknown = sizes[index];
    if (typeof b !== 'number' || !Number.isInteger(b) || b < BIT_SIZE_MIN || b > BIT_SIZE_MAX) {
      problems.push(invalid('bitSizes',
        `bitSizes[${index}] = ${show(b)} is invalid: use an integer in [${BIT_SIZE_MIN}, ${BIT_SIZE_MAX}]`, { index, bitSize: b }));
    }
  }
  return problems.length === before;
}

interface Chain {
  readonly primes: bigint[];
  readonly dataPrimes: bigint[];
  readonly levelBits: number[];
  readonly keyBits: number;
}

/** Key level = all k primes; the data levels drop the special (last) prime when k > 1. */
function chainOf(primes: bigint[]): Chain {
  const dataPrimes = primes.length === 1 ? primes : primes.slice(0, -1);
  const levelBits: number[] = [];
  let product = 1n;
  for (const q of dataPrimes) {
    product *= q;
    levelBits.push(bitLength(product));
  }
  const keyBits = bitLength(primes.reduce((a, q) => a * q, 1n));
  return { primes, dataPrimes, levelBits, keyBits };
}

/**
 * The scale if it is usable: positive, finite, at least 2^10 unless `allowSmall` is true, and
 * encodable at the first data level when the chain is known.
 */
function checkScale(scale: unknown, chain: Chain | null, allowSmall: unknown, problems: ParamsProblem[]): number | null {
  if (!(typeof scale === 'number' && Number.isFinite(scale) && scale > 0)) {
    problems.push(invalid('scale', `scale ${show(scale)} is invalid: use a finite number > 0, e.g. 2 ** 40`, { scale }));
    return null;
  }
  if (scale < 2 ** SCALE_MIN_BITS && allowSmall !== true) {
    // An integer that would make a sensible exponent was most likely meant as one.
    const hint = Number.isInteger(scale) && scale >= SCALE_MIN_BITS ? `did you mean 2 ** ${scale}?` : 'use e.g. 2 ** 40';
    problems.push(invalid('scale',
      `scale ${scale} is ${fmtScale(scale)}, below 2^${SCALE_MIN_BITS}; ${hint} (allowSmallScale: true accepts it)`,
      { scale, log2Scale: Math.log2(scale), minLog2Scale: SCALE_MIN_BITS }));
    return null;
  }
  // SEAL's encoder rule at the first data level: (int)log2(scale) + 1 < B_L.
  const bits = chain?.levelBits.at(-1);
  if (bits !== undefined && Math.trunc(Math.log2(scale)) + 1 >= bits) {
    problems.push(invalid('scale',
      `scale ${fmtScale(scale)} needs more than the ${bits} bits of the first data level; use a smaller scale or larger data primes`,
      { scale, log2Scale: Math.log2(scale), levelBits: bits }));
    return null;
  }
  return scale;
}

function checkSecurity(security: unknown, problems: ParamsProblem[]): security is SecurityLevel {
  if (SECURITY_LEVELS.includes(security)) return true;
  problems.push(invalid('security', `security ${show(security)} is invalid: use 128, 192 or 256`, { security }));
  return false;
}

/** The level the parameters get, or null (with a problem) when they are over the limit and not allowed to be. */
function securityOf(ringDegree: number, chain: Chain, security: SecurityLevel, allowInsecure: unknown,
  problems: ParamsProblem[]): SecurityLevel | 'none' | null {
  const { keyBits } = chain;
  const maxBits = maxModulusBits(ringDegree, security);
  if (keyBits <= maxBits) return security;
  if (allowInsecure === true) return 'none';
  const why = maxBits === 0
    ? `the HE standard lists no ${security}-bit parameters for ring degree ${ringDegree}`
    : `${security}-bit security allows at most ${maxBits} bits for ring degree ${ringDegree}`;
  problems.push({
    code: 'PARAMS_INSECURE',
    field: 'bitSizes',
    message: `the modulus has ${keyBits} bits (all ${chain.primes.length} primes, special included) but ${why}; ` +
      'use fewer or smaller primes, a larger ring degree, or allowInsecure: true',
    details: { field: 'bitSizes', keyBits, maxBits, ringDegree, security },
  });
  return null;
}

function findPrimes(ringDegree: number, bitSizes: readonly number[], problems: ParamsProblem[]): bigint[] | null {
  try {
    return createCoeffModulus(ringDegree, bitSizes);
  } catch (e) {
    if (!(e instanceof HeError)) throw e;
    problems.push(invalid('bitSizes', e.message, e.details));
    return null;
  }
}

const deepFreeze = (p: CkksParams): CkksParams => {
  for (const v of Object.values(p)) if (Array.isArray(v)) Object.freeze(v);
  return Object.freeze(p);
};

/** Decodes untrusted input, collecting every problem rather than stopping at the first. */
export function parseParams(literal: unknown): Either<readonly ParamsProblem[], CkksParams> {
  if (typeof literal !== 'object' || literal === null || Array.isArray(literal)) {
    return left([invalid('params', `CKKS parameters must be an object, got ${show(literal)}`)]);
  }
  const lit = literal as Record<string, unknown>;
  const { ringDegree, bitSizes, scale } = lit;
  const security = lit['security'] === undefined ? 128 : lit['security'];
  const allowInsecure = lit['allowInsecure'] === undefined ? false : lit['allowInsecure'];
  const allowSmallScale = lit['allowSmallScale'] === undefined ? false : lit['allowSmallScale'];
  const problems: ParamsProblem[] = [];

  const okRing = checkRingDegree(ringDegree, problems);
  const okSizes = checkBitSizes(bitSizes, problems);
  const primes = okRing && okSizes ? findPrimes(ringDegree, bitSizes, problems) : null;
  const chain = primes && chainOf(primes);
  const validScale = checkScale(scale, chain, allowSmallScale, problems);
  const okSecurity = checkSecurity(security, problems);
  if (typeof allowInsecure !== 'boolean') {
    problems.push(invalid('allowInsecure', `allowInsecure ${show(allowInsecure)} is invalid: use true or false`, { allowInsecure }));
  }
  if (typeof allowSmallScale !== 'boolean') {
    problems.push(invalid('allowSmallScale', `allowSmallScale ${show(allowSmallScale)} is invalid: use true or false`, { allowSmallScale }));
  }
  const level = okRing && chain && okSecurity ? securityOf(ringDegree, chain, security, allowInsecure, problems) : null;
  for (const key of Object.keys(lit)) {
    if (!FIELDS.includes(key)) {
      problems.push(invalid(key, `unknown field ${JSON.stringify(key)}: the fields are ${FIELDS.join(', ')}`));
    }
  }
  if (problems.length > 0 || !okRing || !okSizes || !chain || validScale === null || level === null) return left(problems);

  const k = chain.primes.length;
  return right(deepFreeze({
    ringDegree,
    slots: ringDegree / 2,
    bitSizes: [...bitSizes],
    primes: chain.primes,
    dataPrimes: chain.dataPrimes,
    dataPrimeValues: chain.dataPrimes.map(Number),
    specialPrime: k === 1 ? null : chain.primes[k - 1]!,
    maxLevel: chain.dataPrimes.length - 1,
    levelBits: chain.levelBits,
    keyBits: chain.keyBits,
    scale: validScale,
    security: level,
    keySwitching: k > 1,
  }));
}

/**
 * Throwing form: `PARAMS_INSECURE` if insecurity is the only problem, else `PARAMS_INVALID`.
 *
 * @example
 * ```ts
 * import { createParams } from 'hekit';
 *
 * // N = 8192, a 50-bit first prime, two 40-bit rescale primes, a 60-bit special prime.
 * const params = createParams({ ringDegree: 8192, bitSizes: [50, 40, 40, 60], scale: 2 ** 40 });
 * console.log(params.maxLevel, params.slots); // 2 4096
 * ```
 */
export function createParams(literal: CkksParamsLiteral): CkksParams {
  const parsed = parseParams(literal);
  if (parsed._tag === 'Right') return parsed.right;
  const problems = parsed.left;
  const code = problems.every((p) => p.code === 'PARAMS_INSECURE') ? 'PARAMS_INSECURE' : 'PARAMS_INVALID';
  const message = problems.length === 1
    ? problems[0]!.message
    : `${problems.length} problems with the CKKS parameters: ${problems.map((p, i) => `(${i + 1}) ${p.message}`).join('; ')}`;
  throw new HeError(code, message, { problems });
}
