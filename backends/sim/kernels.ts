/**
 * Simulator kernels: exact float64 values (what SEAL would decrypt without noise) plus a
 * per-slot error variance following NOISE.md §3.3, and fingerprints for SEAL's
 * transparency check. Plain typed-array loops, O(slots) per op.
 */
import { HeError, fmtScale } from '../../core/errors.js';
import type { Kernels } from '../../core/kernels.js';
import type { CtMeta } from '../../core/meta.js';
import type { CkksParams } from '../../core/params/index.js';
import type { SlotEncoder } from '../../core/encoding.js';
import { isTransparent, type Fingerprint, type FingerprintAlgebra } from './fingerprint.js';
import type { NoiseSources } from './noise.js';

export interface SimCiphertext {
  /** Noiseless slot values. */
  readonly values: Float64Array;
  /** Predicted variance of the decrypted error, per slot, in decoded units. */
  readonly variance: Float64Array;
  readonly fingerprint: Fingerprint;
  /** Fresh encryptions this ciphertext descends from, as a 32-bit Bloom mask. */
  readonly ancestry: number;
  /** The variance is an upper bound: correlated operands were combined by the amplitude rule. */
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

export function simKernels({ params, encoder, noise, fingerprints, nextAncestor, tailFactors }: SimDeps): Kernels<SimCiphertext> {
  const n = params.slots;

  // Q_l / 2: a coefficient at or beyond it wraps modulo Q_l and decrypts to garbage.
  const halfModulus: number[] = [];
  let modulus = 1n;
  for (const q of params.dataPrimes) {
    modulus *= q;
    halfModulus.push(Number(modulus) / 2);
  }

  /** Largest error bound over the slots, by each slot's tail: the room the error needs above the values. */
  const errorMargin = (ct: SimCiphertext): number => {
    let m = 0;
    for (let k = 0; k < n; k++) m = Math.max(m, (tailFactors[ct.tail[k] as number] as number) * Math.sqrt(ct.variance[k] as number));
    return m;
  };

  /** SEAL wraps silently where values (plus error) times scale outgrow the modulus; the simulator says so. */
  const noOverflow = (values: Float64Array, scale: number, level: number, op: string, what = 'result', margin = 0): void => {
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
    const correlated = (a.ancestry & b.ancestry) !== 0;
    for (let k = 0; k < n; k++) {
      values[k] = (a.values[k] as number) + sign * (b.values[k] as number);
      const ua = a.variance[k] as number, ub = b.variance[k] as number;
      variance[k] = correlated ? ua + ub + 2 * Math.sqrt(ua * ub) : ua + ub;
    }
    return checked({
      values, variance,
      fingerprint: fingerprints.add(a.fingerprint, b.fingerprint, sign === 1 ? 1n : -1n),
      ancestry: a.ancestry | b.ancestry,
      upperBound: a.upperBound || b.upperBound || correlated,
      tail: maxTail(a.tail, b.tail),
    }, op, out);
  };

  const product = (a: SimCiphertext, b: SimCiphertext, op: 'mul' | 'square', out: CtMeta): SimCiphertext => {
    const values = new Float64Array(n);
    const variance = new Float64Array(n);
    const correlated = a === b || (a.ancestry & b.ancestry) !== 0;
    const tail = maxTail(a.tail, b.tail);
    for (let k = 0; k < n; k++) {
      const za = a.values[k] as number, zb = b.values[k] as number;
      const ua = a.variance[k] as number, ub = b.variance[k] as number;
      values[k] = za * zb;
      // Error = zb·ea + za·eb + ea·eb. Independent: variances add. Square: E[e⁴] = 6u² for Laplace
      // errors (3u² if Gaussian). Otherwise correlated: amplitudes add (Cauchy-Schwarz), an upper bound.
      const second = a === b ? 6 * ua * ua : correlated ? 6 * ua * ub : ua * ub;
      const first = a === b ? 4 * za * za * ua : correlated ? (Math.abs(zb) * Math.sqrt(ua) + Math.abs(za) * Math.sqrt(ub)) ** 2 : zb * zb * ua + za * za * ub;
      const total = correlated && a !== b ? (Math.sqrt(first) + Math.sqrt(second)) ** 2 : first + second;
      variance[k] = total;
      // Where the product of the two errors matters (values near zero), its tail is far heavier than Laplace.
      if (second > 1e-4 * total) tail[k] = 2;
    }
    return checked({
      values, variance,
      fingerprint: fingerprints.mul(a.fingerprint, b.fingerprint),
      ancestry: a.ancestry | b.ancestry,
      upperBound: a.upperBound || b.upperBound || (correlated && a !== b),
      tail,
    }, op, out);
  };

  const withNoise = (a: SimCiphertext, added: Float64Array | number, scale: number, fingerprint: Fingerprint, extra: Partial<SimCiphertext> = {}): SimCiphertext => {
    const variance = new Float64Array(n);
    const s2 = scale * scale;
    for (let k = 0; k < n; k++) {
      variance[k] = (a.variance[k] as number) + (typeof added === 'number' ? added : (added[k] as number)) / s2;
    }
    return { ...a, values: a.values, variance, fingerprint, ...extra };
  };

  return {
    encrypt(values, out) {
      noOverflow(values, out.scale, out.level, 'encrypt');
      const u = (noise.publicKeyEncryption(out.level) + noise.encoding) / (out.scale * out.scale);
      return {
        values: Float64Array.from(values),
        variance: new Float64Array(n).fill(u),
        fingerprint: fingerprints.fresh(),
        ancestry: 1 << (nextAncestor() % 32),
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
      noOverflow(plain, out.scale, out.level, 'addPlain', 'plain');
      const values = new Float64Array(n);
      for (let k = 0; k < n; k++) values[k] = (a.values[k] as number) + (plain[k] as number);
      return checked({ ...withNoise(a, noise.encoding, out.scale, fingerprints.addPlain(a.fingerprint, f)), values }, 'addPlain', out);
    },

    mulPlain(a, plain, plainScale, out) {
      const f = plainFingerprint(plain, plainScale);
      noOverflow(plain, plainScale, out.level, 'mulPlain', 'plain');
      const values = new Float64Array(n);
      const variance = new Float64Array(n);
      const e = noise.encoding / (plainScale * plainScale);
      for (let k = 0; k < n; k++) {
        const z = a.values[k] as number, w = plain[k] as number, u = a.variance[k] as number;
        values[k] = z * w;
        variance[k] = w * w * u + z * z * e + u * e;
      }
      return checked({ ...a, values, variance, fingerprint: fingerprints.scale(a.fingerprint, f) }, 'mulPlain', out);
    },

    mul: (a, b, out) => product(a, b, 'mul', out),
    square: (a, out) => product(a, a, 'square', out),

    relinearize(a, out) {
      return checked(withNoise(a, noise.keySwitch(out.level), out.scale, fingerprints.relinearize(a.fingerprint, out.level)), 'relinearize', out);
    },

    rescale(a, out) {
      const size = out.degree + 1;
      return checked(withNoise(a, noise.rounding(size), out.scale, fingerprints.rescale(a.fingerprint, out.level + 1), {
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
        const values = new Float64Array(n);
        const variance = new Float64Array(n);
        const tail = new Uint8Array(n);
        const ks = noise.keySwitch(out.level);
        const s2 = out.scale * out.scale;
        for (let k = 0; k < n; k++) {
          const from = k + shift < n ? k + shift : k + shift - n;
          values[k] = ct.values[from] as number;
          variance[k] = (ct.variance[from] as number) + (ks[k] as number) / s2;
          tail[k] = ct.tail[from] as number;
        }
        ct = checked({ ...ct, values, variance, tail, fingerprint: fingerprints.rotate(ct.fingerprint, shift, out.level) }, 'rotate', out);
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

function maxTail(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length);
  for (let k = 0; k < a.length; k++) out[k] = Math.max(a[k] as number, b[k] as number);
  return out;
}
