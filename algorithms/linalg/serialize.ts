/**
 * Encrypted matrices and vectors as one envelope: kind, shape, encoding unit, tile count and the
 * tiles' common level, scale and degree in the header, then the tiles' ciphertext envelopes in
 * order (row-major for a matrix). Generic over the backend through a `CiphertextCodec`; every
 * tile is checked by the codec, and against the header.
 *
 * What the header binds: the tile count to the kind, shape and unit, and every tile's level,
 * scale and degree to the header's. What it cannot bind: the tiles' contents are encrypted, so
 * a relabelling that keeps the tile count (a column vector read as a row vector under a square
 * unit, a length edited within its last tile) loads as the other object. Callers that know what
 * they expect say so (`LoadExpectation`); the training server checks every input's kind, shape,
 * unit, level and scale against its plan.
 */
import { deserializeError, openEnvelope, writeEnvelope, type CiphertextCodec, type EnvelopeKind } from '../../core/serialize/index.js';
import { HeError } from '../../core/errors.js';
import type { Encrypted, EncodingUnit } from './layout.js';

const KINDS = { matrix: 'matrix', row: 'rowVector', col: 'colVector' } as const;
const isPowerOfTwo = (x: number): boolean => x >= 1 && (x & (x - 1)) === 0;

/**
 * One envelope holding `x`'s kind, shape, encoding unit, its tiles' level, scale and degree, and
 * the tiles (each saved by `codec`). Throws INVALID_ARGUMENT when the tiles differ in level,
 * scale or degree, and what `codec.save` throws.
 */
export function saveEncrypted<C>(codec: CiphertextCodec<C>, x: Encrypted<C>): Uint8Array {
  const tiles = x.kind === 'matrix' ? x.tiles.flat() : x.tiles;
  const metas = tiles.map((t) => codec.meta(t));
  const { level, scale, degree } = metas[0]!;
  const odd = metas.findIndex((m) => m.level !== level || !Object.is(m.scale, scale) || m.degree !== degree);
  if (odd >= 0) {
    throw new HeError('INVALID_ARGUMENT', `saveEncrypted: tile ${odd} is at level ${metas[odd]!.level}, scale ${metas[odd]!.scale}, degree ${metas[odd]!.degree}; tile 0 at ${level}, ${scale}, ${degree}. Bring every tile to one level and scale first`, { tile: odd });
  }
  return writeEnvelope({
    kind: KINDS[x.kind], fingerprint: codec.fingerprint, keySet: codec.keySet,
    rows: x.kind === 'matrix' ? x.rows : x.length, cols: x.kind === 'matrix' ? x.cols : 1,
    unitHeight: x.unit.height, unitWidth: x.unit.width, count: tiles.length, level, scale, degree,
  }, tiles.map((t) => codec.save(t)));
}

/**
 * Checks shape, unit and tile count against each other and the codec's slots, and each tile's
 * envelope (kind, parameters, key set, level, scale and degree equal to the header's) before
 * loading it; if a tile fails, frees those already loaded. Throws DESERIALIZE naming the field
 * (`tiles` for a tile that disagrees with the header, with `details.tile` its index).
 */
export function loadEncrypted<C>(codec: CiphertextCodec<C>, bytes: Uint8Array): Encrypted<C> {
  const { fingerprint, keySet } = codec;
  const { header, body } = openEnvelope(bytes, { kinds: ['matrix', 'rowVector', 'colVector'], fingerprint, keySet });
  const { kind, rows, cols, unitHeight: m, unitWidth: n, count } = header;
  if (!isPowerOfTwo(m) || !isPowerOfTwo(n) || m * n !== codec.slots) {
    throw deserializeError('unitHeight', `an ${m}x${n} encoding unit does not fill ${codec.slots} slots`, { unit: [m, n] });
  }
  if (rows < 1) throw deserializeError('rows', 'an empty shape');
  if (kind === 'matrix' ? cols < 1 : cols !== 1) throw deserializeError('cols', `cols ${cols} is invalid for a ${kind}`, { cols });
  const expected = kind === 'matrix' ? Math.ceil(rows / m) * Math.ceil(cols / n) : Math.ceil(rows / (kind === 'rowVector' ? m : n));
  if (count !== expected) throw deserializeError('count', `${count} tiles where the shape needs ${expected}`, { count, expected });
  if (header.degree < 1) throw deserializeError('degree', `degree ${header.degree} is not a ciphertext's`, { degree: header.degree });
  const tiles: C[] = [];
  try {
    let offset = 0;
    for (let i = 0; i < count; i++) {
      const tile = openEnvelope(body, { kinds: ['ciphertext'], fingerprint, keySet }, offset, false);
      const t = tile.header;
      if (t.level !== header.level || !Object.is(t.scale, header.scale) || t.degree !== header.degree) {
        throw deserializeError('tiles', `tile ${i} is at level ${t.level}, scale ${t.scale}, degree ${t.degree}; the ${kind} header says ${header.level}, ${header.scale}, ${header.degree}`,
          { tile: i, level: t.level, scale: t.scale, degree: t.degree });
      }
      tiles.push(codec.load(body.subarray(offset, tile.end)));
      offset = tile.end;
    }
    if (offset !== body.length) throw deserializeError('bodyLength', `${body.length - offset} bytes follow the last tile`);
  } catch (e) {
    tiles.forEach((t) => codec.free(t));
    throw e;
  }
  const unit: EncodingUnit = Object.freeze({ height: m, width: n });
  return shaped(kind, rows, cols, unit, tiles, Math.ceil(cols / n));
}

function shaped<C>(kind: EnvelopeKind, rows: number, cols: number, unit: EncodingUnit, tiles: C[], perRow: number): Encrypted<C> {
  if (kind === 'matrix') {
    return { kind: 'matrix', rows, cols, unit, tiles: Array.from({ length: tiles.length / perRow }, (_, i) => tiles.slice(i * perRow, (i + 1) * perRow)) };
  }
  return kind === 'rowVector' ? { kind: 'row', length: rows, unit, tiles } : { kind: 'col', length: rows, unit, tiles };
}
