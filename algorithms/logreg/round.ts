/** What both training circuits share: their configuration and the helpers that keep terms aligned on the ladder. */
import { HeError, type Evaluator } from '../../core/index.js';
import { add, freeAll, landAll, type EncodingUnit, type Encrypted, type EncryptedMatrix } from '../linalg/index.js';
import type { InputSource } from './inputs.js';
import type { SigmoidApproximation } from '../poly/index.js';

/** What both training circuits are configured with: layout, scale ladder, minibatch shape, step size and surrogate. */
export interface RoundConfig {
  /** The one encoding unit of every matrix and vector. */
  readonly unit: EncodingUnit;
  /** Scales per level (`scaleLadder(params)`): every ciphertext of a round sits on it. */
  readonly ladder: readonly number[];
  /** Rows per minibatch, b. */
  readonly batchSize: number;
  /** Features including the bias, d. */
  readonly features: number;
  /** α: each step adds α/b times the minibatch gradient. */
  readonly learningRate: number;
  /** An odd cubic surrogate of σ (e.g. `sigmoidCubic8`). */
  readonly sigmoid: SigmoidApproximation;
}

/**
 * g·σ(-t) as an odd cubic [c0, c1, 0, c3], g = α/b folded in so that the fused products cost no
 * extra level. Throws INVALID_ARGUMENT unless the surrogate is an odd cubic.
 */
export function stepCubic(config: RoundConfig): [number, number, number, number] {
  const [c0 = 0, c1 = 0, c2 = 0, c3 = 0, ...rest] = config.sigmoid.coefficients;
  if (c2 !== 0 || c3 === 0 || rest.length > 0) {
    throw new HeError('INVALID_ARGUMENT', `the training circuits fuse an odd cubic surrogate of σ; ${config.sigmoid.name} is not one`, { sigmoid: config.sigmoid.name });
  }
  const g = config.learningRate / config.batchSize;
  return [g * c0, -g * c1, 0, -g * c3];
}

export const levelOf = <C>(ev: Evaluator<C>, x: Encrypted<C>): number =>
  ev.meta((x.kind === 'matrix' ? x.tiles[0]![0] : x.tiles[0]) as C).level;

/** a + b on the ladder, the higher one landed at the lower's level first; frees a and b. */
function addAligned<C, T extends Encrypted<C>>(ev: Evaluator<C>, a: T, b: T, ladder: readonly number[]): T {
  const level = Math.min(levelOf(ev, a), levelOf(ev, b));
  const [x, y] = [a, b].map((t) => {
    if (levelOf(ev, t) === level) return t;
    const landed = landAll<C, T>(ev, t, level, ladder);
    freeAll(ev, t);
    return landed;
  }) as [T, T];
  const out = add<C, T>(ev, x, y);
  freeAll(ev, x);
  freeAll(ev, y);
  return out;
}

/** a + b on the ladder at the lower of their levels; a is kept (landed there as new tiles in one go), b freed. */
export function addToKept<C, T extends Encrypted<C>>(ev: Evaluator<C>, a: T, b: T, ladder: readonly number[]): T {
  return addAligned(ev, landAll<C, T>(ev, a, Math.min(levelOf(ev, a), levelOf(ev, b)), ladder), b, ladder);
}

/** A round's view of one input matrix: `done()` frees it if it is the round's own. */
export interface InputView<C> {
  readonly matrix: EncryptedMatrix<C>;
  done(): void;
}

/**
 * Input `name` at `level` on the ladder: the source's own tiles when they were sent there (the
 * source frees them: a copy would cost an op per tile, and on a pool often a transfer), else
 * tiles landed from them, the round's own.
 */
export function inputAt<C>(ev: Evaluator<C>, source: InputSource<C>, name: string, level: number, ladder: readonly number[]): InputView<C> {
  const sent = source.matrix(name, level);
  const tile = ev.meta(sent.tiles[0]![0]!);
  if (tile.level === level && tile.scale === ladder[level]) return { matrix: sent, done: () => {} };
  const landed = landAll(ev, sent, level, ladder);
  return { matrix: landed, done: () => freeAll(ev, landed) };
}
