/**
 * SEAL refuses results whose components c_1.. are all zero ("transparent"). The simulator
 * predicts that by carrying, per ciphertext component, a fingerprint in Z_p (p = 2^61 - 1):
 * an evaluation of the component at a secret point. Linear ops act linearly on fingerprints;
 * SEAL's rounding steps (rescale, key switching) become keyed non-linear maps, so equal
 * inputs still give equal outputs but no false algebraic identities appear.
 * A false "transparent" needs a collision of probability ~2^-61 per op.
 */
import type { SeededRandom } from './random.js';

export type Fingerprint = readonly bigint[];

const P = (1n << 61n) - 1n;
const mod = (x: bigint): bigint => ((x % P) + P) % P;

/** A keyed cubic map x -> b·x + c·x² + d·x³ (odd when c = 0), with f(0) = 0. */
class KeyedMap {
  constructor(
    private readonly b: bigint,
    private readonly c: bigint,
    private readonly d: bigint,
  ) {}

  apply(x: bigint): bigint {
    return mod(x * (this.b + x * (this.c + x * this.d)));
  }

  /** The linear part alone: a keyed automorphism of Z_p. */
  linear(x: bigint): bigint {
    return mod(x * this.b);
  }
}

export class FingerprintAlgebra {
  readonly #maps = new Map<string, KeyedMap>();

  constructor(private readonly random: SeededRandom) {}

  fresh(): Fingerprint {
    return [this.random.nextBigBelow(P), this.random.nextBigBelow(P)];
  }

  /**
   * Fingerprint of a nonzero plaintext at `scale`, independent of its level (mod switching
   * is exact). A constant plaintext encodes to the constant polynomial round(v·scale), so its
   * fingerprint is exactly that integer: x·1 at scale 1 is x, and 0.5 + 0.5 is 1. Other
   * plaintexts get an odd hash of their content (f(-w) = -f(w), as SEAL's rounding is odd);
   * exact sums of non-constant encodings essentially never occur, since their coefficients
   * are rounded irrationals. `constant`: every slot holds the same value (the caller has read them).
   */
  plain(values: Float64Array, scale: number, constant: boolean): bigint {
    const first = values[0] as number;
    if (constant && Math.abs(first * scale) < 2 ** 50) {
      return mod(BigInt(Math.sign(first) * Math.round(Math.abs(first * scale))));
    }
    const sign = Math.sign(values.find((v) => v !== 0) ?? 1);
    const h = mod(oddContentHash(values, scale, sign));
    return sign < 0 ? mod(-(h === 0n ? 1n : h)) : h === 0n ? 1n : h;
  }

  add(a: Fingerprint, b: Fingerprint, sign: 1n | -1n): Fingerprint {
    const out: bigint[] = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) out.push(mod((a[i] ?? 0n) + sign * (b[i] ?? 0n)));
    return out;
  }

  neg(a: Fingerprint): Fingerprint {
    return a.map((x) => mod(-x));
  }

  addPlain(a: Fingerprint, plain: bigint): Fingerprint {
    return a.map((x, i) => (i === 0 ? mod(x + plain) : x));
  }

  scale(a: Fingerprint, plain: bigint): Fingerprint {
    return a.map((x) => mod(x * plain));
  }

  /** Ciphertext product: the tensor (convolution) of component fingerprints. */
  mul(a: Fingerprint, b: Fingerprint): Fingerprint {
    const out = new Array<bigint>(a.length + b.length - 1).fill(0n);
    a.forEach((x, i) => b.forEach((y, j) => (out[i + j] = mod((out[i + j] as bigint) + x * y))));
    return out;
  }

  /** Each component divided by q_l and rounded separately; rounding is odd, so the map is too. */
  rescale(a: Fingerprint, level: number): Fingerprint {
    return a.map((x, i) => this.#map(`rescale:${level}:${i}`, true).apply(x));
  }

  /** c_0 + ks_0(c_2), c_1 + ks_1(c_2). */
  relinearize(a: Fingerprint, level: number): Fingerprint {
    const c2 = a[2] as bigint;
    return [
      mod((a[0] as bigint) + this.#map(`ks:relin:${level}:0`, false).apply(c2)),
      mod((a[1] as bigint) + this.#map(`ks:relin:${level}:1`, false).apply(c2)),
    ];
  }

  /** One rotation term: a linear automorphism φ of both components, then a key switch of φ(c_1). */
  rotate(a: Fingerprint, step: number, level: number): Fingerprint {
    const phi = this.#map(`galois:${step}`, true);
    const c0 = phi.linear(a[0] as bigint);
    const c1 = phi.linear(a[1] as bigint);
    return [
      mod(c0 + this.#map(`ks:${step}:${level}:0`, false).apply(c1)),
      this.#map(`ks:${step}:${level}:1`, false).apply(c1),
    ];
  }

  #map(key: string, odd: boolean): KeyedMap {
    let m = this.#maps.get(key);
    if (!m) {
      const r = this.random;
      m = new KeyedMap(r.nextBigBelow(P), odd ? 0n : r.nextBigBelow(P), r.nextBigBelow(P));
      this.#maps.set(key, m);
    }
    return m;
  }
}

/** FNV-style hash of the bits of sign·values and of the scale; -0 and 0 hash alike. */
function oddContentHash(values: Float64Array, scale: number, sign: number): bigint {
  const words = new Uint32Array(values.buffer, values.byteOffset, values.length * 2);
  const flip = sign < 0 ? 0x80000000 : 0;
  let h1 = 0x811c9dc5, h2 = 0x01000193;
  for (let i = 0; i < words.length; i += 2) {
    const lo = words[i] as number;
    let hi = (words[i + 1] as number) ^ flip;
    if (lo === 0 && (hi & 0x7fffffff) === 0) hi = 0;
    h1 = Math.imul(h1 ^ lo, 0x01000193) ^ hi;
    h2 = Math.imul(h2 ^ hi, 0x5bd1e995) ^ lo;
  }
  const s = new Uint32Array(Float64Array.of(scale).buffer);
  h1 = Math.imul(h1 ^ (s[0] as number), 0x01000193) >>> 0;
  h2 = Math.imul(h2 ^ (s[1] as number), 0x5bd1e995) >>> 0;
  return (BigInt(h1) << 29n) ^ BigInt(h2);
}

/** Transparent: every component after the first is zero. */
export const isTransparent = (f: Fingerprint): boolean => f.slice(1).every((x) => x === 0n);
