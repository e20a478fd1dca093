/**
 * `paired(primary, reference)`: a lockstep debug backend. Every op runs on both backends
 * (typically SEAL and the simulator); after each one both results are decrypted and
 * compared, and the first op whose metadata differs, whose error codes differ, or whose
 * error exceeds the reference's predicted bound throws DIVERGENCE naming that op.
 * A circuit runs on it unchanged: it is a `Backend` like any other.
 */
import { defineBackend, type Backend } from '../backend.js';
import { SlotEncoder } from '../encoding.js';
import { HeError, fmtScale, isHeError } from '../errors.js';
import type { Ciphertext } from '../handle.js';
import type { Kernels } from '../kernels.js';
import type { CtMeta } from '../meta.js';

/** A backend that predicts the error of its ciphertexts (the simulator in 'track' mode). */
export interface NoisePredictor {
  /** Per-slot bound on |decrypted - exact value| of `ct`, in decoded units (holding with high probability). */
  noise(ct: Ciphertext): { readonly bound: Float64Array };
}

/** Options of `paired`. */
export interface PairedOptions {
  /**
   * Absolute error allowed per slot when the reference predicts none (a simulator with
   * noise 'off', or another SEAL backend). Ignored when the reference predicts noise.
   */
  readonly tolerance?: number;
  /** Slots of expected and actual values quoted in a DIVERGENCE (default 4). */
  readonly showSlots?: number;
  /** `dispose()` disposes the two backends too (default false: they stay usable). */
  readonly ownsBackends?: boolean;
}

/**
 * Where a value divergence comes from:
 * - 'encoding': the op encodes a plaintext, and SEAL's rounding of it accounts for at least half the error;
 * - 'encryption': anything else in the values: noise of encryption, key switching or rescaling
 *   beyond the prediction, or, when `ratio` is far above 1, a backend that computed something else;
 * - 'metadata': level, scale or degree differ;
 * - 'error-code': one backend threw and the other did not, or with another code.
 */
export type DivergenceSource = 'encoding' | 'encryption' | 'metadata' | 'error-code';

/** `details` of a DIVERGENCE thrown by a paired backend. */
export type DivergenceDetails = {
  /** 0-based index of the op among those the paired backend ran. */
  readonly opIndex: number;
  readonly op: string;
  readonly operands: readonly CtMeta[];
  readonly source: DivergenceSource;
  readonly primary?: CtMeta;
  readonly reference?: CtMeta;
  /** First slots of the reference's (expected) and the primary's (actual) values. */
  readonly expected?: readonly number[];
  readonly actual?: readonly number[];
  /** The slot with the largest error relative to its bound, its error and bound. */
  readonly slot?: number;
  readonly error?: number;
  readonly bound?: number;
  /** error / bound at that slot. */
  readonly ratio?: number;
  /** The error SEAL's rounding of this op's plaintext explains at that slot (ops that encode). */
  readonly encodingError?: number;
  readonly primaryCode?: string;
  readonly referenceCode?: string;
};

/** The op whose error came closest to its bound. */
export interface ClosestOp {
  readonly opIndex: number;
  readonly op: string;
  /** Largest error / bound over its slots (< 1 unless it diverged). */
  readonly ratio: number;
}

/**
 * A `Backend` whose handles hold one ciphertext of each paired backend; each op runs on both and
 * throws DIVERGENCE (with `DivergenceDetails`) at the first disagreement.
 */
export interface PairedBackend extends Backend {
  /** Ops run so far (the index the next op will get). */
  readonly opCount: number;
  /** How close the run came to a divergence: the op with the largest error relative to its bound. */
  readonly closest: ClosestOp;
  /** The underlying backends, for reading what each one holds. */
  readonly primary: Backend;
  /** The backend whose values (and error prediction) are the expectation. */
  readonly reference: Backend;
}

interface Pair {
  readonly p: Ciphertext;
  readonly r: Ciphertext;
}

/** Errors this many times the predicted bound are not noise (the bound already holds with probability 1 - 1e-6). */
const FAR_BEYOND_NOISE = 2 ** 10;

