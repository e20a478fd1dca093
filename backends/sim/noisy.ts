/**
 * Injection mode's decrypted-to-be values: exact values plus drawn errors, complex per slot
 * (SEAL's slots are complex; decryption keeps the real part). Plain arithmetic on them
 * carries every error term, to any order, with no model.
 */
export interface Noisy {
  readonly re: Float64Array;
  readonly im: Float64Array;
}

export const noisyOf = (values: Float64Array): Noisy => ({ re: values.slice(), im: new Float64Array(values.length) });

export function noisySum(a: Noisy, b: Noisy, sign: 1 | -1): Noisy {
  const n = a.re.length;
  const re = new Float64Array(n), im = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    re[k] = (a.re[k] as number) + sign * (b.re[k] as number);
    im[k] = (a.im[k] as number) + sign * (b.im[k] as number);
  }
  return { re, im };
}

export function noisyProduct(a: Noisy, b: Noisy): Noisy {
  const n = a.re.length;
  const re = new Float64Array(n), im = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const ar = a.re[k] as number, ai = a.im[k] as number, br = b.re[k] as number, bi = b.im[k] as number;
    re[k] = ar * br - ai * bi;
    im[k] = ar * bi + ai * br;
  }
  return { re, im };
}

/** Times a real plaintext (or plus it, for `add`). */
export function noisyWithPlain(a: Noisy, plain: Float64Array, add: boolean): Noisy {
  const n = a.re.length;
  const re = new Float64Array(n), im = add ? a.im.slice() : new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const w = plain[k] as number;
    if (add) re[k] = (a.re[k] as number) + w;
    else {
      re[k] = (a.re[k] as number) * w;
      im[k] = (a.im[k] as number) * w;
    }
  }
  return { re, im };
}

export const noisyNeg = (a: Noisy): Noisy => ({ re: a.re.map((v) => -v), im: a.im.map((v) => -v) });

export const noisyCopy = (a: Noisy): Noisy => ({ re: a.re.slice(), im: a.im.slice() });
