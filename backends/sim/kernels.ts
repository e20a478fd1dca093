/**
 * Simulator kernels: exact float64 values (what SEAL would decrypt without noise), a
 * per-slot error model following NOISE.md §3.3, and fingerprints for SEAL's transparency
 * check. Plain typed-array loops, O(slots) per op, no per-slot allocation; loops read their
 * arrays from locals (a property load per slot on ciphertexts of varying shape costs more
 * than the arithmetic) and take new ones from the pool of freed ones (arrays.ts).
 *
 * The error of slot k has a random part, fresh for every event, of variance
 * `variance[k] + varianceShift`, and a fixed part, the key-switching bias (identical every
 * time a key is used at a level, so it adds up linearly), of amplitude
 * `bias[k] + biasShape · shape[k]`. The uniform and profile-shaped terms keep relinearize
 * and rescale O(1): they touch no slot.
 */
import type { SlotEncoder } from '../../core/encoding.js';
import { HeError, fmtScale } from '../../core/errors.js';
import type { Kernels } from '../../core/kernels.js';
import type { CtMeta } from '../../core/meta.js';
import type { CkksParams } from '../../core/params/index.js';
import { freshAncestry, shareAncestor, unionAncestry, type Ancestry } from './ancestry.js';
import type { SlotArrays } from './arrays.js';
import { isTransparent, type Fingerprint, type FingerprintAlgebra } from './fingerprint.js';
import type { NoiseInjector } from './injector.js';
import { noisyCopy, noisyNeg, noisyOf, noisyProduct, noisySum, noisyWithPlain, type Noisy } from './noisy.js';
import type { NoiseSources, Tail } from './noise.js';

export interface SimCiphertext {
  /** Noiseless slot values. */
  readonly values: Float64Array;
  /** Random part of the error variance, decoded units: per slot (null: none) plus a uniform term. */
  readonly variance: Float64Array | null;
  readonly varianceShift: number;
  /** Fixed part's amplitude, decoded units: per slot (null: none) plus a multiple of the bias profile. */
  readonly bias: Float64Array | null;
  readonly biasShape: number;
  /** Error tail class (a `Tail`) per slot (null: none) and for every slot. */
  readonly tail: Uint8Array | null;
  readonly tailFloor: Tail;
  /** Maxima of |values| and of the per-slot arrays: overflow is checked on these first. */
  readonly peak: Peak;
  readonly fingerprint: Fingerprint;
  readonly ancestry: Ancestry;
  /** The estimate is an upper bound: correlated errors were combined by amplitude. */
  readonly upperBound: boolean;
  /** Injection mode: the values with drawn errors; decryption returns their real part. */
  readonly noisy: Noisy | null;
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
  /** False in mode 'off': no error is tracked, values only. */
  readonly tracking: boolean;
  /** Mode 'inject': draws every error event. */
  readonly injector: NoiseInjector | null;
  /** Plaintexts hold SEAL's rounded encoding exactly (an O(N log N) transform per encode) instead of a modelled error. */
  readonly exactEncoding: boolean;
  /** Where slot arrays come from and go back to (the checked layer draws its plain arrays there too). */
  readonly arrays: SlotArrays;
}

/** Reads a ciphertext's error model slot by slot. */
export class ErrorModel {
  constructor(private readonly shape: Float64Array) {}

  random(ct: SimCiphertext, k: number): number {
    return (ct.variance ? (ct.variance[k] as number) : 0) + ct.varianceShift;
  }

  bias(ct: SimCiphertext, k: number): number {
    return (ct.bias ? (ct.bias[k] as number) : 0) + ct.biasShape * (this.shape[k] as number);
  }

  /** Total error variance of slot k. */
  total(ct: SimCiphertext, k: number): number {
    return this.random(ct, k) + this.bias(ct, k) ** 2;
  }

  tail(ct: SimCiphertext, k: number): Tail {
    return Math.max(ct.tail ? (ct.tail[k] as number) : 0, ct.tailFloor) as Tail;
  }
}

