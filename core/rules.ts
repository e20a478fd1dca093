/**
 * SEAL 4.1's checks and metadata updates, as pure functions of metadata (NOISE.md §2.6).
 * Checks run in SEAL's order so every backend reports the same first error.
 * They need no keys and no data, so analysis passes can run them too.
 */
import { HeError, fmtScale } from './errors.js';
import { bitsAt, scaleEncodable, scaleFits, scalesAgree, type CtMeta } from './meta.js';
import type { CkksParams } from './params/index.js';
import type { RotationKeys } from './rotation.js';

/** The evaluator's ops, as named in `CircuitStats.ops` and in HeError `details.op`. */
export type OpName =
  | 'encrypt' | 'decrypt' | 'add' | 'sub' | 'neg' | 'addPlain' | 'mulPlain' | 'mul' | 'square'
  | 'relinearize' | 'rescale' | 'dropLevelTo' | 'rotate';

export function checkLevel(params: CkksParams, level: unknown, op: OpName): number {
  if (typeof level !== 'number' || !Number.isInteger(level) || level < 0 || level > params.maxLevel) {
    throw new HeError('INVALID_LEVEL', `${op}: level ${String(level)} is not in the chain; use an integer in [0, ${params.maxLevel}]`, {
      op, level, maxLevel: params.maxLevel,
    });
  }
  return level;
}

/** SEAL encodes at the first data level: the scale must fit there with a bit to spare for the sign. */
export function checkEncodeScale(params: CkksParams, scale: number, op: OpName): void {
  if (!(typeof scale === 'number' && Number.isFinite(scale)) || !scaleEncodable(params, scale, params.maxLevel)) {
    throw new HeError('SCALE_OUT_OF_BOUNDS',
      `${op}: cannot encode at scale ${fmtScale(scale)}: it needs more than the ${bitsAt(params, params.maxLevel)} bits of the first level; use a smaller scale`,
      { op, scale, level: params.maxLevel, bits: bitsAt(params, params.maxLevel) });
  }
}

/** Then the encoded plaintext is mod-switched down to `level`, where its scale must still fit. */
export function checkPlainLevel(params: CkksParams, scale: number, level: number, op: OpName): void {
  if (level < params.maxLevel && !scaleFits(params, scale, level)) {
    throw new HeError('SCALE_OUT_OF_BOUNDS',
      `${op}: scale ${fmtScale(scale)} does not fit the ${bitsAt(params, level)} bits left at level ${level}; use a smaller scale or a higher level`,
      { op, scale, level, bits: bitsAt(params, level) });
  }
}

function sameLevel(a: CtMeta, b: CtMeta, op: OpName): void {
  if (a.level !== b.level) {
    throw new HeError('LEVEL_MISMATCH',
      `cannot ${op}: operands at levels ${a.level} and ${b.level}; dropLevelTo(x, ${Math.min(a.level, b.level)}) the higher one first`,
      { op, levels: [a.level, b.level] });
  }
}

function sameScale(a: number, b: number, op: OpName): void {
  if (!scalesAgree(a, b)) {
    const [fa, fb] = fmtScale(a) === fmtScale(b) ? [String(a), String(b)] : [fmtScale(a), fmtScale(b)];
    throw new HeError('SCALE_MISMATCH',
      `cannot ${op}: scales differ (${fa} vs ${fb}, ratio ${a / b}); rescale the product first or bring both to one scale`,
      { op, scales: [a, b] });
  }
}

function productFits(params: CkksParams, scale: number, level: number, op: OpName): void {
  if (!scaleFits(params, scale, level)) {
    throw new HeError('SCALE_OUT_OF_BOUNDS',
      `cannot ${op}: product scale ${fmtScale(scale)} exceeds the ${bitsAt(params, level)} bits left at level ${level}; rescale the operands first`,
      { op, scale, level, bits: bitsAt(params, level) });
  }
}

function keySwitching(params: CkksParams, op: OpName): void {
  if (!params.keySwitching) {
    throw new HeError('NO_KEY_SWITCHING', `cannot ${op}: a single-prime modulus has no key-switching keys; add a special prime`, { op });
  }
}


export function decryptCheck(params: CkksParams, a: CtMeta): void {
  // Decoding is one bit looser than encoding (no sign bit).
  if (!(a.scale > 0) || Math.trunc(Math.log2(a.scale)) >= bitsAt(params, a.level)) {
    throw new HeError('SCALE_OUT_OF_BOUNDS', `cannot decrypt: scale ${fmtScale(a.scale)} exceeds the ${bitsAt(params, a.level)} bits at level ${a.level}; rescale first`,
      { op: 'decrypt', scale: a.scale, level: a.level });
  }
}

