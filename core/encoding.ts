/**
 * The parts of SEAL's CKKS encoder whose outcome metadata cannot predict: whether the
 * encoded coefficients overflow the modulus ("encoded values are too large"), whether
 * they all round to zero (a plaintext that makes products transparent), and whether
 * values stay below Q_l / 2 at a level. Cheap bounds settle almost every call; only
 * borderline inputs pay for the exact O(N log N) transform SEAL itself runs.
 */
import { HeError, fmtScale } from './errors.js';
import type { CkksParams } from './params/index.js';

export class SlotEncoder {
  readonly #ringDegree: number;
  /** Index j = (a_k - 1) / 2 of slot k's root ζ_k = ω^{a_k}, and of its conjugate. */
  readonly #slotIndex: Uint32Array;
  readonly #conjIndex: Uint32Array;
  readonly #fft: ComplexFft;

  constructor(private readonly params: CkksParams) {
    const tables = ringTables(params.ringDegree);
    this.#ringDegree = params.ringDegree;
    this.#slotIndex = tables.slotIndex;
    this.#conjIndex = tables.conjIndex;
    this.#fft = tables.fft;
  }

  /** SEAL's encoder check at the first data level: throws VALUES_TOO_LARGE as SEAL would. `maxAbs`: max |values|, when the caller has it. */
  checkEncodable(values: Float64Array, scale: number, op: string, maxAbs = maxAbsOf(values)): void {
    const bits = this.params.levelBits[this.params.maxLevel] as number;
    // |c_i| <= scale * max|z|: the transform is needed only near the limit.
    if (coeffBits(scale * maxAbs) < bits) return;
    const maxCoeff = maxAbsOf(this.coefficients(values, scale));
    if (coeffBits(maxCoeff) >= bits) {
      throw new HeError('VALUES_TOO_LARGE',
        `${op}: values times scale ${fmtScale(scale)} need ${coeffBits(maxCoeff)} bits, more than the ${bits}-bit modulus; scale the data down or use a smaller scale`,
        { op, scale, maxValue: maxAbs, bits });
    }
  }

  /** Every coefficient rounds to 0 (SEAL rounds half away from zero). `maxAbs`: max |values|, when the caller has it. */
  isZero(values: Float64Array, scale: number, maxAbs?: number): boolean {
    const N = this.#ringDegree;
    // By Parseval sum c_i^2 = 2 scale^2 sum z^2 / N; all |c_i| < 1/2 needs that below N/4. The
    // float sum of z^2 is at least its largest term, so a large max|z| settles it without the sum.
    if (maxAbs !== undefined && (2 * scale * scale * maxAbs ** 2) / N >= N / 4) return false;
    if ((2 * scale * scale * sumOfSquares(values)) / N >= N / 4) return false;
    return maxAbsOf(this.coefficients(values, scale)) < 0.5;
  }

  /**
   * Whether values encoded at `scale`, plus an error of up to `margin` per slot, stay below
   * `halfModulus` in every coefficient, so that reduction modulo Q_l keeps them. `maxAbs`: max |values|, when the caller has it.
   */
  fits(values: Float64Array, scale: number, halfModulus: number, margin = 0, maxAbs = maxAbsOf(values)): boolean {
    if (scale * (maxAbs + margin) < halfModulus) return true;
    return maxAbsOf(this.coefficients(values, scale)) + scale * margin < halfModulus;
  }

