/**
 * Every failure hekit reports is an `HeError` with a stable string `code`.
 * Tests and callers branch on `code` and read numbers from `details`;
 * the message is for humans and may change.
 */
export type HeErrorCode =
  /** Parameter literal is malformed (N, bit sizes, scale, security level). */
  | 'PARAMS_INVALID'
  /** Total modulus exceeds the HE-standard limit for the requested security. */
  | 'PARAMS_INSECURE'
  /** Operands' scales are not equal within SEAL's 1-ulp tolerance. */
  | 'SCALE_MISMATCH'
  /** Operands sit at different levels. */
  | 'LEVEL_MISMATCH'
  /** A scale is <= 0 or does not fit the modulus left at that level. */
  | 'SCALE_OUT_OF_BOUNDS'
  /** Rescale or level drop asked at the last level. */
  | 'LEVEL_EXHAUSTED'
  /** A requested level is outside the chain or above the operand's level. */
  | 'INVALID_LEVEL'
  /** Encoded coefficients do not fit the modulus (values times scale too large). */
  | 'VALUES_TOO_LARGE'
  /** Values times scale exceed half the modulus left at the level: SEAL would wrap them silently (simulator only). */
  | 'OVERFLOW'
  /** More values than slots, or values that are not finite numbers. */
  | 'INVALID_VALUES'
  /** The operation would produce a ciphertext that reveals its plaintext. */
  | 'TRANSPARENT_RESULT'
  /** A rotation step (or one of its NAF terms) has no Galois key. */
  | 'MISSING_ROTATION_KEY'
  /** |step| >= slots. */
  | 'ROTATION_STEP_TOO_LARGE'
  /** Rotation on a degree-2 (unrelinearized) ciphertext. */
  | 'NOT_RELINEARIZED'
  /** A product whose degree would exceed SEAL's limit (15). */
  | 'DEGREE_TOO_HIGH'
  /** Relinearization of degree >= 3 (only the s^2 key exists). */
  | 'RELIN_KEYS_INSUFFICIENT'
  /** Key switching (relinearize, rotate) with a single-prime modulus. */
  | 'NO_KEY_SWITCHING'
  /** A handle was used after dispose(). */
  | 'DISPOSED'
  /** A handle created by another backend instance. */
  | 'FOREIGN_HANDLE'
  /** Matrix or vector shapes (or encoding units) that do not fit the operation. */
  | 'SHAPE_MISMATCH'
  /** A bad argument that is not one of the cases above. */
  | 'INVALID_ARGUMENT'
  /** Verify mode: the backend's own metadata differs from the prediction. */
  | 'DIVERGENCE'
  /** No secure parameters fit the circuit and the requested precision; `details` says what would fit. */
  | 'PLAN_INFEASIBLE'
  /**
   * Serialized bytes that are malformed, truncated, corrupted, of another kind or made for
   * other parameters; `details.field` names the first field that failed. Nothing is loaded.
   */
  | 'DESERIALIZE'
  /** A model file (or model fields) that is not valid JSON, of another format or version, or whose fields do not fit together; `details.field` names it. */
  | 'MODEL_INVALID'
  /** Decryption (or symmetric encryption) asked of a backend that holds no secret key, e.g. an evaluation-only server. */
  | 'NO_SECRET_KEY'
  /** A requested backend could not start. */
  | 'BACKEND_UNAVAILABLE'
  /** Any backend failure hekit does not recognise; `cause` holds the original. */
  | 'BACKEND_INTERNAL';

/** The numbers behind an error (levels, scales, op index, the field that failed to load...), by name. */
export type HeErrorDetails = Readonly<Record<string, unknown>>;

/**
 * The one error class hekit throws for a known failure, identically on every backend. Branch on
 * `code`, read the numbers from `details`; the message says what went wrong and how to fix it,
 * and may change between versions. docs/errors.md lists every code with its fix.
 */
export class HeError extends Error {
  override readonly name = 'HeError';
  /** What went wrong, stable across versions and backends. */
  readonly code: HeErrorCode;
  /** The numbers behind it. */
  readonly details: HeErrorDetails;

  /** An error with `code`, a human `message`, its `details` and, optionally, the original `cause`. */
  constructor(code: HeErrorCode, message: string, details: HeErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.details = details;
  }
}

/** Whether `e` is an `HeError`, and of `code` when given (narrows `e` for TypeScript). */
export const isHeError = (e: unknown, code?: HeErrorCode): e is HeError =>
  e instanceof HeError && (code === undefined || e.code === code);

/** Formats a scale as a power of two for messages: 2^40.00. */
export const fmtScale = (scale: number): string =>
  scale > 0 && Number.isFinite(scale) ? `2^${Math.log2(scale).toFixed(2)}` : String(scale);
