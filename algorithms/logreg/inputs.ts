/**
 * The client's encrypted inputs to a training round, by name:
 * - `X{k}`: minibatch k (b x d, folded rows); `XT{k}` its transpose (d x b);
 * - `M{k}`: the cross-Gram matrix X_{k+1}·X_kᵀ (b x b) and `MT{k}` its transpose (low-depth circuit);
 * - `WC1`, `WR1`, `UC1`, `UR1`: a zero-start low-depth round's first step, which depends on the
 *   data alone (σ(-0) is public): w_1 = g·s(0)·X_1ᵀ1 and u_2 = X_2·w_1, each sent in the vector
 *   layout the circuit carries it in (column `C`, row `R`), as the matrix that layout is (`WC1`
 *   m x d and `UC1` m x b with every row the vector, `WR1` d x n and `UR1` b x n with every
 *   column the vector, for an m x n unit), so the server spends no rotation summing it.
 * Minibatches are numbered from 1 within a round. A circuit asks for an input at the level where
 * it is first used; the source encrypts it there (on the scale ladder), so late inputs travel small.
 */
import { HeError, type EncryptOptions, type Evaluator } from '../../core/index.js';
import { encryptMatrix, freeAll, type EncodingUnit, type EncryptedMatrix } from '../linalg/index.js';

/** Hands a circuit its inputs. The source owns them: circuits never free an input. */
export interface InputSource<C> {
  /** The named input, at `level` or above; the source's own (freed by it: the caller must not free it). */
  matrix(name: string, level: number): EncryptedMatrix<C>;
}

const NAME = /^(X|XT|M|MT|WC|WR|UC|UR)([1-9][0-9]*)$/;
/** The first step's vectors: w_1 (`W`) and u_2 (`U`) in column (`C`) or row (`R`) layout. */
const FIRST_STEP = /^[WU][CR]$/;

/**
 * The [rows, cols] of a named input in `unit` (m x n): X b x d, XT d x b, M and MT b x b; WC m x d,
 * WR d x n, UC m x b, UR b x n. Throws INVALID_ARGUMENT on an unknown name.
 */
export function inputShape(name: string, batchSize: number, features: number, unit: EncodingUnit): [number, number] {
  const kind = NAME.exec(name)?.[1];
  if (kind === undefined) throw new HeError('INVALID_ARGUMENT', `no input "${name}"`, { name });
  const { height: m, width: n } = unit;
  const shapes: Record<string, [number, number]> = {
    X: [batchSize, features], XT: [features, batchSize], M: [batchSize, batchSize], MT: [batchSize, batchSize], WC: [m, features], WR: [features, n], UC: [m, batchSize], UR: [batchSize, n],
  };
  return shapes[kind]!;
}

/**
 * The plain matrix behind an input name, from a round's minibatches, g·s(0) and the unit (for the
 * first step's vectors). Throws INVALID_ARGUMENT on an unknown name.
 */
export function plainInput(batches: readonly (readonly Float64Array[])[], name: string, firstStepScale: number, unit?: EncodingUnit): number[][] {
  return plainInputs(batches, firstStepScale, unit)(name);
}

/**
 * Cross-Gram products by their minibatches (the row arrays themselves, held weakly): planning
 * dry-runs and simulates rounds over the same minibatches dozens of times, and each product
 * costs b·b·d multiply-adds (a seventh of the default request's planning when recomputed). Minibatches
 * are read-only, so a product stays right while its key lives.
 */
const GRAMS = new WeakMap<readonly Float64Array[], WeakMap<readonly Float64Array[], Float64Array[]>>();

/** next·batchᵀ, computed once while both minibatches live. */
function cachedGram(next: readonly Float64Array[], batch: readonly Float64Array[]): Float64Array[] {
  let byBatch = GRAMS.get(next);
  if (!byBatch) GRAMS.set(next, (byBatch = new WeakMap()));
  let g = byBatch.get(batch);
  if (!g) byBatch.set(batch, (g = gram(next, batch)));
  return g;
}

