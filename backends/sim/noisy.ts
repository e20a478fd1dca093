/**
 * Injection mode's decrypted-to-be values: exact values plus drawn errors, complex per slot
 * (SEAL's slots are complex; decryption keeps the real part). Plain arithmetic on them
 * carries every error term, to any order, with no model. New arrays come from `arrays`.
 */
import type { SlotArrays } from './arrays.js';

export interface Noisy {
  readonly re: Float64Array;
  readonly im: Float64Array;
}

export const noisyOf = (values: Float64Array, arrays: SlotArrays): Noisy => ({ re: arrays.copy(values), im: arrays.take().fill(0) });

export function noisySum(a: Noisy, b: Noisy, sign: 1 | -1, arrays: SlotArrays): Noisy {
  const n = a.re.length;
  const re = arrays.take(), im = arrays.take();
  const ar = a.re, ai = a.im, br = b.re, bi = b.im;
  for (let k = 0; k < n; k++) {
    re[k] = (ar[k] as number) + sign * (br[k] as number);
    im[k] = (ai[k] as number) + sign * (bi[k] as number);
  }
  return { re, im };
}

export function noisyProduct(a: Noisy, b: Noisy, arrays: SlotArrays): Noisy {
  const n = a.re.length;
  const re = arrays.take(), im = arrays.take();
  const ar = a.re, ai = a.im, br = b.re, bi = b.im;
  for (let k = 0; k < n; k++) {
    const xr = ar[k] as number, xi = ai[k] as number, yr = br[k] as number, yi = bi[k] as number;
    re[k] = xr * yr - xi * yi;
    im[k] = xr * yi + xi * yr;
  }
  return { re, im };
}

/** Times a real plaintext (or plus it, for `add`). */
export function noisyWithPlain(a: Noisy, plain: Float64Array, add: boolean, arrays: SlotArrays): Noisy {
  const n = a.re.length;
  const ar = a.re, ai = a.im;
  const re = arrays.take();
  if (add) {
    for (let k = 0; k < n; k++) re[k] = (ar[k] as number) + (plain[k] as number);
    return { re, im: arrays.copy(ai) };
  }
  const im = arrays.take();
  for (let k = 0; k < n; k++) {
    const w = plain[k] as number;
    re[k] = (ar[k] as number) * w;
    im[k] = (ai[k] as number) * w;
  }
  return { re, im };
}

export function noisyNeg(a: Noisy, arrays: SlotArrays): Noisy {
  const n = a.re.length;
  const ar = a.re, ai = a.im;
  const re = arrays.take(), im = arrays.take();
  for (let k = 0; k < n; k++) {
    re[k] = -(ar[k] as number);
    im[k] = -(ai[k] as number);
  }
  return { re, im };
}

export const noisyCopy = (a: Noisy, arrays: SlotArrays): Noisy => ({ re: arrays.copy(a.re), im: arrays.copy(a.im) });