  /** Real coefficients before rounding: c_i = Re(ω^{-i} · Σ_j u_j e^{-2πi·ij/N}) · scale/N, with u_j the value at root ω^{2j+1}. */
  coefficients(values: Float64Array, scale: number): Float64Array {
    const N = this.#ringDegree;
    const re = new Float64Array(N);
    const im = new Float64Array(N);
    for (let k = 0; k < values.length; k++) {
      const v = values[k] as number;
      re[this.#slotIndex[k] as number] = v;
      re[this.#conjIndex[k] as number] = v;
    }
    this.#fft.forward(re, im);
    const out = new Float64Array(N);
    for (let i = 0; i < N; i++) {
      const angle = (-Math.PI * i) / N;
      out[i] = ((re[i] as number) * Math.cos(angle) - (im[i] as number) * Math.sin(angle)) * (scale / N);
    }
    return out;
  }

  /**
   * The values SEAL's plaintext really holds: encode at `scale`, round each coefficient half
   * away from zero, decode. w̃_k = Re(Σ_i c_i ζ_k^i) / scale, ζ_k = ω^{a_k}.
   */
  encoded(values: Float64Array, scale: number): Float64Array {
    const N = this.#ringDegree;
    const coeffs = this.coefficients(values, scale);
    // Σ_i c_i ω^{(2j+1) i} = conj(DFT(conj(c_i ω^i))) at j: the twisted inverse transform.
    const re = new Float64Array(N);
    const im = new Float64Array(N);
    for (let i = 0; i < N; i++) {
      const c = coeffs[i] as number;
      const rounded = Math.sign(c) * Math.round(Math.abs(c));
      const angle = (Math.PI * i) / N;
      re[i] = rounded * Math.cos(angle);
      im[i] = -rounded * Math.sin(angle);
    }
    this.#fft.forward(re, im);
    const out = new Float64Array(values.length);
    for (let k = 0; k < out.length; k++) out[k] = (re[this.#slotIndex[k] as number] as number) / scale;
    return out;
  }
}

/** What a ring's encoder reads and never writes: the slots' root indices and the transform. */
interface RingTables {
  readonly slotIndex: Uint32Array;
  readonly conjIndex: Uint32Array;
  readonly fft: ComplexFft;
}

/**
 * Shared by every encoder of a ring: a planner's dry runs make a checked backend (so an encoder)
 * per candidate, and building the tables anew took a tenth of its planning.
 */
const ringTablesByDegree = new Map<number, RingTables>();

function ringTables(N: number): RingTables {
  let tables = ringTablesByDegree.get(N);
  if (tables === undefined) {
    const n = N / 2;
    const slotIndex = new Uint32Array(n);
    const conjIndex = new Uint32Array(n);
    let a = 1;
    for (let k = 0; k < n; k++) {
      slotIndex[k] = (a - 1) / 2;
      conjIndex[k] = (2 * N - a - 1) / 2;
      a = (a * 3) % (2 * N);
    }
    tables = { slotIndex, conjIndex, fft: new ComplexFft(N) };
    ringTablesByDegree.set(N, tables);
  }
  return tables;
}

/** max_k |values[k]| (0 for no values). */
export function maxAbsOf(values: Float64Array): number {
  let m = 0;
  for (let k = 0; k < values.length; k++) m = Math.max(m, Math.abs(values[k] as number));
  return m;
}

function sumOfSquares(values: Float64Array): number {
  let sumSq = 0;
  for (let k = 0; k < values.length; k++) sumSq += (values[k] as number) ** 2;
  return sumSq;
}

/** SEAL's bit count of the largest coefficient, plus one for the sign. */
const coeffBits = (maxCoeff: number): number => Math.ceil(Math.log2(Math.max(maxCoeff, 1))) + 1;

/** In-place iterative radix-2 DFT with kernel e^{-2πi·jk/N}. */
class ComplexFft {
  readonly #cos: Float64Array;
  readonly #sin: Float64Array;
  readonly #rev: Uint32Array;

  constructor(readonly size: number) {
    this.#cos = new Float64Array(size / 2);
    this.#sin = new Float64Array(size / 2);
    for (let i = 0; i < size / 2; i++) {
      this.#cos[i] = Math.cos((2 * Math.PI * i) / size);
      this.#sin[i] = -Math.sin((2 * Math.PI * i) / size);
    }
    const bits = Math.log2(size);
    this.#rev = new Uint32Array(size);
    for (let i = 0; i < size; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      this.#rev[i] = r;
    }
  }

  forward(re: Float64Array, im: Float64Array): void {
    const n = this.size;
    for (let i = 0; i < n; i++) {
      const j = this.#rev[i] as number;
      if (j > i) {
        const tr = re[i] as number, ti = im[i] as number;
        re[i] = re[j] as number; im[i] = im[j] as number;
        re[j] = tr; im[j] = ti;
      }
    }
    for (let len = 2; len <= n; len *= 2) {
      const half = len / 2;
      const stride = n / len;
      for (let start = 0; start < n; start += len) {
        for (let k = 0; k < half; k++) {
          const wr = this.#cos[k * stride] as number, wi = this.#sin[k * stride] as number;
          const a = start + k, b = a + half;
          const xr = (re[b] as number) * wr - (im[b] as number) * wi;
          const xi = (re[b] as number) * wi + (im[b] as number) * wr;
          re[b] = (re[a] as number) - xr; im[b] = (im[a] as number) - xi;
          re[a] = (re[a] as number) + xr; im[a] = (im[a] as number) + xi;
        }
      }
    }
  }
}
