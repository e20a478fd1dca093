/**
 * NTT-friendly prime selection, reproducing SEAL 4.1's `CoeffModulus::Create` (NOISE.md §2.2)
 * so that both backends agree on every prime, hence on every scale after a rescale.
 */
import { HeError } from '../errors.js';

/** SEAL's limits: `SEAL_POLY_MOD_DEGREE_MIN/MAX`, `SEAL_COEFF_MOD_COUNT_MAX`, `SEAL_USER_MOD_BIT_COUNT_MIN/MAX`. */
export const RING_DEGREE_MIN = 2;
export const RING_DEGREE_MAX = 131072;
export const PRIME_COUNT_MAX = 256;
export const BIT_SIZE_MIN = 2;
export const BIT_SIZE_MAX = 60;

const SMALL_PRIMES = [2n, 3n, 5n, 7n, 11n, 13n, 17n, 19n, 23n, 29n, 31n, 37n, 41n, 43n, 47n, 53n, 59n, 61n, 67n, 71n, 73n, 79n, 83n, 89n, 97n];
// The first 12 primes: no composite below 3.18e23 (so none of 64 bits) is a strong pseudoprime to all of them.
const WITNESSES = SMALL_PRIMES.slice(0, 12);

function powMod(base: bigint, exp: bigint, mod: bigint): bigint {
  let result = 1n;
  let b = base % mod;
  for (let e = exp; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % mod;
    b = (b * b) % mod;
  }
  return result;
}

/**
 * Deterministic Miller–Rabin: exact below 3.18e23, which covers every 64-bit n.
 * (SEAL uses 40 random rounds; the two agree except with negligible probability.)
 */
export function isPrime(n: bigint): boolean {
  if (n < 2n) return false;
  for (const p of SMALL_PRIMES) {
    if (n % p === 0n) return n === p;
  }
  let d = n - 1n;
  let r = 0;
  while ((d & 1n) === 0n) {
    d >>= 1n;
    r++;
  }
  witness: for (const a of WITNESSES) {
    let x = powMod(a, d, n);
    if (x === 1n || x === n - 1n) continue;
    for (let i = 1; i < r; i++) {
      x = (x * x) % n;
      if (x === n - 1n) continue witness;
    }
    return false;
  }
  return true;
}

const isPowerOfTwo = (n: number): boolean => Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;

/**
 * The primes found so far by factor and bit size, largest first, and where the search stopped
 * (null once it reached 2^(bits-1)): a planner builds parameters for dozens of candidates, and
 * the Miller-Rabin tests took a twentieth of its time.
 */
const PRIME_SEARCHES = new Map<string, { found: bigint[]; next: bigint | null }>();

/** Up to `count` primes p ≡ 1 mod `factor` with 2^(bits-1) < p < 2^bits, largest first (SEAL's `get_primes`). */
function primesOfSize(factor: bigint, bits: number, count: number): bigint[] {
  const key = `${factor}/${bits}`;
  let search = PRIME_SEARCHES.get(key);
  const lower = 1n << BigInt(bits - 1);
  if (search === undefined) {
    const first = (((1n << BigInt(bits)) - 1n) / factor) * factor + 1n;
    PRIME_SEARCHES.set(key, (search = { found: [], next: first > lower ? first : null }));
  }
  for (let v = search.next; search.found.length < count && v !== null; v = search.next) {
    if (isPrime(v)) search.found.push(v);
    search.next = v - factor > lower ? v - factor : null;
  }
  return search.found.slice(0, count);
}

/**
 * SEAL 4.1's `CoeffModulus::Create`: one prime ≡ 1 mod 2N per bit size, in the given order.
 * Among equal bit sizes, earlier positions get smaller primes (SEAL pops from the back of a
 * descending list). Throws `PARAMS_INVALID` naming every bit size that lacks primes.
 */
export function createCoeffModulus(ringDegree: number, bitSizes: readonly number[]): bigint[] {
  if (!isPowerOfTwo(ringDegree) || ringDegree < RING_DEGREE_MIN || ringDegree > RING_DEGREE_MAX) {
    throw new HeError('PARAMS_INVALID',
      `ring degree ${ringDegree} is invalid: use a power of two in [${RING_DEGREE_MIN}, ${RING_DEGREE_MAX}]`,
      { field: 'ringDegree', ringDegree });
  }
  if (bitSizes.length < 1 || bitSizes.length > PRIME_COUNT_MAX) {
    throw new HeError('PARAMS_INVALID',
      `${bitSizes.length} bit sizes given: use between 1 and ${PRIME_COUNT_MAX}`,
      { field: 'bitSizes', count: bitSizes.length });
  }
  const bad = bitSizes.findIndex((b) => !Number.isInteger(b) || b < BIT_SIZE_MIN || b > BIT_SIZE_MAX);
  if (bad >= 0) {
    throw new HeError('PARAMS_INVALID',
      `bit size ${bitSizes[bad]} at index ${bad} is invalid: use integers in [${BIT_SIZE_MIN}, ${BIT_SIZE_MAX}]`,
      { field: 'bitSizes', index: bad, bitSize: bitSizes[bad] });
  }

  const counts = new Map<number, number>();
  for (const b of bitSizes) counts.set(b, (counts.get(b) ?? 0) + 1);
  const factor = 2n * BigInt(ringDegree);
  const pools = new Map<number, bigint[]>();
  const shortfalls: { bitSize: number; requested: number; found: number }[] = [];
  for (const [bits, count] of counts) {
    const pool = primesOfSize(factor, bits, count);
    if (pool.length < count) shortfalls.push({ bitSize: bits, requested: count, found: pool.length });
    pools.set(bits, pool);
  }
  if (shortfalls.length > 0) {
    const what = shortfalls.map((s) => `${s.requested} of ${s.bitSize} bits (only ${s.found} exist)`).join(', ');
    throw new HeError('PARAMS_INVALID',
      `not enough primes ≡ 1 mod 2N = ${factor} for ring degree ${ringDegree}: asked for ${what}; ` +
      'use larger bit sizes, fewer primes of those sizes, or a smaller ring degree',
      { field: 'bitSizes', ringDegree, shortfalls });
  }
  // Every pool holds exactly its count, so pop() always yields a prime.
  return bitSizes.map((b) => pools.get(b)!.pop()!);
}
