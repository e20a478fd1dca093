/**
 * The client's encrypted inputs to a training round, by name:
 * - `X{k}`: minibatch k (b x d, folded rows); `XT{k}` its transpose (d x b);
 * - `M{k}`: the cross-Gram matrix X_{k+1}·X_kᵀ (b x b) and `MT{k}` its transpose (low-depth circuit);
 * - a trailing `*` marks the matrix pre-multiplied by the public constant g·s(0) (a zero-start
 *   round's first step, where σ(-0) is known and the server would otherwise spend a level on it).
 * Minibatches are numbered from 1 within a round. A circuit asks for an input at the level where
 * it is first used; the source encrypts it there (on the scale ladder), so late inputs travel small.
 */
import { HeError, type Evaluator } from '../../core/index.js';
import { encryptMatrix, freeAll, type EncodingUnit, type EncryptedMatrix } from '../linalg/index.js';

/** Hands a circuit its inputs. The source owns them: circuits never free an input. */
export interface InputSource<C> {
  /** The named input, at `level` or above. */
  matrix(name: string, level: number): EncryptedMatrix<C>;
}

const NAME = /^(X|XT|M|MT)([1-9][0-9]*)(\*?)$/;

/** The plain matrix behind an input name, from a round's minibatches and g·s(0). Throws INVALID_ARGUMENT on an unknown name. */
export function plainInput(batches: readonly (readonly Float64Array[])[], name: string, firstStepScale: number): number[][] {
  const match = NAME.exec(name);
  const k = Number(match?.[2]);
  const batch = batches[k - 1];
  const next = batches[k];
  if (!match || !batch || (match[1]!.startsWith('M') && !next)) {
    throw new HeError('INVALID_ARGUMENT', `no input "${name}" in a round of ${batches.length} minibatches`, { name });
  }
  const c = match[3] === '*' ? firstStepScale : 1;
  const rows = (m: readonly Float64Array[]): number[][] => m.map((z) => Array.from(z, (v) => c * v));
  const transpose = (m: number[][]): number[][] => (m[0] ?? []).map((_, j) => m.map((row) => row[j]!));
  const gram = (): number[][] => next!.map((a) => batch.map((b) => c * a.reduce((s, v, j) => s + v * b[j]!, 0)));
  switch (match[1]) {
    case 'X': return rows(batch);
    case 'XT': return transpose(rows(batch));
    case 'M': return gram();
    default: return transpose(gram());
  }
}

/** Ciphertext bytes SEAL serializes uncompressed: two polynomials of N coefficients per prime. */
export const ciphertextBytes = (ringDegree: number, level: number): number => 2 * ringDegree * (level + 1) * 8;

/**
 * A client in the same process: encrypts each input on its first request, at the requested level
 * with that level's ladder scale, and counts the bytes sent. A later request for a higher level
 * than the first is a circuit bug (the input already travelled smaller): INVALID_LEVEL.
 */
export class EncryptingSource<C> implements InputSource<C> {
  readonly #cache = new Map<string, EncryptedMatrix<C>>();
  #bytes = 0;

  constructor(
    private readonly ev: Evaluator<C>,
    private readonly unit: EncodingUnit,
    private readonly ladder: readonly number[],
    private readonly plain: (name: string) => number[][],
  ) {}

  matrix(name: string, level: number): EncryptedMatrix<C> {
    const cached = this.#cache.get(name);
    if (cached) {
      const have = this.ev.meta(cached.tiles[0]![0]!).level;
      if (have < level) throw new HeError('INVALID_LEVEL', `input ${name} was sent at level ${have}; a later use needs level ${level}`, { name, have, level });
      return cached;
    }
    const m = encryptMatrix(this.ev, this.unit, this.plain(name), { level, scale: this.ladder[level]! });
    this.#bytes += m.tiles.flat().length * ciphertextBytes(this.ev.params.ringDegree, level);
    this.#cache.set(name, m);
    return m;
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
