/**
 * Polynomial bases in plain float64: Chebyshev series on an interval converted to the power
 * basis in x (for the evaluator), and least-squares and Chebyshev-interpolation fits.
 */
import { HeError } from '../../core/index.js';

/** A real interval [a, b] with finite ends a < b; functions taking one throw INVALID_ARGUMENT otherwise. */
export type Interval = readonly [number, number];

function checkInterval([a, b]: Interval): void {
  if (!(Number.isFinite(a) && Number.isFinite(b) && a < b)) {
    throw new HeError('INVALID_ARGUMENT', `interval [${a}, ${b}] must have finite ends a < b`, { interval: [a, b] });
  }
}

/** Power-basis coefficients in x of Σ c_k·T_k(y), y = (2x - a - b)/(b - a) mapping [a, b] to [-1, 1]. */
export function chebyshevToPower(c: readonly number[], interval: Interval): number[] {
  checkInterval(interval);
  const [a, b] = interval;
  const alpha = 2 / (b - a), beta = -(a + b) / (b - a);
  const y = [beta, alpha]; // y as a polynomial in x
  const mulY = (p: readonly number[]): number[] => {
    const out = new Array<number>(p.length + 1).fill(0);
    p.forEach((v, i) => {
      out[i] = (out[i] as number) + v * beta;
      out[i + 1] = (out[i + 1] as number) + v * alpha;
    });
    return out;
  };
  const add = (p: readonly number[], q: readonly number[], sq = 1): number[] =>
    Array.from({ length: Math.max(p.length, q.length) }, (_, i) => (p[i] ?? 0) + sq * (q[i] ?? 0));
  let previous = [1];
  let current = y;
  let sum = add([], previous, c[0] ?? 0);
  for (let k = 1; k < c.length; k++) {
    sum = add(sum, current, c[k] as number);
    const next = add(mulY(current).map((v) => 2 * v), previous, -1);
    previous = current;
    current = next;
  }
  return sum;
}

/** Chebyshev interpolant of f of `degree` on [a, b], at the Chebyshev nodes, as Chebyshev coefficients. */
export function chebyshevInterpolant(f: (x: number) => number, degree: number, interval: Interval): number[] {
  checkInterval(interval);
  const [a, b] = interval;
  const n = degree + 1;
  const values = Array.from({ length: n }, (_, i) => f(((b - a) / 2) * Math.cos((Math.PI * (i + 0.5)) / n) + (a + b) / 2));
  return Array.from({ length: n }, (_, k) => {
    const s = values.reduce((acc, v, i) => acc + v * Math.cos((Math.PI * k * (i + 0.5)) / n), 0);
    return ((k === 0 ? 1 : 2) / n) * s;
  });
}

/**
 * Least-squares fit of f by a polynomial of `degree` on [a, b] with uniform weight, computed
 * in the Chebyshev basis (well conditioned) on a fine uniform grid; Chebyshev coefficients.
 */
export function leastSquares(f: (x: number) => number, degree: number, interval: Interval, samples = 4001): number[] {
  checkInterval(interval);
  const [a, b] = interval;
  const n = degree + 1;
  const gram = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  const rhs = new Array<number>(n).fill(0);
  for (let s = 0; s < samples; s++) {
    const x = a + ((b - a) * s) / (samples - 1);
    const y = (2 * x - a - b) / (b - a);
    const t = [1, y];
    for (let k = 2; k < n; k++) t.push(2 * y * (t[k - 1] as number) - (t[k - 2] as number));
    const fx = f(x);
    for (let i = 0; i < n; i++) {
      rhs[i] = (rhs[i] as number) + (t[i] as number) * fx;
      for (let j = 0; j < n; j++) (gram[i] as number[])[j] = ((gram[i] as number[])[j] as number) + (t[i] as number) * (t[j] as number);
    }
  }
  return solve(gram, rhs);
}

/** Gaussian elimination with partial pivoting (small dense systems). */
function solve(m: number[][], v: number[]): number[] {
  const n = v.length;
  const a = m.map((row, i) => [...row, v[i] as number]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs((a[r] as number[])[col] as number) > Math.abs((a[pivot] as number[])[col] as number)) pivot = r;
    [a[col], a[pivot]] = [a[pivot] as number[], a[col] as number[]];
    const p = a[col] as number[];
    for (let r = col + 1; r < n; r++) {
      const row = a[r] as number[];
      const factor = (row[col] as number) / (p[col] as number);
      for (let c = col; c <= n; c++) row[c] = (row[c] as number) - factor * (p[c] as number);
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    const row = a[r] as number[];
    let s = row[n] as number;
    for (let c = r + 1; c < n; c++) s -= (row[c] as number) * (x[c] as number);
    x[r] = s / (row[r] as number);
  }
  return x;
}

/** Value of a power-basis polynomial (Horner). */
export const evaluatePower = (a: readonly number[], x: number): number => a.reduceRight((acc, c) => acc * x + c, 0);

/** max |p(x) - f(x)| on a uniform grid of [a, b]. */
export function maxError(p: readonly number[], f: (x: number) => number, [a, b]: Interval, samples = 10001): number {
  let worst = 0;
  for (let s = 0; s < samples; s++) {
    const x = a + ((b - a) * s) / (samples - 1);
    worst = Math.max(worst, Math.abs(evaluatePower(p, x) - f(x)));
  }
  return worst;
}
