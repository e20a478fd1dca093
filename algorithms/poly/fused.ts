/**
 * An odd cubic fused into a following slot-wise product (PAPER.md §3.2, HHCP's trick):
 *   a ∘ s(u) = c0·a + (c3·a) ∘ u ∘ (u² + c1/c3)   for s(u) = c0 + c1·u + c3·u³,
 * two levels from u instead of the three of "s(u), then multiply". Both LR circuits use it,
 * with the learning rate folded into the coefficients.
 */
import { HeError, type Evaluator } from '../../core/index.js';
import { atLevel as at, settle } from '../steps.js';
import { plainScaleFor, rescaledProductScale } from './scales.js';

/** [c0, c1, c3] of an odd cubic [c0, c1, 0, c3] with c3 ≠ 0; throws INVALID_ARGUMENT otherwise. */
export function oddCubic(cubic: readonly number[]): [number, number, number] {
  const [c0 = 0, c1 = 0, c2 = 0, c3 = 0, ...rest] = cubic;
  if (c2 !== 0 || c3 === 0 || rest.some((c) => c !== 0) || ![c0, c1, c3].every(Number.isFinite)) {
    throw new HeError('INVALID_ARGUMENT', 'a fused product takes an odd cubic [c0, c1, 0, c3] with c3 ≠ 0', { cubic: [...cubic] });
  }
  return [c0, c1, c3];
}

/**
 * a ∘ s(u) slot-wise, s(u) = c0 + c1·u + c3·u³ (`cubic` = [c0, c1, 0, c3], c3 ≠ 0).
 * In: u at level l >= 2, a at level >= l + 1 (else one level more), degree 1.
 * Out: degree 1, level l - 2, the scale of (c3·a ∘ u) ∘ (u² + c1/c3).
 * Depth 2 from u · Throws INVALID_ARGUMENT (not an odd cubic), LEVEL_EXHAUSTED, and what the ops throw.
 */
export function fusedCubicProduct<C>(ev: Evaluator<C>, a: C, u: C, cubic: readonly number[]): C {
  const [c0, c1, c3] = oddCubic(cubic);
  const { params } = ev;
  const u2 = settle(ev, ev.square(u));
  const v = ev.addPlain(u2, c1 / c3);
  ev.free(u2);
  const c3a = settle(ev, ev.mulPlain(a, c3));
  const level = Math.min(ev.meta(c3a).level, ev.meta(u).level);
  const left = at(ev, c3a, level, true);
  const right = at(ev, u, level, false);
  const au = settle(ev, ev.mul(left, right));
  ev.free(left);
  if (right !== u) ev.free(right);
  const both = Math.min(ev.meta(au).level, ev.meta(v).level);
  const x = at(ev, au, both, true), y = at(ev, v, both, true);
  const main = settle(ev, ev.mul(x, y));
  ev.free(x);
  ev.free(y);
  if (c0 === 0) return main;
  // c0·a, its plaintext scale solved so that it lands on main's scale exactly.
  const target = ev.meta(main).scale;
  const aMeta = ev.meta(a);
  const plainScale = plainScaleFor((sp) => rescaledProductScale(params, aMeta.scale, sp, aMeta.level), target);
  const scaled = ev.mulPlain(a, c0, plainScale);
  const c0a = ev.rescale(scaled);
  ev.free(scaled);
  const c0aLow = at(ev, c0a, ev.meta(main).level, true);
  const result = ev.add(main, c0aLow);
  ev.free(main);
  ev.free(c0aLow);
  return result;
}