/**
 * `plainInput` for one round: each cross-Gram product (b·b·d multiply-adds) is computed once
 * and serves M{k} and MT{k}, in this round and any other over the same minibatches. `unit` is
 * needed for the first step's vectors only.
 */
export function plainInputs(batches: readonly (readonly Float64Array[])[], firstStepScale: number, unit?: EncodingUnit): (name: string) => number[][] {
  return (name) => {
    const match = NAME.exec(name);
    const [kind = '', k] = [match?.[1], Number(match?.[2])];
    const batch = batches[k - 1];
    const next = batches[k];
    const firstStep = FIRST_STEP.test(kind);
    if (!match || !batch || ((kind.startsWith('M') || kind.startsWith('U')) && !next) || (firstStep && (k !== 1 || unit === undefined))) {
      throw new HeError('INVALID_ARGUMENT', `no input "${name}" in a round of ${batches.length} minibatches${firstStep && unit === undefined ? ' without an encoding unit' : ''}`, { name });
    }
    if (kind === 'X') return scaledRows(batch, 1, false);
    if (kind === 'XT') return scaledRows(batch, 1, true);
    if (!firstStep) return scaledRows(cachedGram(next!, batch), 1, kind === 'MT');
    // w_1 = g·s(0)·Σ_i x_i; u_2 = X_2·w_1.
    const w = new Float64Array(batch[0]?.length ?? 0);
    for (const x of batch) x.forEach((v, t) => (w[t]! += firstStepScale * v));
    const v = Array.from(kind.startsWith('W') ? w : rowsTimes(next!, w));
    const { height: m, width: n } = unit!;
    // Column layout: m rows, each the vector; row layout: the vector down the rows, copied into n columns.
    return kind.endsWith('C') ? Array.from({ length: m }, () => [...v]) : v.map((x) => new Array<number>(n).fill(x));
  };
}

/** X·w for the rows of X: the u the low-depth circuit carries, as the client computes it in the clear. */
export function rowsTimes(rows: readonly Float64Array[], w: Float64Array): Float64Array {
  return Float64Array.from(rows, (x) => x.reduce((sum, xt, t) => sum + xt * w[t]!, 0));
}

/**
 * a·bᵀ, entry (i, j) summed over t in order from 0, as `reduce` would. Two rows of a against four
 * of b per pass: eight independent sums hide the add latency, about 4x faster than one at a time.
 * Indices past the end are clamped (the sums are recomputed; stores past a typed array's end are dropped).
 */
function gram(a: readonly Float64Array[], b: readonly Float64Array[]): Float64Array[] {
  const rows = a.length, cols = b.length, d = a[0]?.length ?? 0;
  const flat = (m: readonly Float64Array[]): Float64Array => {
    const f = new Float64Array(m.length * d);
    m.forEach((row, i) => f.set(row, i * d));
    return f;
  };
  const x = flat(a), y = flat(b);
  const out = a.map(() => new Float64Array(cols));
  for (let i = 0; i < rows; i += 2) {
    const i1 = Math.min(i + 1, rows - 1);
    const p0 = i * d, p1 = i1 * d, r0 = out[i]!, r1 = out[i1]!;
    for (let j = 0; j < cols; j += 4) {
      const o0 = j * d, o1 = Math.min(j + 1, cols - 1) * d, o2 = Math.min(j + 2, cols - 1) * d, o3 = Math.min(j + 3, cols - 1) * d;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      for (let t = 0; t < d; t++) {
        const u = x[p0 + t]!, v = x[p1 + t]!, y0 = y[o0 + t]!, y1 = y[o1 + t]!, y2 = y[o2 + t]!, y3 = y[o3 + t]!;
        s00 += u * y0; s01 += u * y1; s02 += u * y2; s03 += u * y3;
        s10 += v * y0; s11 += v * y1; s12 += v * y2; s13 += v * y3;
      }
      r0[j] = s00; r0[j + 1] = s01; r0[j + 2] = s02; r0[j + 3] = s03;
      r1[j] = s10; r1[j + 1] = s11; r1[j + 2] = s12; r1[j + 3] = s13;
    }
  }
  return out;
}

