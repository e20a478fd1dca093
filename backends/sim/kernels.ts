/**
 * Simulator kernels: exact float64 values (what SEAL would decrypt without noise), a
 * per-slot error model following NOISE.md §3.3, and fingerprints for SEAL's transparency
 * check. Plain typed-array loops, O(slots) per op, no per-slot allocation; loops read their
 * arrays from locals (a property load per slot on ciphertexts of varying shape costs more
 * than the arithmetic) and take new ones from the pool of freed ones (arrays.ts).
 *
 * The error of slot k is a short list of terms shared with other ciphertexts (terms.ts: the
 * same error source at the same offset adds coherently, anything else in variance), plus an
 * independent remainder of variance `variance[k] + varianceShift`: the fresh error of the
 * events since the ciphertext was made. Every op first turns its operands' remainders into
 * terms of their own ("promotes" them), so whatever two results share is visible as a common
 * term. The key-switching bias, fixed per Galois key and level, is a term too: its source is
 * the key, its coefficient the low-frequency profile.
 */
import { maxAbsOf, type SlotEncoder } from '../../core/encoding.js';
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
import { addTermVariance, filledTerm, makeTerm, MAX_TERMS, scaledTerm, shareSource, type Term } from './terms.js';

export interface SimCiphertext {
  /** Noiseless slot values. */
  readonly values: Float64Array;
  /** Independent remainder of the error variance, decoded units: per slot (null: none) plus a uniform term. */
  variance: Float64Array | null;
  varianceShift: number;
  /** Shared error terms (terms.ts), decoded units. */
  terms: readonly Term[];
  /** Error tail class (a `Tail`) per slot (null: none) and for every slot. */
  readonly tail: Uint8Array | null;
  readonly tailFloor: Tail;
  /** Maxima of |values| and of the remainder array: overflow is checked on these (and `termPeak`) first. */
  peak: Peak;
  readonly fingerprint: Fingerprint;
  readonly ancestry: Ancestry;
  /** The estimate is an upper bound: a rule combined errors conservatively. */
  readonly upperBound: boolean;
  /** Injection mode: the values with drawn errors; decryption returns their real part. */
  readonly noisy: Noisy | null;
}

interface Peak {
  readonly value: number;
  /** max_k variance[k]. */
  readonly variance: number;
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

/** Σ_t max_k a_t[k]²: at least the terms' variance in any slot. */
const termPeak = (terms: readonly Term[]): number => terms.reduce((s, t) => s + t.max * t.max, 0);

/** Reads a ciphertext's error model. */
export class ErrorModel {
  /** Total error variance per slot, in `out`. */
  variances(ct: SimCiphertext, out: Float64Array): Float64Array {
    const v = ct.variance, s = ct.varianceShift;
    if (v) for (let k = 0; k < out.length; k++) out[k] = (v[k] as number) + s;
    else out.fill(s);
    addTermVariance(ct.terms, out);
    return out;
  }

