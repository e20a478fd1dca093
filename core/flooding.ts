/**
 * Noise flooding for CKKS decryptions (IND-CPA-D).
 *
 * A CKKS decryption returns m + e, and e is a function of the secret key: Li and Micciancio
 * (EUROCRYPT 2021, ePrint 2020/1533) recover the key from a few decryptions whose messages the
 * adversary knows. Where a decrypted value can reach the adversary (hekit's refresh path: it goes
 * back into the server's computation, and from there into any model the client later publishes),
 * the client adds fresh Gaussian noise much wider than e, so that what leaves the client hardly
 * depends on e.
 *
 * Size: σ_flood = 2^(s/2) · √(12·t) · σ_e, where σ_e is the predicted standard deviation of the
 * decryption error (the simulator's `noise(ct).std`, which depends on the circuit and the data
 * but not on the key or on the error actually drawn), s the statistical security in bits and t
 * the number of decryptions of related ciphertexts an adversary may see. This is the sizing of
 * Li, Micciancio, Schultz and Sorrell, "Securing approximate homomorphic encryption using
 * differential privacy" (CRYPTO 2022), as OpenFHE implements it in its NOISE_FLOODING_DECRYPT
 * mode (defaults s = 30, t = 1). The exponent is s/2, not s, because their argument bounds a
 * Rényi divergence, which grows with the square of e/σ_flood, rather than a statistical distance.
 * The precision cost is log2(σ_flood/σ_e) = s/2 + log2(√(12t)) bits: 16.79 bits at the defaults.
 *
 * Samples come from the platform's CSPRNG (`crypto.getRandomValues`, in Node >= 19 and every
 * browser), 53 random bits per uniform, through the Box–Muller transform. Pure TypeScript, no
 * Node-only API.
 */
import { HeError } from './errors.js';

/** How wide `floodingStd` makes the noise: the security it buys. */
export interface FloodingOptions {
  /** s: statistical security in bits (default 30, as OpenFHE). */
  readonly statisticalBits?: number;
  /** t: decryptions of related ciphertexts an adversary may see (default 1). */
  readonly decryptions?: number;
}

/** The defaults of `FloodingOptions`: s = 30 bits, t = 1 decryption. */
export const FLOODING_DEFAULTS = Object.freeze({ statisticalBits: 30, decryptions: 1 });

/** Fills its argument with cryptographically secure random bytes and returns it (the shape of `crypto.getRandomValues`). */
export type RandomBytes = (bytes: Uint8Array) => Uint8Array;

/** getRandomValues refuses more than 65536 bytes per call. */
const CHUNK = 65536;

/** The platform's CSPRNG. Throws BACKEND_UNAVAILABLE where `globalThis.crypto.getRandomValues` is missing. */
export const secureRandomBytes: RandomBytes = (bytes) => {
  const webCrypto = (globalThis as { crypto?: { getRandomValues?: (b: Uint8Array) => Uint8Array } }).crypto;
  if (typeof webCrypto?.getRandomValues !== 'function') {
    throw new HeError('BACKEND_UNAVAILABLE', 'no cryptographically secure random source: globalThis.crypto.getRandomValues is missing (Node >= 19 and browsers have it)', {});
  }
  for (let i = 0; i < bytes.length; i += CHUNK) webCrypto.getRandomValues(bytes.subarray(i, Math.min(bytes.length, i + CHUNK)));
  return bytes;
};

function checked(options: FloodingOptions): { s: number; t: number } {
  const s = options.statisticalBits ?? FLOODING_DEFAULTS.statisticalBits;
  const t = options.decryptions ?? FLOODING_DEFAULTS.decryptions;
  if (!(Number.isFinite(s) && s >= 0 && s <= 128)) throw new HeError('INVALID_ARGUMENT', `statisticalBits must be in [0, 128]; got ${s}`, { statisticalBits: s });
  if (!(Number.isInteger(t) && t >= 1)) throw new HeError('INVALID_ARGUMENT', `decryptions must be a positive integer; got ${t}`, { decryptions: t });
  return { s, t };
}

/** σ_flood / σ_e = 2^(s/2)·√(12·t). Throws INVALID_ARGUMENT on s outside [0, 128] or t not a positive integer. */
export function floodingFactor(options: FloodingOptions = {}): number {
  const { s, t } = checked(options);
  return 2 ** (s / 2) * Math.sqrt(12 * t);
}

/** Bits of absolute precision flooding costs: log2(σ_flood/σ_e) = s/2 + log2√(12t) (16.79 at the defaults). */
export function floodingCostBits(options: FloodingOptions = {}): number {
  return Math.log2(floodingFactor(options));
}

/**
 * The flooding standard deviation for a decryption whose error has standard deviation
 * `errorStd` (in decoded units): `floodingFactor(options)·errorStd`. Throws INVALID_ARGUMENT
 * unless `errorStd` is finite and >= 0.
 */
export function floodingStd(errorStd: number, options: FloodingOptions = {}): number {
  if (!(Number.isFinite(errorStd) && errorStd >= 0)) throw new HeError('INVALID_ARGUMENT', `errorStd must be a finite number >= 0; got ${errorStd}`, { errorStd });
  return floodingFactor(options) * errorStd;
}

/**
 * `count` independent samples of N(0, std²) from `random` (default: the platform's CSPRNG):
 * Box–Muller on uniforms in (0, 1] of 53 random bits each. Throws INVALID_ARGUMENT on a
 * negative or non-finite std or count.
 */
export function secureGaussian(count: number, std: number, random: RandomBytes = secureRandomBytes): Float64Array {
  if (!(Number.isInteger(count) && count >= 0)) throw new HeError('INVALID_ARGUMENT', `count must be an integer >= 0; got ${count}`, { count });
  if (!(Number.isFinite(std) && std >= 0)) throw new HeError('INVALID_ARGUMENT', `std must be a finite number >= 0; got ${std}`, { std });
  const out = new Float64Array(count);
  const pairs = Math.ceil(count / 2);
  const words = new Uint32Array(4 * pairs);
  random(new Uint8Array(words.buffer));
  // 53 bits per uniform: 32 from the first word and 21 from the second; +1 keeps it away from 0.
  const uniform = (i: number): number => ((words[i]! * 2 ** 21) + (words[i + 1]! >>> 11) + 1) / 2 ** 53;
  for (let p = 0; p < pairs; p++) {
    const r = std * Math.sqrt(-2 * Math.log(uniform(4 * p)));
    const theta = 2 * Math.PI * uniform(4 * p + 2);
    out[2 * p] = r * Math.cos(theta);
    if (2 * p + 1 < count) out[2 * p + 1] = r * Math.sin(theta);
  }
  words.fill(0);
  return out;
}

/** `values` plus independent N(0, std²) noise in every entry, as a new array; see `secureGaussian`. */
export function flood(values: ArrayLike<number>, std: number, random: RandomBytes = secureRandomBytes): Float64Array {
  const noise = secureGaussian(values.length, std, random);
  for (let i = 0; i < noise.length; i++) noise[i]! += values[i]!;
  return noise;
}
