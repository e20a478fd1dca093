/**
 * Linear-algebra envelopes bound to their tiles (issue 20 item 3): forged headers with every
 * checksum recomputed, tiles that disagree with the header, and objects of another key set.
 */
import { crc32 } from '@foxglove/crc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSealBackend, sealCiphertextCodec } from '../../backends/seal/index.js';
import type { Backend, Ciphertext } from '../../core/index.js';
import { KIND_CODES, writeEnvelope, type CiphertextCodec } from '../../core/serialize/index.js';
import { thrown } from '../../property-tests/thrown.js';
import { decryptColVector, encodingUnit, encryptColVector, encryptMatrix, loadEncrypted, saveEncrypted, type Encrypted } from './index.js';

const LITERAL = { ringDegree: 4096, bitSizes: [30, 25, 54], scale: 2 ** 25 };

/** `bytes` with `edit` applied to its outer header and the checksum recomputed, as a forger would. */
function forged(bytes: Uint8Array, edit: (view: DataView) => void): Uint8Array {
  const out = bytes.slice();
  const view = new DataView(out.buffer);
  edit(view);
  view.setUint32(76, 0, true);
  view.setUint32(76, crc32(out), true);
  return out;
}

const tilesOf = (x: Encrypted<Ciphertext>) => (x.kind === 'matrix' ? x.tiles.flat() : x.tiles);

describe('linalg envelopes bound to their tiles (SEAL, N = 4096)', () => {
  let b: Backend;
  let codec: CiphertextCodec<Ciphertext>;
  const unit = encodingUnit(16, 2048); // 16 x 128: a row vector of 20 needs 2 tiles, a column vector 1
  beforeAll(async () => {
    b = await createSealBackend(LITERAL);
    codec = sealCiphertextCodec(b, { compression: 'none' });
  });
  afterAll(() => b.dispose());

  const refusal = (f: () => unknown, field: string) => {
    const e = thrown(f);
    expect([e.code, e.details['field']]).toEqual(['DESERIALIZE', field]);
    expect(b.memory().ciphertexts).toBe(0);
    return e;
  };

  it('writes the tiles\' level, scale and degree in the header and loads them back', () => {
    const v = encryptColVector(b, unit, Array.from({ length: 20 }, (_, i) => i / 10));
    const bytes = saveEncrypted(codec, v);
    const view = new DataView(bytes.buffer);
    expect([view.getUint32(40, true), view.getUint32(44, true), view.getFloat64(48, true)]).toEqual([b.params.maxLevel, 1, b.params.scale]);
    const back = loadEncrypted(codec, bytes);
    const values = back.kind === 'col' ? decryptColVector(b, back) : new Float64Array(3).fill(NaN);
    [...tilesOf(v), ...tilesOf(back)].forEach((t) => t.dispose());
    [0, 0.1, 0.2].forEach((x, i) => expect(Math.abs(values[i]! - x)).toBeLessThan(1e-3));
  });

  it('refuses a forged kind or shape whose tile count disagrees, and a forged level, scale or degree, before loading a tile', () => {
    const v = encryptColVector(b, unit, Array.from({ length: 20 }, () => 1));
    const m = encryptMatrix(b, unit, [[1, 2, 3], [4, 5, 6]]);
    const col = saveEncrypted(codec, v);
    const matrix = saveEncrypted(codec, m);
    [...tilesOf(v), ...tilesOf(m)].forEach((t) => t.dispose());
    refusal(() => loadEncrypted(codec, forged(col, (h) => h.setUint8(6, KIND_CODES.rowVector))), 'count');
    refusal(() => loadEncrypted(codec, forged(col, (h) => h.setUint32(56, 200, true))), 'count');
    refusal(() => loadEncrypted(codec, forged(matrix, (h) => h.setUint32(60, 300, true))), 'count');
    refusal(() => loadEncrypted(codec, forged(col, (h) => h.setUint8(6, KIND_CODES.matrix))), 'count');
    expect(refusal(() => loadEncrypted(codec, forged(matrix, (h) => h.setUint32(40, 0, true))), 'tiles').details['tile']).toBe(0);
    refusal(() => loadEncrypted(codec, forged(matrix, (h) => h.setFloat64(48, 2 ** 24, true))), 'tiles');
    refusal(() => loadEncrypted(codec, forged(matrix, (h) => h.setUint32(44, 2, true))), 'tiles');
    refusal(() => loadEncrypted(codec, forged(matrix, (h) => h.setUint32(44, 0, true))), 'degree');
  });

  it('refuses a matrix whose tiles differ in level, scale or degree: saving throws INVALID_ARGUMENT, a forged one DESERIALIZE on tiles', () => {
    const m = encryptMatrix(b, unit, Array.from({ length: 20 }, () => [1, 2]));
    const tiles = tilesOf(m);
    expect(tiles).toHaveLength(2);
    const lower = b.dropLevelTo(tiles[1]!, 0);
    const mixed: Encrypted<Ciphertext> = { ...m, tiles: [[tiles[0]!], [lower]] };
    expect(thrown(() => saveEncrypted(codec, mixed)).code).toBe('INVALID_ARGUMENT');
    // A forger writes the envelope by hand: the header from tile 0, tile 1 one level down.
    const bytes = writeEnvelope({
      kind: 'matrix', fingerprint: codec.fingerprint, keySet: codec.keySet, rows: 20, cols: 2, unitHeight: 16, unitWidth: 128, count: 2,
      level: tiles[0]!.level, scale: tiles[0]!.scale, degree: 1,
    }, [codec.save(tiles[0]!), codec.save(lower)]);
    [...tiles, lower].forEach((t) => t.dispose());
    expect(refusal(() => loadEncrypted(codec, bytes), 'tiles').details['tile']).toBe(1);
  });

  it('refuses a vector of another key pair with the same parameters on keySet', async () => {
    const other = await createSealBackend(LITERAL);
    try {
      const v = encryptColVector(other, unit, [1, 2, 3]);
      const bytes = saveEncrypted(sealCiphertextCodec(other), v);
      tilesOf(v).forEach((t) => t.dispose());
      refusal(() => loadEncrypted(codec, bytes), 'keySet');
      // With the outer key set forged, the first tile's own key set still says so.
      refusal(() => loadEncrypted(codec, forged(bytes, (h) => new Uint8Array(h.buffer).set(codec.keySet, 96))), 'keySet');
    } finally {
      other.dispose();
    }
  });

  it('documents the limit: a relabelling that keeps the tile count loads as the other object (contents are encrypted)', () => {
    // Length 3 fits one tile either way: ceil(3 / 16) = ceil(3 / 128) = 1.
    const v = encryptColVector(b, unit, [1, 2, 3]);
    const bytes = saveEncrypted(codec, v);
    tilesOf(v).forEach((t) => t.dispose());
    const relabelled = loadEncrypted(codec, forged(bytes, (h) => h.setUint8(6, KIND_CODES.rowVector)));
    expect([relabelled.kind, relabelled.kind !== 'matrix' && relabelled.length]).toEqual(['row', 3]);
    tilesOf(relabelled).forEach((t) => t.dispose());
  });
});
