/**
 * Parameter planning: from what a circuit needs (depth, value magnitude, slots, rotations)
 * and the precision wanted, the smallest secure ring degree and a modulus chain that fits.
 *
 * Chain shape: [first prime, depth x scale-sized primes, special prime].
 * - Each rescale divides by a prime close to the scale, so scales stay close to it.
 * - The first prime holds the output: scale · 2^maxValueBits with room for the sign and the error.
 * - The special prime sits at least 10 bits above the first prime where it can (at most 60
 *   bits), so rotations add no key-switching bias (NOISE.md §3.4).
 */
import { HeError } from '../errors.js';
import { createParams, type CkksParams, type CkksParamsLiteral, type SecurityLevel } from '../params/index.js';
import { maxModulusBits } from '../params/security.js';

/** What a circuit needs, as measured by a dry run (or stated by hand). */
export interface CircuitReport {
  /** Levels consumed on the deepest path (rescales). */
  readonly depth: number;
  /** log2 of the largest |value| any ciphertext holds. */
  readonly maxValueBits: number;
  /** Slots the inputs and rotations need. */
  readonly slots: number;
  /** Rotation steps used: the Galois keys to generate. */
  readonly rotations: readonly number[];
}

/** What the planned parameters must deliver. */
export interface PlanRequest {
  /** Bits of absolute precision wanted in every output slot (-log2 of the error bound), in (0, 50]. */
  readonly precisionBits: number;
  /** Security level in bits: 128 (default), 192 or 256. */
  readonly security?: SecurityLevel;
  /** Overrides the measured value magnitude (log2 of the largest |value|). */
  readonly maxValueBits?: number;
}

/** Parameters chosen by `planFromReport` (or `planParams`), with the figures behind the choice. */
export interface ParamsPlan {
  /** The chosen parameters, checked. */
  readonly params: CkksParams;
  /** The same parameters as a literal (for JSON, or to create a backend elsewhere). */
  readonly literal: CkksParamsLiteral;
  /** Steps to create Galois keys for: the report's rotations. */
  readonly rotations: readonly number[];
  /** What the plan was sized for. */
  readonly report: CircuitReport;
  /** Predicted precision of the outputs at these parameters (null when it could not be checked). */
  readonly predictedPrecisionBits: number | null;
  /** Bits used by the whole modulus (special prime included) and allowed at this security. */
  readonly modulusBits: number;
  /** Most modulus bits the security level allows at this ring degree. */
  readonly allowedBits: number;
  /** One line per choice, for humans. */
  readonly explanation: readonly string[];
}

/** Predicts the circuit's output precision (bits) at candidate parameters; a simulator dry run. */
export type PrecisionProbe = (params: CkksParams) => number;

const RING_DEGREES = [1024, 2048, 4096, 8192, 16384, 32768] as const;
const MAX_PRIME_BITS = 60;
/** Rescales by primes below the scale lose a little; a first prime this much above the output keeps room. */
const OUTPUT_MARGIN_BITS = 2;
const BIAS_GAP_BITS = 10;

/** The chain for a scale of `scaleBits` bits, or why there is none. */
function chain(report: CircuitReport, valueBits: number, scaleBits: number): { bitSizes: number[]; notes: string[] } {
  const notes: string[] = [];
  const first = Math.ceil(scaleBits + valueBits + OUTPUT_MARGIN_BITS);
  if (first > MAX_PRIME_BITS) {
    throw new HeError('PLAN_INFEASIBLE',
      `values up to 2^${valueBits.toFixed(1)} at scale 2^${scaleBits} need a ${first}-bit first prime; SEAL's primes have at most ${MAX_PRIME_BITS} bits. Ask for less precision or scale the data down`,
      { scaleBits, maxValueBits: valueBits, firstPrimeBits: first });
  }
  const special = Math.min(MAX_PRIME_BITS, Math.max(first + BIAS_GAP_BITS, scaleBits));
  if (special < first + BIAS_GAP_BITS) {
    notes.push(`special prime ${special} bits is less than 10 bits above the ${first}-bit first prime: rotations will carry a key-switching bias in a few low-frequency slots`);
  }
  return { bitSizes: [first, ...Array.from({ length: report.depth }, () => scaleBits), special], notes };
}

function smallestRing(report: CircuitReport, bits: number, security: SecurityLevel, scaleBits: number): number | undefined {
  return RING_DEGREES.find((N) =>
    maxModulusBits(N, security) >= bits && N / 2 >= report.slots && scaleBits > Math.log2(2 * N) + 1);
}

