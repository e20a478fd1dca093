/**
 * A scale ladder: one scale S_l per level such that a product of two ciphertexts at (l, S_l),
 * rescaled, lands on (l - 1, S_{l-1}) exactly in SEAL's float64 arithmetic. Circuits that add
 * terms computed along different paths (the LR circuits) keep every ciphertext on the ladder,
 * so any two values at one level can be added without a scale fix-up.
 *
 * Built bottom-up (S_0 = params.scale, S_l = √(S_{l-1}·q_l)), where errors halve at each level,
 * then replayed top-down exactly as SEAL computes it (S_{l-1} = S_l·S_l / q_l), so SEAL's own
 * results are the ladder's rungs to the last bit. All rungs stay within a hair of params.scale.
 */
import { HeError, type CkksParams, type Evaluator } from '../core/index.js';
import { rescaledProductScale, plainScaleFor } from './poly/scales.js';

/** S_0..S_L for `params`. */
export function scaleLadder(params: CkksParams): readonly number[] {
  const ideal = [params.scale];
  for (let l = 1; l <= params.maxLevel; l++) ideal.push(Math.sqrt(ideal[l - 1]! * params.dataPrimeValues[l]!));
  const rungs = new Array<number>(params.maxLevel + 1);
  rungs[params.maxLevel] = ideal[params.maxLevel]!;
  for (let l = params.maxLevel; l > 0; l--) rungs[l - 1] = (rungs[l]! * rungs[l]!) / params.dataPrimeValues[l]!;
  return Object.freeze(rungs);
}

/**
 * c·x at `level` with exactly `scale`: x is mod-switched to level + 1, multiplied by the constant c
 * encoded at the plaintext scale that makes the rescaled result land on `scale` to the bit, and
 * rescaled. x may have any scale and is kept.
 * In: x at level > `level`, degree 1. Out: level `level`, scale `scale`.
 * Throws INVALID_LEVEL (x not above `level`) and what the ops throw.
 */
export function landAt<C>(ev: Evaluator<C>, x: C, level: number, scale: number, c = 1): C {
  const { level: from, scale: xScale } = ev.meta(x);
  if (!(from > level)) {
    throw new HeError('INVALID_LEVEL', `a ciphertext at level ${from} cannot land at level ${level}: it must start above it`, { from, level });
  }
  const near = from === level + 1 ? x : ev.dropLevelTo(x, level + 1);
  // To the bit: a rung off by an ulp would double its error at every product below.
  const plainScale = plainScaleFor((sp) => rescaledProductScale(ev.params, xScale, sp, level + 1), scale, (a, b) => a === b);
  const product = ev.mulPlain(near, c, plainScale);
  if (near !== x) ev.free(near);
  const out = ev.rescale(product);
  ev.free(product);
  return out;
}

/** c·x at `level` on the ladder (scale ladder[level]); see `landAt`. Throws INVALID_LEVEL. */
export function landOnLadder<C>(ev: Evaluator<C>, x: C, level: number, ladder: readonly number[], c = 1): C {
  const target = ladder[level];
  if (target === undefined) throw new HeError('INVALID_LEVEL', `level ${level} is not on the ladder (0..${ladder.length - 1})`, { level });
  return landAt(ev, x, level, target, c);
}