export function simKernels(deps: SimDeps): Kernels<SimCiphertext> {
  const { params, encoder, noise, fingerprints, nextAncestor, tailFactors, tracking, injector, exactEncoding, arrays } = deps;
  const n = params.slots;
  const model = new ErrorModel(noise.biasShape);
  const shape = noise.biasShape;

  /** A payload handed to the checked layer holds its arrays until `free`. */
  const hold = (ct: SimCiphertext): SimCiphertext => {
    arrays.hold(ct.values);
    arrays.hold(ct.variance);
    arrays.hold(ct.bias);
    arrays.hold(ct.noisy && ct.noisy.re);
    arrays.hold(ct.noisy && ct.noisy.im);
    return ct;
  };

  /**
   * A new payload, held, rebuilt in one fixed shape: payloads spread from differently shaped
   * literals made every op that spreads its operand deoptimise on the next shape.
   */
  const own = (ct: SimCiphertext): SimCiphertext => hold({
    values: ct.values, variance: ct.variance, varianceShift: ct.varianceShift, bias: ct.bias, biasShape: ct.biasShape,
    tail: ct.tail, tailFloor: ct.tailFloor,
    peak: { value: ct.peak.value, variance: ct.peak.variance, bias: ct.peak.bias, tail: ct.peak.tail },
    fingerprint: ct.fingerprint, ancestry: ct.ancestry, upperBound: ct.upperBound, noisy: ct.noisy,
  });

  /** In injection mode, `make()` with error events drawn on top. */
  const inject = (make: () => Noisy | null, events?: (inj: NoiseInjector, e: Noisy) => void): Noisy | null => {
    if (!injector) return null;
    const e = make();
    if (e) events?.(injector, e);
    return e;
  };

  // Q_l / 2: a coefficient at or beyond it wraps modulo Q_l and decrypts to garbage.
  const halfModulus: number[] = [];
  let modulus = 1n;
  for (const q of params.dataPrimes) {
    modulus *= q;
    halfModulus.push(Number(modulus) / 2);
  }

  /** SEAL wraps silently where values (plus error) times scale outgrow the modulus; the simulator says so. */
  const overflow = (op: string, what: string, values: Float64Array, scale: number, level: number) =>
    new HeError('OVERFLOW',
      `${op}: ${what} values times scale ${fmtScale(scale)} exceed the ${Math.log2((halfModulus[level] as number) * 2).toFixed(1)}-bit modulus at level ${level}; SEAL would wrap them silently. Scale the data down or rescale earlier`,
      { op, scale, level, maxValue: values.reduce((m, v) => Math.max(m, Math.abs(v)), 0) });

  const plainFits = (values: Float64Array, scale: number, level: number, op: string, maxAbs: number): void => {
    if (!encoder.fits(values, scale, halfModulus[level] as number, 0, maxAbs)) throw overflow(op, 'plain', values, scale, level);
  };

  /** A plaintext operand's fingerprint, then SEAL's silent wrap at `level` (OVERFLOW), from one pass over its values. */
  const checkedPlain = (values: Float64Array, scale: number, level: number, op: string): { fingerprint: bigint; constant: boolean } => {
    const { maxAbs, constant } = slotStats(values);
    const fingerprint = encoder.isZero(values, scale, maxAbs) ? 0n : fingerprints.plain(values, scale, constant);
    plainFits(values, scale, level, op, maxAbs);
    return { fingerprint, constant };
  };

  /** After a plaintext op: its input, and the encoding when there is one, are nobody's. */
  const recyclePlain = (input: Float64Array, plain: Float64Array): void => {
    arrays.recycle(input);
    if (plain !== input) arrays.recycle(plain);
  };

  /** Largest error bound over the slots: the room the error needs above the values. */
  const errorMargin = (ct: SimCiphertext): number => {
    let m = 0;
    for (let k = 0; k < n; k++) m = Math.max(m, (tailFactors[model.tail(ct, k)] as number) * Math.sqrt(model.total(ct, k)));
    return m;
  };

  /** SEAL's overflow and transparency outcomes for a new ciphertext; peaks settle most cases in O(1). */
  const checked = (ct: SimCiphertext, op: string, out: CtMeta): SimCiphertext => {
    const half = halfModulus[out.level] as number;
    const { peak } = ct;
    const K = tailFactors[Math.max(peak.tail, ct.tailFloor)] as number;
    const margin = K * Math.sqrt(peak.variance + ct.varianceShift + (peak.bias + ct.biasShape * noise.biasShapeMax) ** 2);
    if (out.scale * (peak.value + margin) >= half && !encoder.fits(ct.values, out.scale, half, errorMargin(ct))) {
      throw overflow(op, 'result', ct.values, out.scale, out.level);
    }
    if (isTransparent(ct.fingerprint)) {
      throw new HeError('TRANSPARENT_RESULT', `${op}: the result would be transparent (it cancels to a value any observer could read); restructure the circuit, e.g. avoid x - x or multiplying by zero`, { op });
    }
    return ct;
  };

  /**
   * Second moment of a plaintext's encoding error per slot, decoded units. A constant encodes
   * to the single coefficient round(v·scale): its error is known exactly. Other vectors round
   * N coefficients: (N+1)/12 in integer units (NOISE.md §3.2).
   */
  const encodingError = (values: Float64Array, scale: number, constant: boolean): number => {
    if (exactEncoding) return 0;
    const v = values[0] as number;
    if (Math.abs(v * scale) < 2 ** 50 && constant) {
      return ((Math.sign(v) * Math.round(Math.abs(v * scale)) - v * scale) / scale) ** 2;
    }
    return noise.encoding / (scale * scale);
  };

  /** Per-slot biases of a and b, added: coherent for one key; for different keys, an upper bound. */
  const summedBias = (a: SimCiphertext, b: SimCiphertext): { bias: Float64Array | null; biasShape: number; peak: number } => {
    if (!a.bias && !b.bias) return { bias: null, biasShape: a.biasShape + b.biasShape, peak: 0 };
    const bias = arrays.take();
    const ab = a.bias, as = a.biasShape, bb = b.bias, bs = b.biasShape;
    let peak = 0;
    for (let k = 0; k < n; k++) {
      const w = shape[k] as number;
      const v = ((ab ? (ab[k] as number) : 0) + as * w) + ((bb ? (bb[k] as number) : 0) + bs * w);
      bias[k] = v;
      peak = Math.max(peak, v);
    }
    return { bias, biasShape: 0, peak };
  };

  const combine = (a: SimCiphertext, b: SimCiphertext, sign: 1 | -1, op: 'add' | 'sub', out: CtMeta): SimCiphertext => {
    const values = arrays.take();
    const av = a.values, bv = b.values;
    const correlated = shareAncestor(a.ancestry, b.ancestry);
    let peakValue = 0, peakVariance = 0;
    let variance: Float64Array | null = null;
    let varianceShift = a.varianceShift + b.varianceShift;
    if (!tracking || (!correlated && !a.variance && !b.variance)) {
      peakValue = sumInto(values, av, bv, sign);
    } else {
      // Shared ancestry: errors add in amplitude (exact for x + x), so the variance is per slot.
      variance = arrays.take();
      varianceShift = 0;
      const ava = a.variance, as = a.varianceShift, bva = b.variance, bs = b.varianceShift;
      for (let k = 0; k < n; k++) {
        const v = (av[k] as number) + sign * (bv[k] as number);
        const ua = (ava ? (ava[k] as number) : 0) + as, ub = (bva ? (bva[k] as number) : 0) + bs;
        const u = correlated ? ua + ub + 2 * Math.sqrt(ua * ub) : ua + ub;
        values[k] = v;
        variance[k] = u;
        peakValue = Math.max(peakValue, Math.abs(v));
        peakVariance = Math.max(peakVariance, u);
      }
    }
    const { bias, biasShape, peak: peakBias } = summedBias(a, b);
    const tail = maxTail(a.tail, b.tail);
    return own(checked({
      values, variance, varianceShift, bias, biasShape, tail, tailFloor: Math.max(a.tailFloor, b.tailFloor) as Tail,
      peak: { value: peakValue, variance: peakVariance, bias: peakBias, tail: Math.max(a.peak.tail, b.peak.tail) as Tail },
      fingerprint: fingerprints.add(a.fingerprint, b.fingerprint, sign === 1 ? 1n : -1n),
      ancestry: unionAncestry(a.ancestry, b.ancestry),
      upperBound: a.upperBound || b.upperBound || correlated || (bias !== null || (a.biasShape > 0 && b.biasShape > 0)),
      noisy: inject(() => a.noisy && b.noisy && noisySum(a.noisy, b.noisy, sign, arrays)),
    }, op, out));
  };

  const product = (a: SimCiphertext, b: SimCiphertext, op: 'mul' | 'square', out: CtMeta): SimCiphertext => {
    const av = a.values, bv = b.values;
    if (!tracking) {
      const values = arrays.take();
      return own(checked({
        ...a, values, peak: { ...a.peak, value: productInto(values, av, bv) },
        fingerprint: fingerprints.mul(a.fingerprint, b.fingerprint), ancestry: unionAncestry(a.ancestry, b.ancestry),
      }, op, out));
    }
    const values = arrays.take();
    const variance = arrays.take();
    const biased = a.bias !== null || b.bias !== null || a.biasShape > 0 || b.biasShape > 0;
    const bias = biased ? arrays.take() : null;
    const self = a === b;
    const correlated = self || shareAncestor(a.ancestry, b.ancestry);
    let tail = maxTail(a.tail, b.tail);
    let peakValue = 0, peakVariance = 0, peakBias = 0, heavy = false;
    const ava = a.variance, avs = a.varianceShift, bva = b.variance, bvs = b.varianceShift;
    const aba = a.bias, abs = a.biasShape, bba = b.bias, bbs = b.biasShape;
    for (let k = 0; k < n; k++) {
      const za = av[k] as number, zb = bv[k] as number;
      const ua = (ava ? (ava[k] as number) : 0) + avs, ub = (bva ? (bva[k] as number) : 0) + bvs;
      const w = shape[k] as number;
      const ba = biased ? (aba ? (aba[k] as number) : 0) + abs * w : 0, bb = biased ? (bba ? (bba[k] as number) : 0) + bbs * w : 0;
      // Error = zb·ea + za·eb + Re(Ea·Eb). The product of errors involves their imaginary parts
      // (as large as the real ones) and the shared secret (E|s|⁴ = 2h²): 4·ua·ub when
      // independent, 8u² for a square; correlated operands add in amplitude, an upper bound.
      const ea = ua + ba * ba, eb = ub + bb * bb;
      const second = self ? 8 * ea * ea : correlated ? 8 * ea * eb : 4 * ea * eb;
      const first = self ? 4 * za * za * ua : correlated ? (Math.abs(zb) * Math.sqrt(ua) + Math.abs(za) * Math.sqrt(ub)) ** 2 : zb * zb * ua + za * za * ub;
      const u = correlated && !self ? (Math.sqrt(first) + Math.sqrt(second)) ** 2 : first + second;
      const v = za * zb;
      const bk = Math.abs(zb) * ba + Math.abs(za) * bb;
      values[k] = v;
      variance[k] = u;
      if (bias) bias[k] = bk;
      peakValue = Math.max(peakValue, Math.abs(v));
      peakVariance = Math.max(peakVariance, u);
      peakBias = Math.max(peakBias, bk);
      // Where the product of the two errors matters (values near zero), its tail is far heavier than Laplace.
      if (second > 1e-4 * (u + bk * bk)) {
        tail ??= new Uint8Array(n);
        tail[k] = 2;
        heavy = true;
      }
    }
    return own(checked({
      values, variance, varianceShift: 0, bias, biasShape: 0, tail, tailFloor: Math.max(a.tailFloor, b.tailFloor) as Tail,
      peak: { value: peakValue, variance: peakVariance, bias: peakBias, tail: Math.max(a.peak.tail, b.peak.tail, heavy ? 2 : 0) as Tail },
      fingerprint: fingerprints.mul(a.fingerprint, b.fingerprint),
      ancestry: unionAncestry(a.ancestry, b.ancestry),
      upperBound: a.upperBound || b.upperBound || (correlated && !self),
      noisy: inject(() => a.noisy && b.noisy && noisyProduct(a.noisy, b.noisy, arrays)),
    }, op, out));
  };

  /** A key switch with `key` at `level` on slot-aligned state: a fresh random part and the key's fixed bias. */
  const keySwitched = (a: SimCiphertext, key: string, level: number, scale: number, fingerprint: Fingerprint): SimCiphertext => {
    if (!tracking) return { ...a, fingerprint };
    return {
      ...a,
      varianceShift: a.varianceShift + noise.keySwitchRandom(level) / (scale * scale),
      biasShape: a.biasShape + noise.keySwitchBias(level) / scale,
      fingerprint,
      noisy: inject(() => a.noisy && noisyCopy(a.noisy, arrays), (inj, e) => inj.keySwitch(e.re, e.im, key, level, scale)),
    };
  };

  /** Slot k of the result is slot k + shift of `a`, the profile-shaped bias folded into the array. */
  const rotated = (a: SimCiphertext, shift: number): SimCiphertext => {
    let bias: Float64Array | null = null;
    let peakBias = 0;
    if (a.bias || a.biasShape > 0) {
      bias = arrays.take();
      const ab = a.bias, as = a.biasShape;
      for (let k = 0; k < n; k++) {
        const from = k + shift < n ? k + shift : k + shift - n;
        const v = (ab ? (ab[from] as number) : 0) + as * (shape[from] as number);
        bias[k] = v;
        peakBias = Math.max(peakBias, v);
      }
    }
    return {
      ...a,
      values: permuted(a.values, shift, arrays.take()),
      variance: a.variance && permuted(a.variance, shift, arrays.take()),
      bias,
      biasShape: 0,
      tail: a.tail && permuted(a.tail, shift, new Uint8Array(n)),
      peak: { ...a.peak, bias: peakBias },
      noisy: a.noisy && { re: permuted(a.noisy.re, shift, arrays.take()), im: permuted(a.noisy.im, shift, arrays.take()) },
    };
  };

  return {
    encrypt(input, out, symmetric) {
      const { maxAbs, constant } = slotStats(input);
      plainFits(input, out.scale, out.level, 'encrypt', maxAbs);
      const values = exactEncoding ? encoder.encoded(input, out.scale) : input;
      const peakValue = exactEncoding ? slotStats(values).maxAbs : maxAbs;
      return own(checked({
        values, // a fresh array the checked layer hands over
        variance: null,
        varianceShift: tracking
          ? (symmetric ? noise.symmetricEncryption() : noise.publicKeyEncryption(out.level)) / (out.scale * out.scale) + encodingError(values, out.scale, constant)
          : 0,
        bias: null,
        biasShape: 0,
        tail: null,
        tailFloor: 0,
        peak: { value: peakValue, variance: 0, bias: 0, tail: 0 },
        fingerprint: fingerprints.fresh(),
        ancestry: freshAncestry(nextAncestor()),
        upperBound: false,
        noisy: inject(() => noisyOf(values, arrays), (inj, e) => {
          if (!exactEncoding) inj.encoding(e.re, out.scale);
          if (symmetric) inj.symmetricEncryption(e.re, e.im, out.scale);
          else inj.publicKeyEncryption(e.re, e.im, out.level, out.scale);
        }),
      }, 'encrypt', out));
    },

    decrypt(x) {
      return (x.noisy ? x.noisy.re : x.values).slice();
    },

    add: (a, b, out) => combine(a, b, 1, 'add', out),
    sub: (a, b, out) => combine(a, b, -1, 'sub', out),

    neg(a) {
      const values = arrays.take();
      const av = a.values;
      for (let k = 0; k < n; k++) values[k] = -(av[k] as number);
      return own({ ...a, values, fingerprint: fingerprints.neg(a.fingerprint), noisy: a.noisy && noisyNeg(a.noisy, arrays) });
    },

    addPlain(a, input, out) {
      const { fingerprint: f, constant } = checkedPlain(input, out.scale, out.level, 'addPlain');
      const plain = exactEncoding ? encoder.encoded(input, out.scale) : input;
      const values = arrays.take();
      const peakValue = sumInto(values, a.values, plain, 1);
      const ct = checked({
        ...a,
        values,
        varianceShift: tracking ? a.varianceShift + encodingError(plain, out.scale, constant) : 0,
        peak: { ...a.peak, value: peakValue },
        fingerprint: fingerprints.addPlain(a.fingerprint, f),
        noisy: inject(() => a.noisy && noisyWithPlain(a.noisy, plain, true, arrays), (inj, e) => exactEncoding || inj.encoding(e.re, out.scale)),
      }, 'addPlain', out);
      recyclePlain(input, plain);
      return own(ct);
    },

    mulPlain(a, input, plainScale, out) {
      const { fingerprint: f, constant } = checkedPlain(input, plainScale, out.level, 'mulPlain');
      const plain = exactEncoding ? encoder.encoded(input, plainScale) : input;
      // Injection: the plaintext SEAL multiplies by carries its own encoding error.
      const encodedPlain = inject(() => noisyOf(plain, arrays), (inj, e) => exactEncoding || inj.encoding(e.re, plainScale));
      const noisy = a.noisy && encodedPlain && noisyWithPlain(a.noisy, encodedPlain.re, false, arrays);
      if (encodedPlain) {
        arrays.recycle(encodedPlain.re);
        arrays.recycle(encodedPlain.im);
      }
      const av = a.values;
      if (!tracking) {
        const values = arrays.take();
        const peakValue = productInto(values, av, plain);
        const ct = checked({ ...a, values, peak: { ...a.peak, value: peakValue }, fingerprint: fingerprints.scale(a.fingerprint, f) }, 'mulPlain', out);
        recyclePlain(input, plain);
        return own(ct);
      }
      const values = arrays.take();
      const variance = arrays.take();
      const biased = a.bias !== null || a.biasShape > 0;
      const bias = biased ? arrays.take() : null;
      const e = encodingError(plain, plainScale, constant);
      let peakValue = 0, peakVariance = 0, peakBias = 0;
      const ava = a.variance, avs = a.varianceShift, aba = a.bias, abs = a.biasShape;
      for (let k = 0; k < n; k++) {
        const z = av[k] as number, w = plain[k] as number, u = (ava ? (ava[k] as number) : 0) + avs;
        const bk = biased ? (aba ? (aba[k] as number) : 0) + abs * (shape[k] as number) : 0;
        const v = z * w;
        const uk = w * w * u + z * z * e + (u + bk * bk) * e;
        values[k] = v;
        variance[k] = uk;
        if (bias) bias[k] = Math.abs(w) * bk;
        peakValue = Math.max(peakValue, Math.abs(v));
        peakVariance = Math.max(peakVariance, uk);
        peakBias = Math.max(peakBias, Math.abs(w) * bk);
      }
      const ct = checked({
        ...a, values, variance, varianceShift: 0, bias, biasShape: 0,
        peak: { ...a.peak, value: peakValue, variance: peakVariance, bias: peakBias },
        fingerprint: fingerprints.scale(a.fingerprint, f),
        noisy,
      }, 'mulPlain', out);
      recyclePlain(input, plain);
      return own(ct);
    },

    mul: (a, b, out) => product(a, b, 'mul', out),
    square: (a, out) => product(a, a, 'square', out),

    relinearize(a, out) {
      return own(checked(keySwitched(a, 'relin', out.level, out.scale, fingerprints.relinearize(a.fingerprint, out.level)), 'relinearize', out));
    },

    rescale(a, out) {
      const size = out.degree + 1;
      return own(checked({
        ...a,
        varianceShift: tracking ? a.varianceShift + noise.rounding(size) / (out.scale * out.scale) : 0,
        noisy: inject(() => a.noisy && noisyCopy(a.noisy, arrays), (inj, e) => inj.rounding(e.re, e.im, size, out.scale)),
        // Rounding times s²: a heavier tail than Laplace.
        tailFloor: Math.max(a.tailFloor, size > 2 ? 1 : 0) as Tail,
        fingerprint: fingerprints.rescale(a.fingerprint, out.level + 1),
      }, 'rescale', out));
    },

    // The same payload: its noise realisation is a's (mul of two drops of x is x squared).
    dropLevelTo: (a, out) => hold(checked(a, 'dropLevelTo', out)),

    rotate(a, _step, terms, out) {
      let ct: SimCiphertext = a;
      for (const term of terms) {
        const shift = ((term % n) + n) % n;
        const fingerprint = fingerprints.rotate(ct.fingerprint, shift, out.level);
        ct = checked(keySwitched(rotated(ct, shift), `galois:${shift}`, out.level, out.scale, fingerprint), 'rotate', out);
      }
      return own(ct);
    },

    copy(a) {
      return own({ ...a });
    },

    free(a) {
      arrays.drop(a.values);
      arrays.drop(a.variance);
      arrays.drop(a.bias);
      arrays.drop(a.noisy && a.noisy.re);
      arrays.drop(a.noisy && a.noisy.im);
    },

    close() {
      arrays.clear();
    },
  };
}

