/** Small steps every circuit repeats, each freeing what it consumes. */
import type { Evaluator } from '../core/index.js';

/** Relinearizes and rescales a product (one level), freeing it. */
export function settle<C>(ev: Evaluator<C>, product: C): C {
  const relin = ev.relinearize(product);
  ev.free(product);
  const out = ev.rescale(relin);
  ev.free(relin);
  return out;
}

/** x + rotate(x, s) for each step in turn: a new ciphertext (x itself when there are no steps); x is kept. */
export function rotateAndAdd<C>(ev: Evaluator<C>, x: C, steps: readonly number[]): C {
  let acc = x;
  for (const s of steps) {
    const rotated = ev.rotate(acc, s);
    const next = ev.add(acc, rotated);
    ev.free(rotated);
    if (acc !== x) ev.free(acc);
    acc = next;
  }
  return acc;
}

/** `x` dropped to `level` (x itself if already there); frees x when it dropped and `owned`. */
export function atLevel<C>(ev: Evaluator<C>, x: C, level: number, owned: boolean): C {
  if (ev.meta(x).level === level) return x;
  const out = ev.dropLevelTo(x, level);
  if (owned) ev.free(x);
  return out;
}

/** acc + x (x itself when acc is empty), freeing both inputs once added. */
export function accumulate<C>(ev: Evaluator<C>, acc: C | undefined, x: C): C {
  if (acc === undefined) return x;
  const next = ev.add(acc, x);
  ev.free(acc);
  ev.free(x);
  return next;
}

/** Σ `tiles`, then rotate-and-add over `steps`: always a new ciphertext; the tiles are kept. */
export function sumAndRotate<C>(ev: Evaluator<C>, tiles: readonly C[], steps: readonly number[]): C {
  const first = tiles[0] as C;
  let sum = first;
  for (const t of tiles.slice(1)) {
    const next = ev.add(sum, t);
    if (sum !== first) ev.free(sum);
    sum = next;
  }
  const out = rotateAndAdd(ev, sum, steps);
  if (out !== sum) {
    if (sum !== first) ev.free(sum);
    return out;
  }
  // One tile and no steps: the sum is the input itself; hand back a copy (dropping to its own level).
  return sum === first ? ev.dropLevelTo(first, ev.meta(first).level) : sum;
}
