/** Least-squares polynomial fits: the cost model's one piece of numerics. */

/** Coefficients [c0, c1, ...] of c0 + c1·x + c2·x² + ... */
export type Polynomial = readonly number[];

/** p(x). */
export const evaluatePolynomial = (p: Polynomial, x: number): number => p.reduce((sum, c, i) => sum + c * x ** i, 0);

/**
 * The polynomial of `degree` closest to the points in relative least squares (each residual over
 * its y, for y > 0: an op at the last level, a millisecond, counts as much as one at the top,
 * a hundred), by the normal equations solved by Gaussian elimination with partial pivoting. With
 * fewer distinct x than coefficients the degree drops to what the points determine.
 */
export function fitPolynomial(points: readonly { readonly x: number; readonly y: number }[], degree: number): Polynomial {
  const distinct = new Set(points.map((p) => p.x)).size;
  const n = Math.max(1, Math.min(degree + 1, distinct));
  // A·c = b with A[i][j] = Σ w·x^(i+j), b[i] = Σ w·y·x^i, w = 1/y².
  const weight = (y: number): number => (y > 0 ? 1 / (y * y) : 1);
  const a = Array.from({ length: n }, (_, i) => Array.from({ length: n + 1 }, (_, j) =>
    points.reduce((s, p) => s + weight(p.y) * (j === n ? p.y * p.x ** i : p.x ** (i + j)), 0)));
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r]![col]!) > Math.abs(a[pivot]![col]!)) pivot = r;
    [a[col], a[pivot]] = [a[pivot]!, a[col]!];
    const lead = a[col]![col]!;
    if (lead === 0) continue;
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = a[r]![col]! / lead;
      for (let j = col; j <= n; j++) a[r]![j]! -= f * a[col]![j]!;
    }
  }
  return a.map((row, i) => (row[i] === 0 ? 0 : row[n]! / row[i]!));
}

/** The largest |p(x) / y - 1| over the points: how far the fit is from what was measured. */
export const worstRelativeResidual = (p: Polynomial, points: readonly { readonly x: number; readonly y: number }[]): number =>
  Math.max(0, ...points.filter((q) => q.y > 0).map((q) => Math.abs(evaluatePolynomial(p, q.x) / q.y - 1)));