const hasNoise = (b: Backend): b is Backend & NoisePredictor =>
  b.capabilities.predictsNoise && typeof (b as Partial<NoisePredictor>).noise === 'function';

/**
 * Pairs `primary` (usually SEAL) with `reference` (usually the simulator in 'track' mode).
 * Both must share parameters and rotation keys. Ciphertexts of the paired backend hold one
 * ciphertext of each; `dispose()` disposes the pair's ciphertexts, and the two backends with `ownsBackends`.
 * Throws INVALID_ARGUMENT when the backends do not match or no error bound is available.
 *
 * @example
 * ```ts
 * import { paired } from 'hekit';
 * import { createSimBackend } from 'hekit/sim';
 * import { createSealBackend } from 'hekit/seal';
 *
 * const params = { ringDegree: 8192, bitSizes: [50, 40, 40, 60], scale: 2 ** 40 };
 * const ev = paired(await createSealBackend(params), createSimBackend(params), { ownsBackends: true });
 * const x = ev.encrypt([1, 2, 3]);
 * const y = ev.rescale(ev.relinearize(ev.square(x))); // every op checked against the simulator's prediction
 * console.log(ev.decrypt(y)[2], ev.opCount, ev.closest.ratio); // about 9, the ops checked, and the closest call
 * ev.dispose(); // with ownsBackends, disposes SEAL and the simulator too
 * ```
 */
