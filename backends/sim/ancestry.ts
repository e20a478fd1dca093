/**
 * Which fresh encryptions a ciphertext's error comes from: a sorted set of ids. Operands
 * sharing an ancestor have correlated errors (x + x, x·x, f(x) - g(x)), which add in
 * amplitude rather than in variance (NOISE.md §3.5).
 */
export type Ancestry = Uint32Array;

export const freshAncestry = (id: number): Ancestry => Uint32Array.of(id);

export function shareAncestor(a: Ancestry, b: Ancestry): boolean {
  let i = 0, j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as number, y = b[j] as number;
    if (x === y) return true;
    if (x < y) i++;
    else j++;
  }
  return false;
}

export function unionAncestry(a: Ancestry, b: Ancestry): Ancestry {
  if (a === b || b.length === 0) return a;
  if (a.length === 0) return b;
  const out = new Uint32Array(a.length + b.length);
  let i = 0, j = 0, k = 0;
  while (i < a.length || j < b.length) {
    const x = i < a.length ? (a[i] as number) : Infinity;
    const y = j < b.length ? (b[j] as number) : Infinity;
    const next = Math.min(x, y);
    out[k++] = next;
    if (x === next) i++;
    if (y === next) j++;
  }
  return out.subarray(0, k);
}
