/**
 * Encrypted matrices and vectors as one envelope: kind, shape, encoding unit and tile count in
 * the header, then the tiles' ciphertext envelopes in order (row-major for a matrix). Generic
 * over the backend through a `CiphertextCodec`; every tile is checked by the codec.
 */
import { deserializeError, openEnvelope, writeEnvelope, type CiphertextCodec, type EnvelopeKind } from '../../core/serialize/index.js';
import type { Encrypted, EncodingUnit } from './layout.js';

const KINDS = { matrix: 'matrix', row: 'rowVector', col: 'colVector' } as const;
const isPowerOfTwo = (x: number): boolean => x >= 1 && (x & (x - 1)) === 0;

/** One envelope holding `x`'s kind, shape, encoding unit and tiles (each saved by `codec`). Throws what `codec.save` throws. */
export function saveEncrypted<C>(codec: CiphertextCodec<C>, x: Encrypted<C>): Uint8Array {
  const tiles = x.kind === 'matrix' ? x.tiles.flat() : x.tiles;
  return writeEnvelope({
    kind: KINDS[x.kind], fingerprint: codec.fingerprint, keySet: codec.keySet,
    rows: x.kind === 'matrix' ? x.rows : x.length, cols: x.kind === 'matrix' ? x.cols : 1,
    unitHeight: x.unit.height, unitWidth: x.unit.width, count: tiles.length,
  }, tiles.map((t) => codec.save(t)));
}

/**
 * Checks shape, unit and tile count against each other and the codec's slots before loading
 * any tile; if a tile fails, frees those already loaded. Throws DESERIALIZE naming the field.
 */
export function loadEncrypted<C>(codec: CiphertextCodec<C>, bytes: Uint8Array): Encrypted<C> {
  const { header, body } = openEnvelope(bytes, { kinds: ['matrix', 'rowVector', 'colVector'], fingerprint: codec.fingerprint, keySet: codec.keySet });
  const { kind, rows, cols, unitHeight: m, unitWidth: n, count } = header;
  if (!isPowerOfTwo(m) || !isPowerOfTwo(n) || m * n !== codec.slots) {
    throw deserializeError('unitHeight', `an ${m}x${n} encoding unit does not fill ${codec.slots} slots`, { unit: [m, n] });
  }
  if (rows < 1) throw deserializeError('rows', 'an empty shape');
  if (kind === 'matrix' ? cols < 1 : cols !== 1) throw deserializeError('cols', `cols ${cols} is invalid for a ${kind}`, { cols });
  const expected = kind === 'matrix' ? Math.ceil(rows / m) * Math.ceil(cols / n) : Math.ceil(rows / (kind === 'rowVector' ? m : n));
  if (count !== expected) throw deserializeError('count', `${count} tiles where the shape needs ${expected}`, { count, expected });
  const tiles: C[] = [];
  try {
    let offset = 0;
    for (let i = 0; i < count; i++) {
      const { end } = openEnvelope(body, { kinds: ['ciphertext'], fingerprint: codec.fingerprint, keySet: codec.keySet }, offset, false);
      tiles.push(codec.load(body.subarray(offset, end)));
      offset = end;
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