/** c·m, or c·mᵀ, as the nested arrays `encryptMatrix` takes. */
function scaledRows(m: readonly Float64Array[], c: number, transpose: boolean): number[][] {
  const rows = m.length, cols = m[0]?.length ?? 0;
  const out: number[][] = [];
  for (let i = 0; i < (transpose ? cols : rows); i++) {
    const row = new Array<number>(transpose ? rows : cols);
    if (transpose) for (let j = 0; j < rows; j++) row[j] = c * m[j]![i]!;
    else for (let j = 0; j < cols; j++) row[j] = c * m[i]![j]!;
    out.push(row);
  }
  return out;
}

/** Ciphertext bytes SEAL serializes uncompressed: two polynomials of N coefficients per prime. */
export const ciphertextBytes = (ringDegree: number, level: number): number => 2 * ringDegree * (level + 1) * 8;

/**
 * What an `EncryptingSource` encrypts: each input's values by name, or only its [rows, cols]
 * (`shapeOf`), each tile an encryption of zero: for metadata-only runs (`analyze`), which never
 * read a value, the same ops, levels and bytes without building the plain matrices.
 */
export type InputValues = ((name: string) => number[][]) | {
  /** The named input's [rows, cols] (`inputShape`). */
  readonly shapeOf: (name: string) => readonly [number, number];
};

/**
 * A client in the same process: encrypts each input on its first request, at the requested level
 * with that level's ladder scale, and counts the bytes sent. The client holds the secret key, so
 * it encrypts with it (SEAL's symmetric encryption: at N = 8192 about a third of the public-key
 * encryption's time, and a smaller error). A later request for a higher level
 * than the first is a circuit bug (the input already travelled smaller): INVALID_LEVEL.
 */
export class EncryptingSource<C> implements InputSource<C> {
  readonly #cache = new Map<string, EncryptedMatrix<C>>();
  #bytes = 0;

  constructor(
    private readonly ev: Evaluator<C>,
    private readonly unit: EncodingUnit,
    private readonly ladder: readonly number[],
    private readonly plain: InputValues,
  ) {}

  matrix(name: string, level: number): EncryptedMatrix<C> {
    const cached = this.#cache.get(name);
    if (cached) {
      const have = this.ev.meta(cached.tiles[0]![0]!).level;
      if (have < level) throw new HeError('INVALID_LEVEL', `input ${name} was sent at level ${have}; a later use needs level ${level}`, { name, have, level });
      return cached;
    }
    const options = { level, scale: this.ladder[level]!, symmetric: true };
    const m = typeof this.plain === 'function' ? encryptMatrix(this.ev, this.unit, this.plain(name), options) : this.#zeros(this.plain.shapeOf(name), options);
    this.#bytes += m.tiles.flat().length * ciphertextBytes(this.ev.params.ringDegree, level);
    this.#cache.set(name, m);
    return m;
  }

  /** A rows x cols matrix of encrypted zeros in the unit's tiles. */
  #zeros([rows, cols]: readonly [number, number], options: EncryptOptions): EncryptedMatrix<C> {
    const { height: m, width: n } = this.unit;
    const tiles = Array.from({ length: Math.ceil(rows / m) }, () => Array.from({ length: Math.ceil(cols / n) }, () => this.ev.encrypt(0, options)));
    return { kind: 'matrix', rows, cols, unit: this.unit, tiles };
  }

  /** Levels each input was sent at, by name. */
  levels(): Map<string, number> {
    return new Map([...this.#cache].map(([name, m]) => [name, this.ev.meta(m.tiles[0]![0]!).level]));
  }

  /** Uncompressed ciphertext bytes sent so far. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Frees every input sent. */
  free(): void {
    for (const m of this.#cache.values()) freeAll(this.ev, m);
    this.#cache.clear();
  }
}