/** Slot k of `out` becomes slot k + shift of `a` (a left rotation). */
function permuted<T extends Float64Array | Uint8Array>(a: T, shift: number, out: T): T {
  out.set(a.subarray(shift), 0);
  out.set(a.subarray(0, shift), a.length - shift);
  return out;
}

/*
 * The value-only loops of the hottest ops, as functions of their own: optimised whole and
 * early, where a loop inside a larger kernel ran as on-stack-replaced code that bailed out
 * after the loop, at calls it had not yet seen. Four slots per iteration: V8 re-checks every
 * array's map and length on each iteration (and whether its buffer was detached, once any
 * buffer in the process has been, as tsx's loader does), and four slots share those checks.
 * Maxima are exact in any order, so four running maxima give the same peak.
 */

/** out = a + sign·b slot by slot; returns max |out|. */
function sumInto(out: Float64Array, a: Float64Array, b: Float64Array, sign: 1 | -1): number {
  const n = out.length;
  let p0 = 0, p1 = 0, p2 = 0, p3 = 0, k = 0;
  for (; k + 3 < n; k += 4) {
    const v0 = (a[k] as number) + sign * (b[k] as number), v1 = (a[k + 1] as number) + sign * (b[k + 1] as number);
    const v2 = (a[k + 2] as number) + sign * (b[k + 2] as number), v3 = (a[k + 3] as number) + sign * (b[k + 3] as number);
    out[k] = v0; out[k + 1] = v1; out[k + 2] = v2; out[k + 3] = v3;
    p0 = Math.max(p0, Math.abs(v0)); p1 = Math.max(p1, Math.abs(v1)); p2 = Math.max(p2, Math.abs(v2)); p3 = Math.max(p3, Math.abs(v3));
  }
  for (; k < n; k++) {
    const v = (a[k] as number) + sign * (b[k] as number);
    out[k] = v;
    p0 = Math.max(p0, Math.abs(v));
  }
  return Math.max(p0, p1, p2, p3);
}

