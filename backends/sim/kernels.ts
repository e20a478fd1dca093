/**
 * Simulator kernels: exact float64 values (what SEAL would decrypt without noise), a
 * per-slot error model following NOISE.md §3.3, and fingerprints for SEAL's transparency
 * check. Plain typed-array loops, O(slots) per op, no per-slot allocation.
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
import type { NoiseSources, Tail } from './noise.js';

export interface SimCiphertext {
  /** Noiseless slot values. */
  readonly values: Float64Array;
  /** Variance of the random part of the decrypted error, per slot, in decoded units. */
  readonly variance: Float64Array;
  /** Amplitude of the fixed (key-switching bias) part of the error, per slot; null before any key switch. */
  readonly bias: Float64Array | null;
  /** Per slot, the heaviest error tail in its history (a `Tail`); null while all are Laplace. */
  readonly tail: Uint8Array | null;
  /** Maxima over the slots of |values|, variance, bias and tail: cheap overflow checks. */
  readonly peak: Peak;
  readonly fingerprint: Fingerprint;
  readonly ancestry: Ancestry;
  /** The estimate is an upper bound: correlated errors were combined by amplitude. */
  readonly upperBound: boolean;
}

interface Peak {
  readonly value: number;
  readonly variance: number;
  readonly bias: number;
  readonly tail: Tail;
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

type Parts = SimCiphertext;

/** Total error variance of slot k: random part plus the fixed part's square. */
export const errorVariance = (ct: Parts, k: number): number =>
  (ct.variance[k] as number) + (ct.bias ? (ct.bias[k] as number) ** 2 : 0);

/** Tail class of slot k. */
export const tailAt = (ct: Parts, k: number): Tail => (ct.tail ? (ct.tail[k] as Tail) : 0);

export function simKernels({ params, encoder, noise, fingerprints, nextAncestor, tailFactors }: SimDeps): Kernels<SimCiphertext> {
  const n = params.slots;

  // Q_l / 2: a coefficient at or beyond it wraps modulo Q_l and decrypts to garbage.
  const halfModulus: number[] = [];
  let modulus = 1n;
  for (const q of params.dataPrimes) {
    modulus *= q;
    halfModulus.push(Number(modulus) / 2);
  }

  /** SEAL wraps silently where values (plus error) times scale outgrow the modulus; the simulator says so. */
  const overflow = (op: string, what: string, values: Float64Array, out: CtMeta) =>
    new HeError('OVERFLOW',
      `${op}: ${what} values times scale ${fmtScale(out.scale)} exceed the ${Math.log2(halfModulus[out.level] as number * 2).toFixed(1)}-bit modulus at level ${out.level}; SEAL would wrap them silently. Scale the data down or rescale earlier`,
      { op, scale: out.scale, level: out.level, maxValue: values.reduce((m, v) => Math.max(m, Math.abs(v)), 0) });

  const plainFits = (values: Float64Array, scale: number, out: CtMeta, op: string): void => {
    if (!encoder.fits(values, scale, halfModulus[out.level] as number)) throw overflow(op, 'plain', values, { ...out, scale });
  };

  /** SEAL's overflow and transparency outcomes for a new ciphertext. */
  const checked = (ct: SimCiphertext, op: string, out: CtMeta): SimCiphertext => {
    const half = halfModulus[out.level] as number;
    const { peak } = ct;
    const margin = (tailFactors[peak.tail] as number) * Math.sqrt(peak.variance + peak.bias ** 2);
    if (out.scale * (peak.value + margin) >= half && !encoder.fits(ct.values, out.scale, half, errorMargin(ct))) {
      throw overflow(op, 'result', ct.values, out);
    }
    if (isTransparent(ct.fingerprint)) {
      throw new HeError('TRANSPARENT_RESULT', `${op}: the result would be transparent (it cancels to a value any observer could read); restructure the circuit, e.g. avoid x - x or multiplying by zero`, { op });
    }
    return ct;
  };

  /** Largest error bound over the slots: the room the error needs above the values. */
  const errorMargin = (ct: Parts): number => {
    let m = 0;
    for (let k = 0; k < n; k++) m = Math.max(m, (tailFactors[tailAt(ct, k)] as number) * Math.sqrt(errorVariance(ct, k)));
    return m;
  };

  const plainFingerprint = (values: Float64Array, scale: number): bigint =>
    encoder.isZero(values, scale) ? 0n : fingerprints.plain(values, scale);

  const combine = (a: SimCiphertext, b: SimCiphertext, sign: 1 | -1, op: 'add' | 'sub', out: CtMeta): SimCiphertext => {
    const values = new Float64Array(n);
    const variance = new Float64Array(n);
    const correlated = shareAncestor(a.ancestry, b.ancestry);
    let peakValue = 0, peakVariance = 0;
    for (let k = 0; k < n; k++) {
      const v = (a.values[k] as number) + sign * (b.values[k] as number);
      const ua = a.variance[k] as number, ub = b.variance[k] as number;
      const u = correlated ? ua + ub + 2 * Math.sqrt(ua * ub) : ua + ub;
      values[k] = v;
      variance[k] = u;
      peakValue = Math.max(peakValue, Math.abs(v));
      peakVariance = Math.max(peakVariance, u);
    }
    // Biases of one key add coherently; of different keys they would not: assume the worst.
    const bias = sum(a.bias, b.bias);
    return checked({
      values, variance, bias, tail: maxTail(a.tail, b.tail),
      peak: { value: peakValue, variance: peakVariance, bias: a.peak.bias + b.peak.bias, tail: Math.max(a.peak.tail, b.peak.tail) as Tail },
      fingerprint: fingerprints.add(a.fingerprint, b.fingerprint, sign === 1 ? 1n : -1n),
      ancestry: unionAncestry(a.ancestry, b.ancestry),
      upperBound: a.upperBound || b.upperBound || correlated || (a.bias !== null && b.bias !== null),
    }, op, out);
  };

  const product = (a: SimCiphertext, b: SimCiphertext, op: 'mul' | 'square', out: CtMeta): SimCiphertext => {
    const values = new Float64Array(n);
    const variance = new Float64Array(n);
    const bias = a.bias || b.bias ? new Float64Array(n) : null;
    const self = a === b;
    const correlated = self || shareAncestor(a.ancestry, b.ancestry);
    let tail = maxTail(a.tail, b.tail);
    let peakValue = 0, peakVariance = 0, peakBias = 0, heavy = false;
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
      const bk = bias ? Math.abs(zb) * (a.bias ? (a.bias[k] as number) : 0) + Math.abs(za) * (b.bias ? (b.bias[k] as number) : 0) : 0;
      if (bias) bias[k] = bk;
      peakValue = Math.max(peakValue, Math.abs(za * zb));
      peakVariance = Math.max(peakVariance, total);
      peakBias = Math.max(peakBias, bk);
      // Where the product of the two errors matters (values near zero), its tail is far heavier than Laplace.
      if (second > 1e-4 * (total + bk * bk)) {
        tail ??= new Uint8Array(n);
        tail[k] = 2;
        heavy = true;
      }
    }
    const peakTail = Math.max(a.peak.tail, b.peak.tail, heavy ? 2 : 0) as Tail;
    return checked({
      values, variance, bias, tail,
      peak: { value: peakValue, variance: peakVariance, bias: peakBias, tail: peakTail },
      fingerprint: fingerprints.mul(a.fingerprint, b.fingerprint),
      ancestry: unionAncestry(a.ancestry, b.ancestry),
      upperBound: a.upperBound || b.upperBound || (correlated && !self),
    }, op, out);
  };

