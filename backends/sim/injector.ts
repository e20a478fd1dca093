/**
 * Noise injection (NOISE.md §7.5): draws each error event from the model's distribution,
 * in the slot domain, so a circuit's accuracy under encryption can be judged without
 * encrypting. Seeded: the same seed gives the same errors.
 *
 * One simulated key set per injector: the secret's spectrum S_k ~ CN(0, h) and, per key
 * and level, the key-switching bias are drawn once and reused, as SEAL's are. Errors are
 * complex (decryption shows the real part): their imaginary parts meet the real ones in
 * products of ciphertexts.
 */
import type { CkksParams } from '../../core/params/index.js';
import type { NoiseSources } from './noise.js';
import type { SeededRandom } from './random.js';

const SIGMA2 = 10.5;

export class NoiseInjector {
  readonly #n: number;
  readonly #N: number;
  readonly #secretRe: Float64Array;
  readonly #secretIm: Float64Array;
  readonly #biases = new Map<string, [Float64Array, Float64Array]>();
  readonly #amplitudes = new Map<number, Float64Array>();
  readonly #errors = new Map<string, Float64Array>();
  #normals = new Float64Array(0);
  #spare = 0;
  #hasSpare = false;

  constructor(
    private readonly params: CkksParams,
    private readonly noise: NoiseSources,
    private readonly random: SeededRandom,
  ) {
    this.#n = params.slots;
    this.#N = params.ringDegree;
    const h = (2 * this.#N) / 3;
    this.#secretRe = new Float64Array(this.#n);
    this.#secretIm = new Float64Array(this.#n);
    const g = this.#draw(2 * this.#n);
    for (let k = 0; k < this.#n; k++) {
      this.#secretRe[k] = (g[2 * k] as number) * Math.sqrt(h / 2);
      this.#secretIm[k] = (g[2 * k + 1] as number) * Math.sqrt(h / 2);
    }
  }

  /**
   * The stream's next `count` standard normals (Box-Muller, both values used), in a scratch array
   * valid until the next call. Drawn in bulk: a tight loop instead of a call per value.
   */
  #draw(count: number): Float64Array {
    if (this.#normals.length < count) this.#normals = new Float64Array(count);
    const out = this.#normals;
    let i = 0;
    if (this.#hasSpare && count > 0) {
      out[i++] = this.#spare;
      this.#hasSpare = false;
    }
    for (; i < count; i += 2) {
      const u = (this.random.nextUint32() + 1) / 4294967297;
      const v = this.random.nextUint32() / 4294967296;
      const r = Math.sqrt(-2 * Math.log(u));
      out[i] = r * Math.cos(2 * Math.PI * v);
      const s = r * Math.sin(2 * Math.PI * v);
      if (i + 1 < count) out[i + 1] = s;
      else {
        this.#spare = s;
        this.#hasSpare = true;
      }
    }
    return out;
  }

  /**
   * Rounding of a size-c ciphertext: Σ_{i<c} R_i·S^i with R_i ~ CN(0, N/12), over `scale`. The key
   * is fixed, so given S the sum is itself circular Gaussian, of variance (N/12)·Σ_i |S_k|^{2i} in
   * slot k: one complex draw per slot for any size, the same distribution as c draws.
   */
  rounding(re: Float64Array, im: Float64Array, size: number, scale: number): void {
    const r = Math.sqrt(this.#N / 24) / scale;
    const amplitude = this.#roundingAmplitude(size);
    const g = this.#draw(2 * this.#n);
    for (let k = 0; k < this.#n; k++) {
      const a = r * (amplitude[k] as number);
      re[k] = (re[k] as number) + a * (g[2 * k] as number);
      im[k] = (im[k] as number) + a * (g[2 * k + 1] as number);
    }
  }

  /** √(Σ_{i<size} |S_k|^{2i}) per slot, computed once per size. */
  #roundingAmplitude(size: number): Float64Array {
    let a = this.#amplitudes.get(size);
    if (!a) {
      a = new Float64Array(this.#n);
      for (let k = 0; k < this.#n; k++) {
        const s2 = (this.#secretRe[k] as number) ** 2 + (this.#secretIm[k] as number) ** 2;
        let sum = 0, power = 1;
        for (let i = 0; i < size; i++, power *= s2) sum += power;
        a[k] = Math.sqrt(sum);
      }
      this.#amplitudes.set(size, a);
    }
    return a;
  }

  /** Encoding a real vector at `scale`: deterministic and real in SEAL; drawn here with its variance. */
  encoding(re: Float64Array, scale: number): void {
    const s = Math.sqrt(this.noise.encoding) / scale;
    const g = this.#draw(this.#n);
    for (let k = 0; k < this.#n; k++) re[k] = (re[k] as number) + s * (g[k] as number);
  }

  /** Public-key encryption at `level`: one rounding event, or the raw RLWE error without a level above. */
  publicKeyEncryption(re: Float64Array, im: Float64Array, level: number, scale: number): void {
    if (this.params.keySwitching || level < this.params.maxLevel) {
      this.rounding(re, im, 2, scale);
      return;
    }
    this.#complexGaussian(re, im, Math.sqrt(this.noise.publicKeyEncryption(level)) / scale);
  }

  /** Symmetric encryption: the RLWE error e(ζ_k), circular complex Gaussian. */
  symmetricEncryption(re: Float64Array, im: Float64Array, scale: number): void {
    this.#complexGaussian(re, im, Math.sqrt(this.noise.symmetricEncryption()) / scale);
  }

  /** Adds s·(g + i·g') per slot, g and g' standard normals. */
  #complexGaussian(re: Float64Array, im: Float64Array, s: number): void {
    const g = this.#draw(2 * this.#n);
    for (let k = 0; k < this.#n; k++) {
      re[k] = (re[k] as number) + s * (g[2 * k] as number);
      im[k] = (im[k] as number) + s * (g[2 * k + 1] as number);
    }
  }

  /**
   * One key switch with key `key` at `level`: centred digits times the key's errors (D·E/P), the
   * final rounding, and the key's fixed bias. The key's errors E are fixed, as SEAL's are (drawn
   * once per key and level, |E_k|² ~ Nσ²·Exp(1)), so given the key the fresh part D·E + R0 + R1·S is
   * circular Gaussian with variance 2d²|E_k|² + (N/12)(1 + |S_k|²): one complex draw per slot.
   */
  keySwitch(re: Float64Array, im: Float64Array, key: string, level: number, scale: number): void {
    const P = Number(this.params.specialPrime ?? 1n);
    let digits = 0;
    for (let j = 0; j <= level; j++) digits += ((this.params.dataPrimeValues[j] as number) / P) ** 2;
    const d2 = (this.#N * digits) / 24 / (scale * scale), r2 = this.#N / 24 / (scale * scale);
    const errors = this.#keyErrors(key, level), rounding = this.#roundingAmplitude(2);
    const [bRe, bIm] = this.#bias(key, level);
    const g = this.#draw(2 * this.#n);
    for (let k = 0; k < this.#n; k++) {
      const a = Math.sqrt(d2 * (errors[k] as number) + r2 * (rounding[k] as number) ** 2);
      re[k] = (re[k] as number) + a * (g[2 * k] as number) + (bRe[k] as number) / scale;
      im[k] = (im[k] as number) + a * (g[2 * k + 1] as number) + (bIm[k] as number) / scale;
    }
  }

  /** |E_k|² of the key's error for `key` at `level`, E_k ~ CN(0, Nσ²), drawn once. */
  #keyErrors(key: string, level: number): Float64Array {
    const id = `${key}@${level}`;
    let e = this.#errors.get(id);
    if (!e) {
      e = new Float64Array(this.#n);
      const g = this.#draw(2 * this.#n);
      const v = (this.#N * SIGMA2) / 2;
      for (let k = 0; k < this.#n; k++) e[k] = v * ((g[2 * k] as number) ** 2 + (g[2 * k + 1] as number) ** 2);
      this.#errors.set(id, e);
    }
    return e;
  }

  #bias(key: string, level: number): [Float64Array, Float64Array] {
    const id = `${key}@${level}`;
    let b = this.#biases.get(id);
    if (!b) {
      const amplitude = this.noise.keySwitchBias(level);
      b = [new Float64Array(this.#n), new Float64Array(this.#n)];
      const g = this.#draw(2 * this.#n);
      for (let k = 0; k < this.#n; k++) {
        const a = amplitude * (this.noise.biasShape[k] as number);
        b[0][k] = a * (g[2 * k] as number);
        b[1][k] = a * (g[2 * k + 1] as number);
      }
      this.#biases.set(id, b);
    }
    return b;
  }
}