/** out = a·b slot by slot; returns max |out|. */
function productInto(out: Float64Array, a: Float64Array, b: Float64Array): number {
  const n = out.length;
  let p0 = 0, p1 = 0, p2 = 0, p3 = 0, k = 0;
  for (; k + 3 < n; k += 4) {
    const v0 = (a[k] as number) * (b[k] as number), v1 = (a[k + 1] as number) * (b[k + 1] as number);
    const v2 = (a[k + 2] as number) * (b[k + 2] as number), v3 = (a[k + 3] as number) * (b[k + 3] as number);
    out[k] = v0; out[k + 1] = v1; out[k + 2] = v2; out[k + 3] = v3;
    p0 = Math.max(p0, Math.abs(v0)); p1 = Math.max(p1, Math.abs(v1)); p2 = Math.max(p2, Math.abs(v2)); p3 = Math.max(p3, Math.abs(v3));
  }
  for (; k < n; k++) {
    const v = (a[k] as number) * (b[k] as number);
    out[k] = v;
    p0 = Math.max(p0, Math.abs(v));
  }
  return Math.max(p0, p1, p2, p3);
}

/** One pass over a plaintext: max |w| (the encoder's cheap bounds) and whether all slots are equal (the constant shortcuts). */
function slotStats(values: Float64Array): { maxAbs: number; constant: boolean } {
  const n = values.length, first = values[0] as number;
  let m0 = 0, m1 = 0, m2 = 0, m3 = 0, constant = true, k = 0;
  for (; k + 3 < n; k += 4) {
    const v0 = values[k] as number, v1 = values[k + 1] as number, v2 = values[k + 2] as number, v3 = values[k + 3] as number;
    m0 = Math.max(m0, Math.abs(v0)); m1 = Math.max(m1, Math.abs(v1)); m2 = Math.max(m2, Math.abs(v2)); m3 = Math.max(m3, Math.abs(v3));
    constant &&= v0 === first && v1 === first && v2 === first && v3 === first;
  }
  for (; k < n; k++) {
    const v = values[k] as number;
    m0 = Math.max(m0, Math.abs(v));
    constant &&= v === first;
  }
  return { maxAbs: Math.max(m0, m1, m2, m3), constant };
}

function maxTail(a: Uint8Array | null, b: Uint8Array | null): Uint8Array | null {
  if (!a || !b) return a ?? b;
  const out = new Uint8Array(a.length);
  for (let k = 0; k < a.length; k++) out[k] = Math.max(a[k] as number, b[k] as number);
  return out;
}
