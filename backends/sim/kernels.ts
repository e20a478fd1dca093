/**
 * Simulator kernels: exact float64 values (what SEAL would decrypt without noise), a
 * per-slot error model following NOISE.md §3.3, and fingerprints for SEAL's transparency
 * check. Plain typed-array loops, O(slots) per op.
 *
 * The error of slot k is modelled as a random part of variance `variance[k]`, fresh for
 * every event, plus a fixed part of amplitude `bias[k]`: the key-switching bias, identical
 * every time a key is used at a level, so it adds up linearly across ciphertexts.
 */
import type { SlotEncoder } from '../../core/encoding.js';
import { HeError, fmtScale } from '../../core/errors.js';
import type { Kernels } from '../../core/kernels.js';
import type { CtMeta } from '../../core/meta.js';
import type { CkksParams } from '../../core/params/index.js';
import { freshAncestry, shareAncestor, unionAncestry, type Ancestry } from './ancestry.js';
import { isTransparent, type Fingerprint, type FingerprintAlgebra } from './fingerprint.js';
import type { NoiseSources } from './noise.js';

export interface SimCiphertext {
  /** Noiseless slot values. */
  readonly values: Float64Array;
  /** Variance of the random part of the decrypted error, per slot, in decoded units. */
  readonly variance: Float64Array;
  /** Amplitude of the fixed (key-switching bias) part of the error, per slot, in decoded units. */
  readonly bias: Float64Array;
  readonly fingerprint: Fingerprint;
  readonly ancestry: Ancestry;
  /** The estimate is an upper bound: correlated errors were combined by amplitude. */
  readonly upperBound: boolean;
  /** Per slot, the heaviest error tail in its history (a `Tail`). */
  readonly tail: Uint8Array;
}

export interface SimDeps {
  readonly params: CkksParams;
  readonly encoder: SlotEncoder;
  readonly noise: NoiseSources;
  readonly fingerprints: FingerprintAlgebra;
  readonly nextAncestor: () => number;
  /** Bound multiplier K per `Tail` class. */
  readonly tailFactors: readonly number[];
}

/** Total error variance of slot k: random part plus the fixed part's square. */
export const errorVariance = (ct: SimCiphertext, k: number): number =>
  (ct.variance[k] as number) + (ct.bias[k] as number) ** 2;

