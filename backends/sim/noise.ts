/**
 * Error sources of SEAL 4.1 (NOISE.md §3.2), as real-part variances per slot in integer
 * units; divide by scale² for decoded units. Everything depends on the parameters only
 * and is computed once per simulator.
 */
import type { CkksParams } from '../../core/params/index.js';

/** Variance of SEAL's centred-binomial error sampler (21 + 21 bits). */
const SIGMA2 = 10.5;

export class NoiseSources {
  readonly #N: number;
  readonly #h: number;
  /** √w_k, w_k = |1 + ζ_k + ... + ζ_k^{N-1}|² = 1 / sin²(π a_k / 2N): where non-centred key-switch digits land. */
  readonly biasShape: Float64Array;
  /** Deterministic encoding error of one real plaintext (rounding of N coefficients). */
  readonly encoding: number;

  constructor(private readonly params: CkksParams) {
    const N = params.ringDegree;
    this.#N = N;
    this.#h = (2 * N) / 3;
    this.encoding = (N + 1) / 12;
    this.biasShape = new Float64Array(params.slots);
    let a = 1;
    for (let k = 0; k < params.slots; k++) {
      this.biasShape[k] = 1 / Math.abs(Math.sin((Math.PI * a) / (2 * N)));
      a = (a * 3) % (2 * N);
    }
  }

  /** Public-key encryption at `level`: zero is encrypted one prime higher, then divided and rounded. */
  publicKeyEncryption(level: number): number {
    const N = this.#N;
    const above = level < this.params.maxLevel ? this.params.dataPrimeValues[level + 1] : this.params.specialPrime;
    if (above === null || above === undefined) return (N / 2) * ((4 * N) / 3 + 1) * SIGMA2;
    const p = Number(above);
    return this.rounding(2) + ((N / 2) * ((4 * N) / 3 + 1) * SIGMA2) / (p * p);
  }

  /** Symmetric encryption: the RLWE error itself, (N/2)·σ², with Gaussian tails. */
  symmetricEncryption(): number {
    return (this.#N / 2) * SIGMA2;
  }

  /** Rounding a size-c ciphertext (rescale, end of key switching): (N/2)(1/12) Σ_i E|s|^{2i}, E|s|^{2i} ≈ i!·h^i. */
  rounding(size: number): number {
    let sum = 0;
    let moment = 1;
    for (let i = 0; i < size; i++) {
      sum += moment;
      moment *= (i + 1) * this.#h;
    }
    return (this.#N / 2) * (sum / 12);
  }

  /** Fresh part of a key switch at `level`: centred digits times key errors, plus the final rounding. */
  keySwitchRandom(level: number): number {
    const N = this.#N;
    const P = Number(this.params.specialPrime ?? 1n);
    let digits = 0;
    for (let j = 0; j <= level; j++) digits += ((this.params.dataPrimeValues[j] as number) / P) ** 2;
    return ((N * N * SIGMA2) / 24) * digits + this.rounding(2);
  }

  /**
   * Fixed part of a key switch at `level`: SEAL's digits are not centred, so their means times
   * the key's errors give the same bias every time the same key is used at that level. Its
   * amplitude in slot k is `keySwitchBias(level) · biasShape[k]`, concentrated on low frequencies.
   */
  keySwitchBias(level: number): number {
    const P = Number(this.params.specialPrime ?? 1n);
    let means = 0;
    for (let j = 0; j <= level; j++) means += (((this.params.dataPrimeValues[j] as number) - 1) / 2 / P) ** 2;
    return Math.sqrt(((this.#N * SIGMA2) / 2) * means);
  }
}

/**
 * Tail shape of a ciphertext's error, heaviest seen in its history:
 * 0 Laplace (rounding times the secret, the usual case);
 * 1 a degree-2 rescale (rounding times s²): P(|z| > t) ≈ exp(-1.5 (√2 t)^(2/3));
 * 2 a product of two errors (operands near zero): e² with e Laplace has P(|z| > t) ≈ exp(-2.2 √t).
 */
export type Tail = 0 | 1 | 2;

/**
 * Multiplier K of a per-slot bound K·σ holding for all `samples` slots with total
 * failure probability `delta` (NOISE.md §4.3).
 */
export function boundFactor(samples: number, delta: number, tail: Tail): number {
  const l = Math.log(samples / delta);
  switch (tail) {
    case 0: return l / Math.SQRT2;
    case 1: return (l / 1.5) ** 1.5 / Math.SQRT2;
    case 2: return (l * l) / 4;
  }
}