export function paired(primary: Backend, reference: Backend, options: PairedOptions = {}): PairedBackend {
  checkCompatible(primary, reference);
  const predictor = hasNoise(reference) ? reference : null;
  const tolerance = options.tolerance;
  if (predictor === null && !(tolerance !== undefined && tolerance > 0 && Number.isFinite(tolerance))) {
    throw new HeError('INVALID_ARGUMENT',
      `paired: the reference (${reference.name}) predicts no error; give a positive tolerance, or use a simulator with noise 'track'`,
      { tolerance });
  }
  const showSlots = options.showSlots ?? 4;
  const encoder = new SlotEncoder(primary.params);
  let opIndex = 0;
  let closest: ClosestOp = { opIndex: -1, op: '', ratio: 0 };

  /** Runs one op on both; compares error codes, metadata, then decrypted values. */
  const step = (op: string, operands: readonly Pair[], run: (b: Backend, side: 'p' | 'r') => Ciphertext,
    plain?: { values: Float64Array; scale: number }): Pair => {
    const index = opIndex++;
    const operandMeta = operands.map((x) => meta(x.p));
    const base = { opIndex: index, op, operands: operandMeta };
    const p = attempt(() => run(primary, 'p'));
    const r = attempt(() => run(reference, 'r'));
    if (!p.ok || !r.ok) {
      if (p.ok) primary.free(p.value);
      if (r.ok) reference.free(r.value);
      if (!p.ok && !r.ok && codeOf(p.error) === codeOf(r.error)) throw p.error;
      const details: DivergenceDetails = {
        ...base, source: 'error-code', primaryCode: p.ok ? 'none' : codeOf(p.error), referenceCode: r.ok ? 'none' : codeOf(r.error),
      };
      throw new HeError('DIVERGENCE', `${describe(details)}: ${primary.name} ${p.ok ? 'succeeded' : `threw ${details.primaryCode}`}, ` +
        `${reference.name} ${r.ok ? 'succeeded' : `threw ${details.referenceCode}`}`, details, { cause: p.ok ? (r as Failed).error : p.error });
    }
    const pair = { p: p.value, r: r.value };
    try {
      compare(base, pair, plain);
    } catch (e) {
      primary.free(pair.p);
      reference.free(pair.r);
      throw e;
    }
    return pair;
  };

  const compare = (base: Pick<DivergenceDetails, 'opIndex' | 'op' | 'operands'>, pair: Pair, plain?: { values: Float64Array; scale: number }): void => {
    const [mp, mr] = [meta(pair.p), meta(pair.r)];
    if (mp.level !== mr.level || mp.scale !== mr.scale || mp.degree !== mr.degree) {
      const details: DivergenceDetails = { ...base, source: 'metadata', primary: mp, reference: mr };
      throw new HeError('DIVERGENCE', `${describe(details)}: ${primary.name} gives ${fmtMeta(mp)}, ${reference.name} ${fmtMeta(mr)}`, details);
    }
    const actual = decryptable(primary, pair.p);
    const expected = decryptable(reference, pair.r);
    if (actual === null || expected === null) return;
    const bound = predictor === null ? null : predictor.noise(pair.r).bound;
    let worst = -1, worstRatio = 0;
    for (let k = 0; k < actual.length; k++) {
      const error = Math.abs((actual[k] as number) - (expected[k] as number));
      const limit = bound === null ? (tolerance as number) : (bound[k] as number);
      // NaN errors (a garbage decryption) count as unbounded.
      const ratio = Number.isNaN(error) ? Infinity : error / limit;
      if (ratio > worstRatio) [worst, worstRatio] = [k, ratio];
    }
    if (worstRatio > closest.ratio) closest = { opIndex: base.opIndex, op: base.op, ratio: worstRatio };
    if (worstRatio <= 1) return;
    const error = Math.abs((actual[worst] as number) - (expected[worst] as number));
    const limit = bound === null ? (tolerance as number) : (bound[worst] as number);
    const encodingError = plain === undefined ? undefined : encodingErrorOf(plain, base.op, worst, expected);
    const source: DivergenceSource = encodingError !== undefined && encodingError >= error / 2 ? 'encoding' : 'encryption';
    const details: DivergenceDetails = {
      ...base, source, primary: mp, reference: mr,
      expected: Array.from(expected.subarray(0, showSlots)), actual: Array.from(actual.subarray(0, showSlots)),
      slot: worst, error, bound: limit, ratio: worstRatio, ...(encodingError === undefined ? {} : { encodingError }),
    };
    throw new HeError('DIVERGENCE',
      `${describe(details)}: slot ${worst} is off by ${error.toExponential(2)}, ${fmtRatio(worstRatio)} the bound ${limit.toExponential(2)} (${source}); ` +
      `expected [${details.expected?.map(fmtNumber).join(', ')}], got [${details.actual?.map(fmtNumber).join(', ')}]` +
      (worstRatio > FAR_BEYOND_NOISE ? '; far beyond any noise: the backend computed a different value' : ''), details);
  };

  /** SEAL's rounding of the op's plaintext at `slot`, in the output's units (times |a| for a plain product). */
  const encodingErrorOf = (plain: { values: Float64Array; scale: number }, op: string, slot: number, expected: Float64Array): number => {
    const delta = Math.abs((encoder.encoded(plain.values, plain.scale)[slot] as number) - (plain.values[slot] as number));
    if (op !== 'mulPlain') return delta;
    // For a product a·p the plaintext's error is scaled by |a| = |a·p| / |p|.
    const p = Math.abs(plain.values[slot] as number);
    return p > 0 ? delta * Math.abs(expected[slot] as number) / p : 0;
  };

  const kernels: Kernels<Pair> = {
    encrypt: (values, out, symmetric) => step('encrypt', [],
      (b) => b.encrypt(values, { level: out.level, scale: out.scale, symmetric }), { values, scale: out.scale }),
    decrypt: (x) => primary.decrypt(x.p),
    add: (a, b) => step('add', [a, b], (be, s) => be.add(a[s], b[s])),
    sub: (a, b) => step('sub', [a, b], (be, s) => be.sub(a[s], b[s])),
    neg: (a) => step('neg', [a], (be, s) => be.neg(a[s])),
    addPlain: (a, values) => step('addPlain', [a], (be, s) => be.addPlain(a[s], values), { values, scale: a.p.scale }),
    mulPlain: (a, values, scale) => step('mulPlain', [a], (be, s) => be.mulPlain(a[s], values, scale), { values, scale }),
    mul: (a, b) => step('mul', [a, b], (be, s) => be.mul(a[s], b[s])),
    square: (a) => step('square', [a], (be, s) => be.square(a[s])),
    relinearize: (a) => step('relinearize', [a], (be, s) => be.relinearize(a[s])),
    rescale: (a) => step('rescale', [a], (be, s) => be.rescale(a[s])),
    dropLevelTo: (a, out) => step('dropLevelTo', [a], (be, s) => be.dropLevelTo(a[s], out.level)),
    rotate: (a, stepBy) => step('rotate', [a], (be, s) => be.rotate(a[s], stepBy)),
    // The checked layer's no-ops (relinearize at degree 1, rotate by 0, drop to the same level).
    copy: (a) => step('copy', [a], (be, s) => be.dropLevelTo(a[s], a[s].level)),
    free: (x) => {
      primary.free(x.p);
      reference.free(x.r);
    },
    close: () => {
      if (options.ownsBackends === true) [primary, reference].forEach((b) => b.dispose());
    },
    inspect: (x) => meta(x.p),
  };

  const { backend } = defineBackend<Pair>({
    name: `paired(${primary.name}, ${reference.name})`,
    params: primary.params,
    rotations: primary.rotations,
    capabilities: { encrypts: primary.capabilities.encrypts, predictsNoise: false },
    kernels,
    encoder,
    verify: true,
  });
  return Object.defineProperties(backend, {
    opCount: { get: () => opIndex, enumerable: true },
    closest: { get: () => closest, enumerable: true },
    primary: { value: primary, enumerable: true },
    reference: { value: reference, enumerable: true },
  }) as PairedBackend;
}

