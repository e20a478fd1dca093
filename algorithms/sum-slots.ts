import { HeError, type Evaluator, type PlainInput } from '../core/index.js';
import { rotateAndAdd } from './steps.js';

/** Rotation steps `sumSlots(ev, x, width)` needs: 1, 2, 4, ..., width/2. */
export function sumSlotsRotations(width: number): number[] {
  checkWidth(width, Infinity);
  const steps: number[] = [];
  for (let s = 1; s < width; s *= 2) steps.push(s);
  return steps;
}

/**
 * Sums each run of `width` consecutive slots by rotate-and-add: slot i receives
 * x[i] + x[i+1] + ... + x[i+width-1] (indices modulo the slot count), so slot 0 of every
 * width-aligned block holds that block's sum; with width = slots, every slot holds the total.
 * In: degree 1, level l, scale s. Out: a new ciphertext, degree 1, level l, scale s.
 * Depth 0 · Rotations 1, 2, 4, ..., width/2 · Throws INVALID_ARGUMENT (width not a power of two in [2, slots]), MISSING_ROTATION_KEY.
 */
export function sumSlots<C>(ev: Evaluator<C>, x: C, width: number): C {
  checkWidth(width, ev.params.slots);
  return rotateAndAdd(ev, x, sumSlotsRotations(width));
}

/**
 * Inner product of encrypted x with public w over the first `width` slots, in slot 0
 * (and in every slot when width = slots). The product is rescaled before summing, so the
 * rotations run on the smaller ciphertext.
 * In: degree 1, level l >= 1, scale s. Out: degree 1, level l-1, scale s*sw/q_l (sw = plainScale).
 * Depth 1 · Rotations 1, 2, ..., width/2 · Throws LEVEL_EXHAUSTED, MISSING_ROTATION_KEY, INVALID_ARGUMENT.
 */
export function innerProductPlain<C>(ev: Evaluator<C>, x: C, w: PlainInput, width: number, plainScale?: number): C {
  checkWidth(width, ev.params.slots);
  const product = ev.mulPlain(x, w, plainScale);
  const rescaled = ev.rescale(product);
  ev.free(product);
  const sum = sumSlots(ev, rescaled, width);
  ev.free(rescaled);
  return sum;
}

function checkWidth(width: number, slots: number): void {
  if (!Number.isInteger(width) || width < 2 || (width & (width - 1)) !== 0 || width > slots) {
    throw new HeError('INVALID_ARGUMENT', `width ${width} must be a power of two between 2 and ${slots}`, { width, slots });
  }
}
