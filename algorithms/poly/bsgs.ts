/**
 * Polynomials of larger degree by baby steps and giant steps: p(x) = Σ_j q_j(x)·x^(jk) with
 * leaves q_j of degree < k built from the baby powers x^1..x^(k-1) by plaintext products only,
 * combined pairwise up a tree, p = p_low + x^(k·2^t)·p_high, with giant powers x^(k·2^t) from
 * repeated squaring.
 * - k = 2 (default): every leaf is c0 + c1·x, one level deep, and the tree adds one level per
 *   giant step: ceil(log2(d + 1)) levels, the minimum, with about d/2 + log2 d ciphertext products
 *   (the power-chain method of `evaluatePolynomial` needs Σ popcount(k) ≈ (d/2)·log2 d).
 * - larger k: about k + d/k products, one level more (the leaves' top powers are already k/2
 *   levels deep before their coefficient lands).
 * Scales are solved top-down: each node's target scale is inverted through the product that
 * consumes it, and every leaf term lands on its target exactly, so no addition mismatches.
 */
import { HeError, type Evaluator } from '../../core/index.js';
import { landAt } from '../ladder.js';
import { atLevel, settle } from '../steps.js';
import { checkedCoefficients, type PolynomialOptions } from './polynomial.js';
import { plainScaleFor, rescaledProductScale } from './scales.js';

/** Options of `evaluatePolynomialBsgs`: the result scale, and the leaf size that trades depth for products. */
export interface BsgsOptions extends PolynomialOptions {
  /** Leaf size k, a power of two from 2 to 64 (default 2: minimal depth); capped at what the degree needs. */
  readonly babySteps?: number;
}

/** The leaf size used: k, but no larger than the degree needs. */
const leafSize = (degree: number, k: number): number => Math.min(k, Math.max(2, 2 ** Math.floor(Math.log2(degree))));

/** Levels `evaluatePolynomialBsgs` consumes for a degree-d polynomial with leaf size k. */
export function bsgsDepth(degree: number, babySteps = 2): number {
  const k = leafSize(degree, babySteps);
  const m = Math.log2(k);
  const leafDepth = k === 2 ? 1 : m + 1;
  return leafDepth + Math.ceil(Math.log2(Math.ceil((degree + 1) / k)));
}

/** A node's value: a ciphertext, or a public constant (a leaf with no x terms), or nothing (all zero). */
type Node<C> = { ct: C; constant: number } | { ct: null; constant: number };

/**
 * p(x) = Σ coefficients[i]·x^i on every slot, by baby steps and giant steps.
 * In: degree 1, level l >= bsgsDepth(d, k). Out: degree 1, level l - bsgsDepth(d, k), scale options.scale.
 * Rotations none · Throws INVALID_ARGUMENT (bad coefficients or k), LEVEL_EXHAUSTED, and what the ops throw.
 */