function checkCompatible(primary: Backend, reference: Backend): void {
  const [a, b] = [primary.params, reference.params];
  const sameParams = a.ringDegree === b.ringDegree && a.scale === b.scale
    && a.primes.length === b.primes.length && a.primes.every((q, i) => q === b.primes[i]);
  if (!sameParams) {
    throw new HeError('INVALID_ARGUMENT', `paired: ${primary.name} and ${reference.name} have different parameters; create both from one literal`,
      { primary: { ringDegree: a.ringDegree, bitSizes: a.bitSizes, scale: a.scale }, reference: { ringDegree: b.ringDegree, bitSizes: b.bitSizes, scale: b.scale } });
  }
  const [ra, rb] = [primary.rotations, reference.rotations];
  if (ra.length !== rb.length || ra.some((s, i) => s !== rb[i])) {
    throw new HeError('INVALID_ARGUMENT', `paired: ${primary.name} and ${reference.name} have Galois keys for different steps; give both the same rotations`,
      { primary: ra, reference: rb });
  }
}

type Attempt = { ok: true; value: Ciphertext } | Failed;
type Failed = { ok: false; error: unknown };

function attempt(fn: () => Ciphertext): Attempt {
  try {
    return { ok: true, value: fn() };
  } catch (error) {
    return { ok: false, error };
  }
}

const codeOf = (e: unknown): string => (e instanceof HeError ? e.code : 'non-HeError');

/** Values, or null when the scale does not fit the level (decrypt would refuse; compare at the next op). */
function decryptable(b: Backend, x: Ciphertext): Float64Array | null {
  try {
    return b.decrypt(x);
  } catch (e) {
    if (isHeError(e, 'SCALE_OUT_OF_BOUNDS')) return null;
    throw e;
  }
}

const meta = (x: Ciphertext): CtMeta => ({ level: x.level, scale: x.scale, degree: x.degree });
const fmtMeta = (m: CtMeta): string => `level ${m.level}, scale ${fmtScale(m.scale)}, degree ${m.degree}`;
const fmtRatio = (r: number): string => (Number.isFinite(r) ? `${r.toPrecision(3)}x` : 'unboundedly above');
const fmtNumber = (v: number): string => (Math.abs(v) >= 1e-3 && Math.abs(v) < 1e6 ? v.toPrecision(6) : v.toExponential(3));

function describe(d: Pick<DivergenceDetails, 'opIndex' | 'op' | 'operands'>): string {
  const operands = d.operands.map((m) => `(level ${m.level}, scale ${fmtScale(m.scale)})`).join(', ');
  return `op #${d.opIndex} ${d.op}${operands === '' ? '' : ` on ${operands}`}`;
}