/**
 * Plans parameters for `report` so its outputs keep `request.precisionBits` bits. With a
 * `probe` (a simulator dry run at candidate parameters) the scale grows until the predicted
 * precision is met; without one, a rule of thumb sizes it and the plan says so.
 * Throws PLAN_INFEASIBLE (with what would fit) and INVALID_ARGUMENT (bad request).
 */
export function planFromReport(report: CircuitReport, request: PlanRequest, probe?: PrecisionProbe): ParamsPlan {
  const security = request.security ?? 128;
  const { precisionBits } = request;
  if (!(Number.isFinite(precisionBits) && precisionBits > 0 && precisionBits <= 50)) {
    throw new HeError('INVALID_ARGUMENT', `precisionBits ${precisionBits} must be in (0, 50]: doubles and 60-bit primes hold no more`, { precisionBits });
  }
  if (![128, 192, 256].includes(security)) {
    throw new HeError('INVALID_ARGUMENT', `security ${String(security)} must be 128, 192 or 256`, { security });
  }
  const valueBits = Math.max(0, request.maxValueBits ?? report.maxValueBits);
  // Rule of thumb: a rounding error is about N/(6·scale), times ~16 for a 1e-6 bound over all slots.
  let scaleBits = Math.ceil(precisionBits + Math.log2(RING_DEGREES[0]) + 4);
  for (let attempt = 0; attempt < 24; attempt++) {
    if (scaleBits > MAX_PRIME_BITS) break;
    const { bitSizes, notes } = chain(report, valueBits, scaleBits);
    const totalBits = bitSizes.reduce((a, b) => a + b, 0);
    const N = smallestRing(report, totalBits, security, scaleBits);
    if (N === undefined) {
      throw new HeError('PLAN_INFEASIBLE',
        `depth ${report.depth} at scale 2^${scaleBits} needs ${totalBits} bits of modulus, more than the ${maxModulusBits(32768, security)} bits ${security}-bit security allows at N = 32768; ` +
        `reduce the depth (about ${Math.floor((maxModulusBits(32768, security) - bitSizes[0]! - bitSizes.at(-1)!) / scaleBits)} levels fit at this scale) or the precision, or split the circuit and refresh between rounds`,
        { depth: report.depth, scaleBits, modulusBits: totalBits, allowedBits: maxModulusBits(32768, security), slots: report.slots });
    }
    const literal: CkksParamsLiteral = { ringDegree: N, bitSizes, scale: 2 ** scaleBits, security };
    const params = createParams(literal);
    const predicted = probe ? probe(params) : null;
    if (predicted !== null && predicted < precisionBits) {
      scaleBits += Math.max(1, Math.ceil(precisionBits - predicted));
      continue;
    }
    const allowedBits = maxModulusBits(N, security);
    return {
      params, literal, rotations: report.rotations, report, predictedPrecisionBits: predicted, modulusBits: totalBits, allowedBits,
      explanation: [
        `depth ${report.depth}: ${report.depth} rescale primes of ${scaleBits} bits (scale 2^${scaleBits}), levels ${report.depth}..0`,
        `first prime ${bitSizes[0]} bits: outputs up to 2^${valueBits.toFixed(1)} at scale 2^${scaleBits}, plus ${OUTPUT_MARGIN_BITS} bits of room`,
        `special prime ${bitSizes.at(-1)} bits: key switching${bitSizes.at(-1)! >= bitSizes[0]! + BIAS_GAP_BITS ? ', 10+ bits above the first prime so rotations stay unbiased' : ''}`,
        `N = ${N}: ${totalBits} of the ${allowedBits} bits ${security}-bit security allows, ${N / 2} slots for the ${report.slots} needed`,
        predicted === null
          ? `precision: not checked (no dry run); the scale follows a rule of thumb for ${precisionBits} bits`
          : `precision: ${predicted.toFixed(1)} bits predicted by the simulator, ${precisionBits} requested`,
        `Galois keys for steps ${report.rotations.length > 0 ? report.rotations.join(', ') : '(none)'}`,
        ...notes,
      ],
    };
  }
  throw new HeError('PLAN_INFEASIBLE',
    `${precisionBits} bits of precision need a scale beyond 2^${MAX_PRIME_BITS} for this circuit (depth ${report.depth}, values up to 2^${valueBits.toFixed(1)}); ask for fewer bits`,
    { precisionBits, depth: report.depth, maxValueBits: valueBits });
}