export function simKernels({ params, encoder, noise, fingerprints, nextAncestor, tailFactors }: SimDeps): Kernels<SimCiphertext> {
  const n = params.slots;

  // Q_l / 2: a coefficient at or beyond it wraps modulo Q_l and decrypts to garbage.
  const halfModulus: number[] = [];
  let modulus = 1n;
  for (const q of params.dataPrimes) {
    modulus *= q;
    halfModulus.push(Number(modulus) / 2);
  }

  /** Largest error bound over the slots: the room the error needs above the values. */
  const errorMargin = (ct: SimCiphertext): number => {
    let m = 0;
    for (let k = 0; k < n; k++) m = Math.max(m, (tailFactors[ct.tail[k] as number] as number) * Math.sqrt(errorVariance(ct, k)));
    return m;
  };

  /** SEAL wraps silently where values (plus error) times scale outgrow the modulus; the simulator says so. */
  const noOverflow = (values: Float64Array, scale: number, level: number, op: string, what: string, margin: number): void => {
    const half = halfModulus[level] as number;
    if (!encoder.fits(values, scale, half, margin)) {
      throw new HeError('OVERFLOW',
        `${op}: ${what} values times scale ${fmtScale(scale)} exceed the ${Math.log2(half * 2).toFixed(1)}-bit modulus at level ${level}; SEAL would wrap them silently. Scale the data down or rescale earlier`,
        { op, scale, level, maxValue: values.reduce((m, v) => Math.max(m, Math.abs(v)), 0) });
    }
  };

  const checked = (ct: SimCiphertext, op: string, out: CtMeta): SimCiphertext => {
    noOverflow(ct.values, out.scale, out.level, op, 'result', errorMargin(ct));
    if (isTransparent(ct.fingerprint)) {
      throw new HeError('TRANSPARENT_RESULT', `${op}: the result would be transparent (it cancels to a value any observer could read); restructure the circuit, e.g. avoid x - x or multiplying by zero`, { op });
    }
    return ct;
  };

  const plainFingerprint = (values: Float64Array, scale: number): bigint =>
    encoder.isZero(values, scale) ? 0n : fingerprints.plain(values, scale);

  const combine = (a: SimCiphertext, b: SimCiphertext, sign: 1 | -1, op: 'add' | 'sub', out: CtMeta): SimCiphertext => {
    const values = new Float64Array(n);
    const variance = new Float64Array(n);
    const bias = new Float64Array(n);
    const correlated = shareAncestor(a.ancestry, b.ancestry);
    let biased = false;
    for (let k = 0; k < n; k++) {
      values[k] = (a.values[k] as number) + sign * (b.values[k] as number);
      const ua = a.variance[k] as number, ub = b.variance[k] as number;
      variance[k] = correlated ? ua + ub + 2 * Math.sqrt(ua * ub) : ua + ub;
      // Biases of one key add coherently; of different keys they would not: assume the worst.
      const ba = a.bias[k] as number, bb = b.bias[k] as number;
      bias[k] = ba + bb;
      biased ||= ba > 0 && bb > 0;
    }
    return checked({
      values, variance, bias,
      fingerprint: fingerprints.add(a.fingerprint, b.fingerprint, sign === 1 ? 1n : -1n),
      ancestry: unionAncestry(a.ancestry, b.ancestry),
      upperBound: a.upperBound || b.upperBound || correlated || biased,
      tail: maxTail(a.tail, b.tail),
    }, op, out);
  };

  const product = (a: SimCiphertext, b: SimCiphertext, op: 'mul' | 'square', out: CtMeta): SimCiphertext => {
    const values = new Float64Array(n);
    const variance = new Float64Array(n);
    const bias = new Float64Array(n);
    const self = a === b;
    const correlated = self || shareAncestor(a.ancestry, b.ancestry);
    const tail = maxTail(a.tail, b.tail);
    for (let k = 0; k < n; k++) {
      const za = a.values[k] as number, zb = b.values[k] as number;
      const ua = a.variance[k] as number, ub = b.variance[k] as number;
      values[k] = za * zb;
      // Error = zb·ea + za·eb + ea·eb. Independent: variances add. Square: E[e⁴] = 6u² for Laplace
      // errors (3u² if Gaussian). Otherwise correlated: amplitudes add (Cauchy-Schwarz), an upper bound.
      const ea = errorVariance(a, k), eb = errorVariance(b, k);
      const second = self ? 6 * ea * ea : correlated ? 6 * ea * eb : ea * eb;
      const first = self ? 4 * za * za * ua : correlated ? (Math.abs(zb) * Math.sqrt(ua) + Math.abs(za) * Math.sqrt(ub)) ** 2 : zb * zb * ua + za * za * ub;
      const total = correlated && !self ? (Math.sqrt(first) + Math.sqrt(second)) ** 2 : first + second;
      variance[k] = total;
      bias[k] = Math.abs(zb) * (a.bias[k] as number) + Math.abs(za) * (b.bias[k] as number);
      // Where the product of the two errors matters (values near zero), its tail is far heavier than Laplace.
      if (second > 1e-4 * (total + (bias[k] as number) ** 2)) tail[k] = 2;
    }
    return checked({
      values, variance, bias,
      fingerprint: fingerprints.mul(a.fingerprint, b.fingerprint),
      ancestry: unionAncestry(a.ancestry, b.ancestry),
      upperBound: a.upperBound || b.upperBound || (correlated && !self),
      tail,
    }, op, out);
  };

  /** Adds a fresh error of `random` variance (integer units, divided by scale²) to every slot. */
  const withRandom = (a: SimCiphertext, random: number, scale: number, fingerprint: Fingerprint, extra: Partial<SimCiphertext> = {}): SimCiphertext => {
    const variance = new Float64Array(n);
    const added = random / (scale * scale);
    for (let k = 0; k < n; k++) variance[k] = (a.variance[k] as number) + added;
    return { ...a, variance, fingerprint, ...extra };
  };

  /** A key switch at `level`: a fresh random part, and the key's fixed bias on top of the existing one. */
  const keySwitched = (a: SimCiphertext, level: number, scale: number, fingerprint: Fingerprint): SimCiphertext => {
    const profile = noise.keySwitchBias(level);
    const bias = new Float64Array(n);
    for (let k = 0; k < n; k++) bias[k] = (a.bias[k] as number) + (profile[k] as number) / scale;
    return withRandom(a, noise.keySwitchRandom(level), scale, fingerprint, { bias });
  };

  return {
    encrypt(values, out) {
      noOverflow(values, out.scale, out.level, 'encrypt', 'plain', 0);
      const u = (noise.publicKeyEncryption(out.level) + noise.encoding) / (out.scale * out.scale);
      return {
        values: Float64Array.from(values),
        variance: new Float64Array(n).fill(u),
        bias: new Float64Array(n),
        fingerprint: fingerprints.fresh(),
        ancestry: freshAncestry(nextAncestor()),
        upperBound: false,
        tail: new Uint8Array(n),
      };
    },

    decrypt(x) {
      return Float64Array.from(x.values);
    },

    add: (a, b, out) => combine(a, b, 1, 'add', out),
    sub: (a, b, out) => combine(a, b, -1, 'sub', out),

    neg(a) {
      return { ...a, values: a.values.map((v) => -v), fingerprint: fingerprints.neg(a.fingerprint) };
    },

    addPlain(a, plain, out) {
      const f = plainFingerprint(plain, out.scale);
      noOverflow(plain, out.scale, out.level, 'addPlain', 'plain', 0);
      const values = new Float64Array(n);
      for (let k = 0; k < n; k++) values[k] = (a.values[k] as number) + (plain[k] as number);
      return checked({ ...withRandom(a, noise.encoding, out.scale, fingerprints.addPlain(a.fingerprint, f)), values }, 'addPlain', out);
    },

    mulPlain(a, plain, plainScale, out) {
      const f = plainFingerprint(plain, plainScale);
      noOverflow(plain, plainScale, out.level, 'mulPlain', 'plain', 0);
      const values = new Float64Array(n);
      const variance = new Float64Array(n);
      const bias = new Float64Array(n);
      const e = noise.encoding / (plainScale * plainScale);
      for (let k = 0; k < n; k++) {
        const z = a.values[k] as number, w = plain[k] as number, u = a.variance[k] as number;
        values[k] = z * w;
        variance[k] = w * w * u + z * z * e + errorVariance(a, k) * e;
        bias[k] = Math.abs(w) * (a.bias[k] as number);
      }
      return checked({ ...a, values, variance, bias, fingerprint: fingerprints.scale(a.fingerprint, f) }, 'mulPlain', out);
    },

    mul: (a, b, out) => product(a, b, 'mul', out),
    square: (a, out) => product(a, a, 'square', out),

    relinearize(a, out) {
      return checked(keySwitched(a, out.level, out.scale, fingerprints.relinearize(a.fingerprint, out.level)), 'relinearize', out);
    },

    rescale(a, out) {
      const size = out.degree + 1;
      return checked(withRandom(a, noise.rounding(size), out.scale, fingerprints.rescale(a.fingerprint, out.level + 1), {
        tail: size > 2 ? a.tail.map((t) => Math.max(t, 1)) : a.tail,
      }), 'rescale', out);
    },

    dropLevelTo(a, out) {
      noOverflow(a.values, out.scale, out.level, 'dropLevelTo', 'result', errorMargin(a));
      return { ...a };
    },

    rotate(a, _step, terms, out) {
      let ct = a;
      for (const term of terms) {
        const shift = ((term % n) + n) % n;
        const moved = {
          ...ct,
          values: rotated(ct.values, shift),
          variance: rotated(ct.variance, shift),
          bias: rotated(ct.bias, shift),
          tail: rotated(ct.tail, shift),
        };
        ct = checked(keySwitched(moved, out.level, out.scale, fingerprints.rotate(ct.fingerprint, shift, out.level)), 'rotate', out);
      }
      return ct;
    },

    copy(a) {
      return { ...a };
    },

    free() {
      // Garbage-collected; the checked layer does the accounting.
    },

    close() {},
  };
}

/** Slot k of the result is slot k + shift of the input (a left rotation). */
function rotated<T extends Float64Array | Uint8Array>(a: T, shift: number): T {
  const out = new (a.constructor as new (length: number) => T)(a.length);
  out.set(a.subarray(shift), 0);
  out.set(a.subarray(0, shift), a.length - shift);
  return out;
}

function maxTail(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length);
  for (let k = 0; k < a.length; k++) out[k] = Math.max(a[k] as number, b[k] as number);
  return out;
}