export function addMeta(a: CtMeta, b: CtMeta, op: 'add' | 'sub'): CtMeta {
  sameLevel(a, b, op);
  sameScale(a.scale, b.scale, op);
  return { level: a.level, scale: a.scale, degree: Math.max(a.degree, b.degree) };
}

/** After the plaintext's own checks (encode scale, values, level). */
export function mulPlainMeta(params: CkksParams, a: CtMeta, plainScale: number): CtMeta {
  const scale = a.scale * plainScale;
  productFits(params, scale, a.level, 'mulPlain');
  return { level: a.level, scale, degree: a.degree };
}

/** SEAL_CIPHERTEXT_SIZE_MAX is 16 polynomials. */
const MAX_DEGREE = 15;

export function mulMeta(params: CkksParams, a: CtMeta, b: CtMeta, op: 'mul' | 'square'): CtMeta {
  sameLevel(a, b, op);
  if (a.degree + b.degree > MAX_DEGREE) {
    throw new HeError('DEGREE_TOO_HIGH', `cannot ${op}: the product would have degree ${a.degree + b.degree}, above SEAL's ${MAX_DEGREE}; relinearize after each multiplication`,
      { op, degree: a.degree + b.degree, maxDegree: MAX_DEGREE });
  }
  const scale = a.scale * b.scale;
  productFits(params, scale, a.level, op);
  return { level: a.level, scale, degree: a.degree + b.degree };
}

export function relinearizeMeta(params: CkksParams, a: CtMeta): CtMeta {
  keySwitching(params, 'relinearize');
  if (a.degree > 2) {
    throw new HeError('RELIN_KEYS_INSUFFICIENT',
      `cannot relinearize a degree-${a.degree} ciphertext: keys exist for degree 2 only; relinearize after every multiplication`,
      { op: 'relinearize', degree: a.degree });
  }
  return { level: a.level, scale: a.scale, degree: 1 };
}

export function rescaleMeta(params: CkksParams, a: CtMeta): CtMeta {
  if (a.level === 0) {
    throw new HeError('LEVEL_EXHAUSTED', 'cannot rescale at level 0: the modulus chain is used up; plan more levels or refresh the ciphertext',
      { op: 'rescale', level: 0 });
  }
  // SEAL divides by the dropped prime as a double; keep the exact same float operation.
  const q = params.dataPrimeValues[a.level] as number;
  return { level: a.level - 1, scale: a.scale / q, degree: a.degree };
}

export function dropLevelMeta(params: CkksParams, a: CtMeta, level: number): CtMeta {
  checkLevel(params, level, 'dropLevelTo');
  if (level > a.level) {
    throw new HeError('INVALID_LEVEL', `cannot raise a ciphertext from level ${a.level} to ${level}; levels only go down`,
      { op: 'dropLevelTo', from: a.level, to: level });
  }
  if (level < a.level && !scaleFits(params, a.scale, level)) {
    throw new HeError('SCALE_OUT_OF_BOUNDS',
      `cannot drop to level ${level}: scale ${fmtScale(a.scale)} exceeds its ${bitsAt(params, level)} bits; rescale instead`,
      { op: 'dropLevelTo', scale: a.scale, level, bits: bitsAt(params, level) });
  }
  return { level, scale: a.scale, degree: a.degree };
}

/** Returns the key-switch terms to apply (empty for step 0). */
export function rotateTerms(params: CkksParams, keys: RotationKeys, a: CtMeta, step: number): readonly number[] {
  if (!Number.isInteger(step)) {
    throw new HeError('INVALID_ARGUMENT', `rotate: step ${step} is not an integer`, { op: 'rotate', step });
  }
  keySwitching(params, 'rotate');
  if (step === 0) return [];
  if (Math.abs(step) >= params.slots) {
    throw new HeError('ROTATION_STEP_TOO_LARGE', `cannot rotate by ${step}: |step| must be below ${params.slots} slots; reduce it modulo ${params.slots}`,
      { op: 'rotate', step, slots: params.slots });
  }
  const plan = keys.plan(step);
  // SEAL checks the degree inside the first key switch, and a missing key before that switch.
  if (plan.terms[0] !== plan.missing && a.degree !== 1) {
    throw new HeError('NOT_RELINEARIZED', `cannot rotate a degree-${a.degree} ciphertext; relinearize it first`,
      { op: 'rotate', step, degree: a.degree });
  }
  if (plan.missing !== undefined) {
    throw new HeError('MISSING_ROTATION_KEY',
      `cannot rotate by ${step}: no Galois key for step ${plan.missing}${plan.terms.length > 1 ? ` (NAF terms ${plan.terms.join(', ')})` : ''}; add ${step} to the backend's rotations`,
      { op: 'rotate', step, missing: plan.missing, terms: plan.terms, available: keys.steps });
  }
  return plan.terms;
}