  tail(ct: SimCiphertext, k: number): Tail {
    return Math.max(ct.tail ? (ct.tail[k] as number) : 0, ct.tailFloor) as Tail;
  }
}

export function simKernels(deps: SimDeps): Kernels<SimCiphertext> {
  const { params, encoder, noise, fingerprints, nextAncestor, tailFactors, tracking, injector, exactEncoding, arrays } = deps;
  const n = params.slots;
  const model = new ErrorModel();
  const shape = noise.biasShape;
  let sources = 0;
  const biasSources = new Map<string, number>();

  // Term coefficients may be the static bias profile, which never goes to the pool.
  const holdArray = (a: Float64Array | null): void => {
    if (a !== shape) arrays.hold(a);
  };
  const dropArray = (a: Float64Array | null): void => {
    if (a !== shape) arrays.drop(a);
  };

  /** A payload handed to the checked layer holds its arrays until `free`. */
  const hold = (ct: SimCiphertext): SimCiphertext => {
    arrays.hold(ct.values);
    arrays.hold(ct.variance);
    for (const t of ct.terms) holdArray(t.coef);
    arrays.hold(ct.noisy && ct.noisy.re);
    arrays.hold(ct.noisy && ct.noisy.im);
    return ct;
  };

  /**
   * A new payload, held, rebuilt in one fixed shape: payloads spread from differently shaped
   * literals made every op that spreads its operand deoptimise on the next shape.
   */
  const own = (ct: SimCiphertext): SimCiphertext => hold({
    values: ct.values, variance: ct.variance, varianceShift: ct.varianceShift, terms: ct.terms,
    tail: ct.tail, tailFloor: ct.tailFloor,
    peak: { value: ct.peak.value, variance: ct.peak.variance, tail: ct.peak.tail },
    fingerprint: ct.fingerprint, ancestry: ct.ancestry, upperBound: ct.upperBound, noisy: ct.noisy,
  });

  /**
   * The remainder of a held payload becomes a term of a new source, so that every result
   * computed from it shares that term. Changes how the error is described, not the error.
   */
  const promote = (a: SimCiphertext): void => {
    if (!tracking) return;
    const v = a.variance, s = a.varianceShift;
    if (!v && s === 0) return;
    let term: Term;
    if (!v) term = makeTerm(sources++, 0, null, Math.sqrt(s), n);
    else {
      const coef = arrays.take();
      let max = 0, energy = 0;
      for (let k = 0; k < n; k++) {
        const x = Math.sqrt((v[k] as number) + s);
        coef[k] = x;
        max = Math.max(max, x);
        energy += x * x;
      }
      term = filledTerm(sources++, 0, coef, max, energy);
      arrays.hold(coef);
      arrays.drop(v);
    }
    a.variance = null;
    a.varianceShift = 0;
    a.terms = [...a.terms, term];
    a.peak = { ...a.peak, variance: 0 };
  };

  /**
   * u + sign·t for one source and offset; null when they cancel. Arrays of u and t that no
   * payload holds (an op's scratch, e.g. termsTimes') go back to the pool once summed.
   */
  const sumTerm = (u: Term, t: Term, sign: number): Term | null => {
    if (u.coef === t.coef) {
      const c = u.c + sign * t.c;
      if (Math.abs(c) <= 1e-12 * (Math.abs(u.c) + Math.abs(t.c))) return null;
      return u.c !== 0 ? scaledTerm(u, c / u.c) : makeTerm(u.src, u.off, u.coef, c, n);
    }
    const coef = arrays.take();
    const uc = u.coef, tc = t.coef, cu = u.c, ct = sign * t.c;
    let max = 0, energy = 0;
    for (let k = 0; k < n; k++) {
      const x = (uc ? cu * (uc[k] as number) : cu) + (tc ? ct * (tc[k] as number) : ct);
      coef[k] = x;
      max = Math.max(max, Math.abs(x));
      energy += x * x;
    }
    for (const scratch of [uc, tc]) if (scratch && scratch !== shape) arrays.recycle(scratch);
    if (energy <= 1e-24 * (u.energy + t.energy)) {
      arrays.recycle(coef);
      return null;
    }
    return filledTerm(u.src, u.off, coef, max, energy);
  };

  /** The terms of a + sign·b: same source and offset coherently, others side by side. */
  const mergeTerms = (a: readonly Term[], b: readonly Term[], sign: number): Term[] => {
    const out: (Term | null)[] = [...a];
    for (const t of b) {
      const i = out.findIndex((u) => u !== null && u.src === t.src && u.off === t.off);
      if (i < 0) out.push(sign === 1 ? t : scaledTerm(t, -1));
      else out[i] = sumTerm(out[i] as Term, t, sign);
    }
    return out.filter((t): t is Term => t !== null);
  };

  /**
   * At most MAX_TERMS terms, the largest by energy; the others join the remainder
   * (`variance`, a taken array or null, and `shift`), as independent errors.
   */
  const pruned = (terms: Term[], variance: Float64Array | null, shift: number): { terms: Term[]; variance: Float64Array | null; varianceShift: number } => {
    if (terms.length <= MAX_TERMS) return { terms, variance, varianceShift: shift };
    terms.sort((x, y) => y.energy - x.energy);
    const folded = terms.splice(MAX_TERMS);
    if (!variance && folded.every((t) => !t.coef)) return { terms, variance, varianceShift: folded.reduce((s, t) => s + t.c * t.c, shift) };
    if (!variance) variance = arrays.take().fill(0);
    addTermVariance(folded, variance);
    // Arrays made for this result and now folded: nobody holds them (recycle skips held ones).
    for (const t of folded) if (t.coef && t.coef !== shape) arrays.recycle(t.coef);
    return { terms, variance, varianceShift: shift };
  };

  /** factor·c_t[k]·w[k] for every term (a new array each; factor 2 for a square). */
  const termsTimes = (terms: readonly Term[], w: Float64Array, factor: number): Term[] => terms.map((t) => {
    const coef = arrays.take();
    const tc = t.coef, c = t.c * factor;
    let max = 0, energy = 0;
    if (tc) {
      for (let k = 0; k < n; k++) {
        const x = c * (tc[k] as number) * (w[k] as number);
        coef[k] = x;
        max = Math.max(max, Math.abs(x));
        energy += x * x;
      }
    } else {
      for (let k = 0; k < n; k++) {
        const x = c * (w[k] as number);
        coef[k] = x;
        max = Math.max(max, Math.abs(x));
        energy += x * x;
      }
    }
    return filledTerm(t.src, t.off, coef, max, energy);
  });

  /** The key-switching bias of `key` at `level`, a term of its own source (NOISE.md §3.4). */
  const biasTerm = (key: string, level: number, scale: number): Term => {
    const id = `${key}@${level}`;
    let src = biasSources.get(id);
    if (src === undefined) biasSources.set(id, (src = sources++));
    return makeTerm(src, 0, shape, noise.keySwitchBias(level) / scale, n);
  };

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

  /**
   * SEAL wraps silently where a result's values (plus error) times scale outgrow the modulus; the
   * simulator says so. Plaintexts that would wrap are refused before the op by the checked layer
   * (core/backend.ts), on both backends.
   */
  const overflow = (op: string, values: Float64Array, scale: number, level: number) =>
    new HeError('OVERFLOW',
      `${op}: result values times scale ${fmtScale(scale)} exceed the ${Math.log2((halfModulus[level] as number) * 2).toFixed(1)}-bit modulus at level ${level}; SEAL would wrap them silently. Scale the data down or rescale earlier`,
      { op, scale, level, maxValue: values.reduce((m, v) => Math.max(m, Math.abs(v)), 0) });

  /** A plaintext operand's fingerprint and whether it is constant, from one pass over its values. */
  const plainOf = (values: Float64Array, scale: number): { fingerprint: bigint; constant: boolean } => {
    const { maxAbs, constant } = slotStats(values);
    const fingerprint = encoder.isZero(values, scale, maxAbs) ? 0n : fingerprints.plain(values, scale, constant);
    return { fingerprint, constant };
  };

  /** After a plaintext op: its input, and the encoding when there is one, are nobody's. */
  const recyclePlain = (input: Float64Array, plain: Float64Array): void => {
    arrays.recycle(input);
    if (plain !== input) arrays.recycle(plain);
  };

  /** Largest error bound over the slots: the room the error needs above the values. */
  const errorMargin = (ct: SimCiphertext): number => {
    const u = model.variances(ct, arrays.take());
    let m = 0;
    for (let k = 0; k < n; k++) m = Math.max(m, (tailFactors[model.tail(ct, k)] as number) * Math.sqrt(u[k] as number));
    arrays.recycle(u);
    return m;
  };

  /** SEAL's overflow and transparency outcomes for a new ciphertext; peaks settle most cases in O(1). */
  const checked = (ct: SimCiphertext, op: string, out: CtMeta): SimCiphertext => {
    const half = halfModulus[out.level] as number;
    const { peak } = ct;
    const K = tailFactors[Math.max(peak.tail, ct.tailFloor)] as number;
    const margin = K * Math.sqrt(peak.variance + ct.varianceShift + termPeak(ct.terms));
    if (out.scale * (peak.value + margin) >= half && !encoder.fits(ct.values, out.scale, half, errorMargin(ct))) {
      throw overflow(op, ct.values, out.scale, out.level);
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

  const combine = (a: SimCiphertext, b: SimCiphertext, sign: 1 | -1, op: 'add' | 'sub', out: CtMeta): SimCiphertext => {
    promote(a);
    promote(b);
    const values = arrays.take();
    const peakValue = sumInto(values, a.values, b.values, sign);
    const { terms, variance, varianceShift } = tracking ? pruned(mergeTerms(a.terms, b.terms, sign), null, 0) : { terms: [], variance: null, varianceShift: 0 };
    return own(checked({
      values, variance, varianceShift, terms, tail: maxTail(a.tail, b.tail), tailFloor: Math.max(a.tailFloor, b.tailFloor) as Tail,
      peak: { value: peakValue, variance: variance ? maxAbsOf(variance) : 0, tail: Math.max(a.peak.tail, b.peak.tail) as Tail },
      fingerprint: fingerprints.add(a.fingerprint, b.fingerprint, sign === 1 ? 1n : -1n),
      ancestry: unionAncestry(a.ancestry, b.ancestry),
      upperBound: a.upperBound || b.upperBound,
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
    promote(a);
    promote(b);
    const self = a === b || (a.values === b.values && a.terms === b.terms);
    const correlated = self || shareSource(a.terms, b.terms) || shareAncestor(a.ancestry, b.ancestry);
    // First order, zb·ea + za·eb: each operand's terms times the other's values, the same source
    // and offset coherently (exact for squares and products of related values).
    const terms = self ? termsTimes(a.terms, av, 2) : mergeTerms(termsTimes(a.terms, bv, 1), termsTimes(b.terms, av, 1), 1);
    // Second order, Re(Ea·Eb): involves the imaginary parts (as large as the real ones) and the
    // shared secret (E|s|⁴ = 2h²): 4·ua·ub when independent, 8u² for a square and, as an
    // estimate, for correlated operands.
    const ua = model.variances(a, arrays.take());
    const ub = self ? ua : model.variances(b, arrays.take());
    const values = arrays.take();
    const variance = arrays.take();
    let tail = maxTail(a.tail, b.tail);
    let peakValue = 0, peakVariance = 0, heavy = false, upper = false, firstSum = 0;
    const factor = correlated ? 8 : 4;
    for (let k = 0; k < n; k++) {
      const za = av[k] as number, zb = bv[k] as number, ea = ua[k] as number, eb = ub[k] as number;
      const second = factor * ea * eb;
      const first = self ? 4 * za * za * ea : zb * zb * ea + za * za * eb;
      const v = za * zb;
      firstSum += first;
      values[k] = v;
      variance[k] = second;
      peakValue = Math.max(peakValue, Math.abs(v));
      peakVariance = Math.max(peakVariance, second);
      // Where the product of the two errors matters (values near zero), its tail is far heavier than Laplace.
      if (second > 1e-4 * (first + second)) {
        tail ??= new Uint8Array(n);
        tail[k] = 2;
        heavy = true;
        // Correlated errors multiplied: the second moment is a rough estimate there.
        if (correlated && !self && second > first) upper = true;
      }
    }
    arrays.recycle(ua);
    if (ub !== ua) arrays.recycle(ub);
    // Negligible everywhere (the usual case): the second order as its largest value in every slot,
    // an O(1) remainder instead of an array to carry and promote.
    const negligible = peakVariance <= 1e-6 * (firstSum / n);
    if (negligible) arrays.recycle(variance);
    const rest = negligible ? pruned(terms, null, peakVariance) : pruned(terms, variance, 0);
    return own(checked({
      values, variance: rest.variance, varianceShift: rest.varianceShift, terms: rest.terms, tail, tailFloor: Math.max(a.tailFloor, b.tailFloor) as Tail,
      peak: { value: peakValue, variance: rest.variance ? maxAbsOf(rest.variance) : peakVariance, tail: Math.max(a.peak.tail, b.peak.tail, heavy ? 2 : 0) as Tail },
      fingerprint: fingerprints.mul(a.fingerprint, b.fingerprint),
      ancestry: unionAncestry(a.ancestry, b.ancestry),
      upperBound: a.upperBound || b.upperBound || upper,
      noisy: inject(() => a.noisy && b.noisy && noisyProduct(a.noisy, b.noisy, arrays)),
    }, op, out));
  };

  /** A key switch with `key` at `level` on slot-aligned state: a fresh random part and the key's fixed bias. */
  const keySwitched = (a: SimCiphertext, key: string, level: number, scale: number, fingerprint: Fingerprint): SimCiphertext => {
    if (!tracking) return { ...a, fingerprint };
    const rest = pruned(mergeTerms(a.terms, [biasTerm(key, level, scale)], 1), a.variance, a.varianceShift + noise.keySwitchRandom(level) / (scale * scale));
    return {
      ...a,
      variance: rest.variance,
      varianceShift: rest.varianceShift,
      terms: rest.terms,
      peak: { ...a.peak, variance: rest.variance ? maxAbsOf(rest.variance) : 0 },
      fingerprint,
      noisy: inject(() => a.noisy && noisyCopy(a.noisy, arrays), (inj, e) => inj.keySwitch(e.re, e.im, key, level, scale)),
    };
  };

  /** Slot k of the result is slot k + shift of `a`; each term's source moves by the shift. */
  const rotated = (a: SimCiphertext, shift: number): SimCiphertext => {
    const terms = a.terms.map((t): Term => ({ ...t, off: (t.off + shift) % n, coef: t.coef && permuted(t.coef, shift, arrays.take()) }));
    return {
      ...a,
      values: permuted(a.values, shift, arrays.take()),
      variance: a.variance && permuted(a.variance, shift, arrays.take()),
      terms,
      tail: a.tail && permuted(a.tail, shift, new Uint8Array(n)),
      noisy: a.noisy && { re: permuted(a.noisy.re, shift, arrays.take()), im: permuted(a.noisy.im, shift, arrays.take()) },
    };
  };

  return {
    encrypt(input, out, symmetric) {
      const { maxAbs, constant } = slotStats(input);
      const values = exactEncoding ? encoder.encoded(input, out.scale) : input;
      const peakValue = exactEncoding ? slotStats(values).maxAbs : maxAbs;
      return own(checked({
        values, // a fresh array the checked layer hands over
        variance: null,
        varianceShift: tracking
          ? (symmetric ? noise.symmetricEncryption() : noise.publicKeyEncryption(out.level)) / (out.scale * out.scale) + encodingError(values, out.scale, constant)
          : 0,
        terms: [],
        tail: null,
        tailFloor: 0,
        peak: { value: peakValue, variance: 0, tail: 0 },
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
      promote(a);
      const values = arrays.take();
      const av = a.values;
      for (let k = 0; k < n; k++) values[k] = -(av[k] as number);
      return own({ ...a, values, terms: a.terms.map((t) => scaledTerm(t, -1)), fingerprint: fingerprints.neg(a.fingerprint), noisy: a.noisy && noisyNeg(a.noisy, arrays) });
    },

    addPlain(a, input, out) {
      promote(a);
      const { fingerprint: f, constant } = plainOf(input, out.scale);
      const plain = exactEncoding ? encoder.encoded(input, out.scale) : input;
      const values = arrays.take();
      const peakValue = sumInto(values, a.values, plain, 1);
      const ct = checked({
        ...a,
        values,
        varianceShift: tracking ? encodingError(plain, out.scale, constant) : 0,
        peak: { ...a.peak, value: peakValue },
        fingerprint: fingerprints.addPlain(a.fingerprint, f),
        noisy: inject(() => a.noisy && noisyWithPlain(a.noisy, plain, true, arrays), (inj, e) => exactEncoding || inj.encoding(e.re, out.scale)),
      }, 'addPlain', out);
      recyclePlain(input, plain);
      return own(ct);
    },

    mulPlain(a, input, plainScale, out) {
      promote(a);
      const { fingerprint: f, constant } = plainOf(input, plainScale);
      const plain = exactEncoding ? encoder.encoded(input, plainScale) : input;
      // Injection: the plaintext SEAL multiplies by carries its own encoding error.
      const encodedPlain = inject(() => noisyOf(plain, arrays), (inj, e) => exactEncoding || inj.encoding(e.re, plainScale));
      const noisy = a.noisy && encodedPlain && noisyWithPlain(a.noisy, encodedPlain.re, false, arrays);
      if (encodedPlain) {
        arrays.recycle(encodedPlain.re);
        arrays.recycle(encodedPlain.im);
      }
      const av = a.values;
      const values = arrays.take();
      const peakValue = productInto(values, av, plain);
      if (!tracking) {
        const ct = checked({ ...a, values, peak: { ...a.peak, value: peakValue }, fingerprint: fingerprints.scale(a.fingerprint, f) }, 'mulPlain', out);
        recyclePlain(input, plain);
        return own(ct);
      }
      // A constant scales the terms (their arrays shared); a vector multiplies them slot by slot.
      const terms = constant && !exactEncoding ? a.terms.map((t) => scaledTerm(t, plain[0] as number)) : termsTimes(a.terms, plain, 1);
      // The plaintext's own encoding error, times the ciphertext's value and error.
      const e = encodingError(plain, plainScale, constant);
      let variance: Float64Array | null = null;
      let peakVariance = 0;
      if (e > 0) {
        variance = model.variances(a, arrays.take());
        for (let k = 0; k < n; k++) {
          const z = av[k] as number;
          const uk = (z * z + (variance[k] as number)) * e;
          variance[k] = uk;
          peakVariance = Math.max(peakVariance, uk);
        }
      }
      const ct = checked({
        ...a, values, variance, varianceShift: 0, terms,
        peak: { ...a.peak, value: peakValue, variance: peakVariance },
        fingerprint: fingerprints.scale(a.fingerprint, f),
        noisy,
      }, 'mulPlain', out);
      recyclePlain(input, plain);
      return own(ct);
    },

    mul: (a, b, out) => product(a, b, 'mul', out),
    square: (a, out) => product(a, a, 'square', out),

    relinearize(a, out) {
      promote(a);
      return own(checked(keySwitched(a, 'relin', out.level, out.scale, fingerprints.relinearize(a.fingerprint, out.level)), 'relinearize', out));
    },

    rescale(a, out) {
      promote(a);
      const size = out.degree + 1;
      return own(checked({
        ...a,
        varianceShift: tracking ? noise.rounding(size) / (out.scale * out.scale) : 0,
        noisy: inject(() => a.noisy && noisyCopy(a.noisy, arrays), (inj, e) => inj.rounding(e.re, e.im, size, out.scale)),
        // Rounding times s²: a heavier tail than Laplace.
        tailFloor: Math.max(a.tailFloor, size > 2 ? 1 : 0) as Tail,
        fingerprint: fingerprints.rescale(a.fingerprint, out.level + 1),
      }, 'rescale', out));
    },

    // A payload of its own sharing a's arrays: its noise realisation is a's (mul of two drops of x is x squared).
    dropLevelTo(a, out) {
      promote(a);
      return own(checked({ ...a }, 'dropLevelTo', out));
    },

    rotate(a, _step, terms, out) {
      promote(a);
      let ct: SimCiphertext = a;
      for (const term of terms) {
        const shift = ((term % n) + n) % n;
        const fingerprint = fingerprints.rotate(ct.fingerprint, shift, out.level);
        ct = checked(keySwitched(rotated(ct, shift), `galois:${shift}`, out.level, out.scale, fingerprint), 'rotate', out);
      }
      return own(ct);
    },

    copy(a) {
      promote(a);
      return own({ ...a });
    },

    free(a) {
      arrays.drop(a.values);
      arrays.drop(a.variance);
      for (const t of a.terms) dropArray(t.coef);
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
