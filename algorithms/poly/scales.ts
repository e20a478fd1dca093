/**
 * Scale bookkeeping for circuits that add terms computed along different paths: SEAL adds
 * only ciphertexts whose scales agree to an ulp, and every rescale divides by a prime that
 * is not exactly the scale. These helpers predict SEAL's scale arithmetic in the same
 * float64 operations (a dry run of the scales) and pick plaintext scales that land a
 * result on a target scale exactly.
 */
import { HeError, scalesAgree, type CkksParams } from '../../core/index.js';

/** Scale after multiplying by a plaintext of scale `plainScale` at `level`, then rescaling: SEAL's own operations. */
export const rescaledProductScale = (params: CkksParams, scale: number, plainScale: number, level: number): number =>
  (scale * plainScale) / (params.dataPrimeValues[level] as number);

/**
 * The plaintext scale that makes `finalScale(plainScale)` agree with `target` (SEAL's 1-ulp rule),
 * where `finalScale` replays in float64 what the circuit will do. Starts from the linear estimate
 * and walks the neighbouring doubles, since rounding can put the estimate a few ulps off.
 * `agree` defaults to SEAL's 1-ulp rule; pass exact equality to land on the target to the bit.
 * Throws INVALID_ARGUMENT if no double within 256 ulps lands on the target.
 */
export function plainScaleFor(
  finalScale: (plainScale: number) => number, target: number, agree: (a: number, b: number) => boolean = scalesAgree,
): number {
  const estimate = target / finalScale(1);
  let up = estimate, down = estimate;
  for (let step = 0; step <= 256; step++) {
    if (agree(finalScale(up), target)) return up;
    if (agree(finalScale(down), target)) return down;
    up = nextUp(up);
    down = nextDown(down);
  }
  throw new HeError('INVALID_ARGUMENT', `no plaintext scale near ${estimate} brings the result to scale ${target}`, { target, estimate });
}

const buffer = new Float64Array(1);
const bits = new BigInt64Array(buffer.buffer);

/** The next double above a positive x. */
function nextUp(x: number): number {
  buffer[0] = x;
  bits[0] = (bits[0] as bigint) + 1n;
  return buffer[0] as number;
}

/** The next double below a positive x. */
function nextDown(x: number): number {
  buffer[0] = x;
  bits[0] = (bits[0] as bigint) - 1n;
  return buffer[0] as number;
}