  /** Adds a fresh error of `random` variance (integer units, divided by scale²) to every slot. */
  const withRandom = (a: Parts, random: number, scale: number): Float64Array => {
    const variance = new Float64Array(n);
    const added = random / (scale * scale);
    for (let k = 0; k < n; k++) variance[k] = (a.variance[k] as number) + added;
    return variance;
  };

  /** A key switch at `level`: a fresh random part, and the key's fixed bias on top of the existing one. */
  const keySwitched = (a: Parts, level: number, scale: number, fingerprint: Fingerprint): Parts => {
    const profile = noise.keySwitchBias(level);
    const bias = new Float64Array(n);
    let peakBias = 0;
    for (let k = 0; k < n; k++) {
      const b = (a.bias ? (a.bias[k] as number) : 0) + (profile[k] as number) / scale;
      bias[k] = b;
      peakBias = Math.max(peakBias, b);
    }
    const random = noise.keySwitchRandom(level);
    return {
      ...a, variance: withRandom(a, random, scale), bias, fingerprint,
      peak: { ...a.peak, variance: a.peak.variance + random / (scale * scale), bias: peakBias },
    };
  };

  return {
    encrypt(values, out) {
      plainFits(values, out.scale, out, 'encrypt');
      const u = (noise.publicKeyEncryption(out.level) + noise.encoding) / (out.scale * out.scale);
      let peakValue = 0;
      for (let k = 0; k < n; k++) peakValue = Math.max(peakValue, Math.abs(values[k] as number));
      return checked({
        values: Float64Array.from(values),
        variance: new Float64Array(n).fill(u),
        bias: null,
        tail: null,
        peak: { value: peakValue, variance: u, bias: 0, tail: 0 },
        fingerprint: fingerprints.fresh(),
        ancestry: freshAncestry(nextAncestor()),
        upperBound: false,
      }, 'encrypt', out);
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
      plainFits(plain, out.scale, out, 'addPlain');
      const values = new Float64Array(n);
      let peakValue = 0;
      for (let k = 0; k < n; k++) {
        const v = (a.values[k] as number) + (plain[k] as number);
        values[k] = v;
        peakValue = Math.max(peakValue, Math.abs(v));
      }
      const added = noise.encoding / (out.scale * out.scale);
      return checked({
        ...a, values, variance: withRandom(a, noise.encoding, out.scale), fingerprint: fingerprints.addPlain(a.fingerprint, f),
        peak: { ...a.peak, value: peakValue, variance: a.peak.variance + added },
      }, 'addPlain', out);
    },

    mulPlain(a, plain, plainScale, out) {
      const f = plainFingerprint(plain, plainScale);
      plainFits(plain, plainScale, out, 'mulPlain');
      const values = new Float64Array(n);
      const variance = new Float64Array(n);
      const bias = a.bias ? new Float64Array(n) : null;
      const e = noise.encoding / (plainScale * plainScale);
      let peakValue = 0, peakVariance = 0, peakBias = 0;
      for (let k = 0; k < n; k++) {
        const z = a.values[k] as number, w = plain[k] as number, u = a.variance[k] as number;
        const v = z * w;
        const uk = w * w * u + z * z * e + errorVariance(a, k) * e;
        values[k] = v;
        variance[k] = uk;
        peakValue = Math.max(peakValue, Math.abs(v));
        peakVariance = Math.max(peakVariance, uk);
        if (bias && a.bias) {
          const b = Math.abs(w) * (a.bias[k] as number);
          bias[k] = b;
          peakBias = Math.max(peakBias, b);
        }
      }
      return checked({
        ...a, values, variance, bias, fingerprint: fingerprints.scale(a.fingerprint, f),
        peak: { ...a.peak, value: peakValue, variance: peakVariance, bias: peakBias },
      }, 'mulPlain', out);
    },

    mul: (a, b, out) => product(a, b, 'mul', out),
    square: (a, out) => product(a, a, 'square', out),

    relinearize(a, out) {
      return checked(keySwitched(a, out.level, out.scale, fingerprints.relinearize(a.fingerprint, out.level)), 'relinearize', out);
    },

    rescale(a, out) {
      const size = out.degree + 1;
      const added = noise.rounding(size) / (out.scale * out.scale);
      return checked({
        ...a,
        variance: withRandom(a, noise.rounding(size), out.scale),
        peak: { ...a.peak, variance: a.peak.variance + added, tail: Math.max(a.peak.tail, size > 2 ? 1 : 0) as Tail },
        fingerprint: fingerprints.rescale(a.fingerprint, out.level + 1),
        // Rounding times s²: a heavier tail than Laplace.
        tail: size > 2 ? (a.tail ?? new Uint8Array(n)).map((t) => Math.max(t, 1)) : a.tail,
      }, 'rescale', out);
    },

    dropLevelTo: (a, out) => checked(a, 'dropLevelTo', out),

    rotate(a, _step, terms, out) {
      let ct: SimCiphertext = a;
      for (const term of terms) {
        const shift = ((term % n) + n) % n;
        const moved: Parts = {
          ...ct,
          values: rotated(ct.values, shift),
          variance: rotated(ct.variance, shift),
          bias: ct.bias && rotated(ct.bias, shift),
          tail: ct.tail && rotated(ct.tail, shift),
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

function sum(a: Float64Array | null, b: Float64Array | null): Float64Array | null {
  if (!a || !b) return a ?? b;
  const out = new Float64Array(a.length);
  for (let k = 0; k < a.length; k++) out[k] = (a[k] as number) + (b[k] as number);
  return out;
}

function maxTail(a: Uint8Array | null, b: Uint8Array | null): Uint8Array | null {
  if (!a || !b) return a ?? b;
  const out = new Uint8Array(a.length);
  for (let k = 0; k < a.length; k++) out[k] = Math.max(a[k] as number, b[k] as number);
  return out;
}
