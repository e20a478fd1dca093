/** Small steps every circuit repeats, each freeing what it consumes. */
import type { Evaluator } from '../core/index.js';

/** Relinearizes and rescales a product (one level), freeing it; a product by a plaintext (degree 1) is only rescaled. */
export function settle<C>(ev: Evaluator<C>, product: C): C {
  if (ev.meta(product).degree === 1) {
    const out = ev.rescale(product);
    ev.free(product);
    return out;
  }
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

/** Σ xs in order, intermediates freed, xs kept; `fresh` is false when the sum is xs[0] itself. */
function addUp<C>(ev: Evaluator<C>, xs: readonly C[]): { sum: C; fresh: boolean } {
  let sum = xs[0] as C;
  let fresh = false;
  for (const t of xs.slice(1)) {
    const next = ev.add(sum, t);
    if (fresh) ev.free(sum);
    [sum, fresh] = [next, true];
  }
  return { sum, fresh };
}

/**
 * Σ `tiles`, of degree 1; the tiles are kept. Tiles of degree 2 are pending products (neither
 * relinearized nor rescaled): they are summed first, then relinearized and rescaled once, so the
 * sum costs one key switch instead of one per product, and one rounding; the other tiles must sit
 * where that rescale lands (else LEVEL_MISMATCH, SCALE_MISMATCH).
 */
function sumTiles<C>(ev: Evaluator<C>, tiles: readonly C[]): { sum: C; fresh: boolean } {
  const pending = tiles.filter((t) => ev.meta(t).degree > 1);
  if (pending.length === 0) return addUp(ev, tiles);
  const raw = addUp(ev, pending);
  const relin = ev.relinearize(raw.sum);
  if (raw.fresh) ev.free(raw.sum);
  const product = ev.rescale(relin);
  ev.free(relin);
  const total = addUp(ev, [product, ...tiles.filter((t) => ev.meta(t).degree === 1)]);
  if (total.sum !== product) ev.free(product);
  return { sum: total.sum, fresh: true };
}

/**
 * Σ `tiles` (pending products among them relinearized and rescaled once, as above), then
 * rotate-and-add over `steps`: always a new ciphertext of degree 1; the tiles are kept.
 */
export function sumAndRotate<C>(ev: Evaluator<C>, tiles: readonly C[], steps: readonly number[]): C {
  const { sum, fresh } = sumTiles(ev, tiles);
  const out = rotateAndAdd(ev, sum, steps);
  if (out !== sum) {
    if (fresh) ev.free(sum);
    return out;
  }
  // One settled tile and no steps: the sum is the input itself; hand back a copy (dropping to its own level).
  return fresh ? sum : ev.dropLevelTo(sum, ev.meta(sum).level);
}