export function evaluatePolynomialBsgs<C>(ev: Evaluator<C>, x: C, coefficients: readonly number[], options: BsgsOptions = {}): C {
  const a = checkedCoefficients(coefficients);
  const degree = a.length - 1;
  const requested = options.babySteps ?? 2;
  if (!Number.isInteger(Math.log2(requested)) || requested < 2 || requested > 64) {
    throw new HeError('INVALID_ARGUMENT', `babySteps ${requested} must be a power of two from 2 to 64`, { babySteps: requested });
  }
  const k = leafSize(degree, requested);
  const top = ev.meta(x).level;
  const depth = bsgsDepth(degree, k);
  if (top < depth) {
    throw new HeError('LEVEL_EXHAUSTED', `a degree-${degree} polynomial by steps of ${k} needs ${depth} levels; the input has ${top} left`, { degree, depth, level: top });
  }
  const { params } = ev;
  const owned: C[] = [];
  const keep = (c: C): C => (owned.push(c), c);
  const times = (p: C, q: C): C => {
    const level = Math.min(ev.meta(p).level, ev.meta(q).level);
    const [pl, ql] = [atLevel(ev, p, level, false), atLevel(ev, q, level, false)];
    const out = settle(ev, pl === ql ? ev.square(pl) : ev.mul(pl, ql));
    if (pl !== p) ev.free(pl);
    if (ql !== q && ql !== pl) ev.free(ql);
    return out;
  };

  // Baby powers x^1..x^(k-1), each at depth ceil(log2 i); giant powers x^(k·2^t).
  const baby: C[] = [x];
  for (let i = 2; i < k && i <= degree; i++) {
    const j = 2 ** Math.floor(Math.log2(i));
    baby.push(keep(i === j ? times(baby[j / 2 - 1]!, baby[j / 2 - 1]!) : times(baby[j - 1]!, baby[i - j - 1]!)));
  }
  const leaves = Math.ceil((degree + 1) / k);
  const height = Math.ceil(Math.log2(leaves));
  const giant: C[] = [];
  if (height > 0) {
    giant.push(keep(k === 2 ? times(x, x) : times(baby[k / 2 - 1]!, baby[k / 2 - 1]!)));
    for (let t = 1; t < height; t++) giant.push(keep(times(giant[t - 1]!, giant[t - 1]!)));
  }
  const leafLevel = top - (k === 2 ? 1 : Math.log2(k) + 1);

  const leaf = (j: number, scale: number): Node<C> => {
    let sum: C | null = null;
    for (let i = 1; i < k; i++) {
      const c = a[j * k + i] ?? 0;
      if (c === 0 || Math.abs(c * scale) < 0.5) continue;
      const t = landAt(ev, baby[i - 1]!, leafLevel, scale, c);
      if (sum === null) sum = t;
      else {
        const next = ev.add(sum, t);
        ev.free(sum);
        ev.free(t);
        sum = next;
      }
    }
    return { ct: sum, constant: a[j * k] ?? 0 } as Node<C>;
  };

  /** Σ_{j < 2^h} q_{lo+j}·x^(jk), at leafLevel - h with exactly `scale`. */
  const node = (lo: number, h: number, scale: number): Node<C> => {
    if (lo >= leaves) return { ct: null, constant: 0 };
    if (h === 0) return leaf(lo, scale);
    const level = leafLevel - h;
    const g = giant[h - 1]!;
    const gScale = ev.meta(g).scale;
    // high·g, rescaled at level + 1, must land on `scale`: invert that product for high's target.
    const highScale = plainScaleFor((sp) => rescaledProductScale(params, gScale, sp, level + 1), scale, (p, q) => p === q);
    const high = node(lo + 2 ** (h - 1), h - 1, highScale);
    const low = node(lo, h - 1, scale);
    let product: C | null = null;
    if (high.ct !== null) {
      const lifted = high.constant === 0 ? high.ct : ev.addPlain(high.ct, high.constant);
      const raised = atLevel(ev, lifted, level + 1, lifted !== high.ct);
      product = times(raised, g);
      if (raised !== high.ct) ev.free(raised);
      ev.free(high.ct);
    } else if (high.constant !== 0) {
      // A constant high part: constant·g landed on (level, scale).
      product = landAt(ev, g, level, scale, high.constant);
    }
    if (product === null) return low.ct === null ? low : { ct: atLevel(ev, low.ct, level, true), constant: low.constant };
    if (low.ct === null) return { ct: product, constant: low.constant };
    const lowAt = atLevel(ev, low.ct, level, true);
    const sum = ev.add(product, lowAt);
    ev.free(product);
    ev.free(lowAt);
    return { ct: sum, constant: low.constant };
  };

  try {
    const target = options.scale ?? params.scale;
    const root = node(0, height, target);
    if (root.ct === null) {
      throw new HeError('INVALID_ARGUMENT', `every coefficient of degree 1 or more rounds to 0 at scale ${target}; add the constant with addPlain instead`, { coefficients: a });
    }
    if (root.constant === 0) return root.ct;
    const out = ev.addPlain(root.ct, root.constant);
    ev.free(root.ct);
    return out;
  } finally {
    owned.forEach((c) => ev.free(c));
  }
}
