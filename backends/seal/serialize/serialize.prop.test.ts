/**
 * Fuzzing every loader with fast-check (seed pinned). Each case is a saved object, mutated:
 * truncated, one bit flipped, random garbage, or "forged" (a flip, a wrong kind, a huge
 * declared size or a foreign fingerprint, with every checksum recomputed so the mutation
 * reaches the structural checks). Property: the loader throws DESERIALIZE (PARAMS_INSECURE
 * allowed for parameters), never from SEAL's own loader (`details.stage` is never 'seal'),
 * or it loads an object whose metadata equals the original's: a forged flip inside polynomial
 * data still gives reduced coefficients, which SEAL rightly accepts as a valid ciphertext.
 * Afterwards no handle is left (`memory().ciphertexts` unchanged) and the backend still
 * computes. Hundreds of cases reach the structural checks; a refusal from SEAL's own loader would
 * show as `details.stage` 'seal', which fails the property (a process survives about 340 such
 * refusals, measured without hekit's checks: breaking it is not what this suite relies on).
 */
import { crc32 } from '@foxglove/crc';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeError, loadParams, saveParams, type Backend, type Ciphertext } from '../../../core/index.js';
import { encodingUnit, encryptMatrix, loadEncrypted, saveEncrypted, decryptMatrix } from '../../../algorithms/linalg/index.js';
import {
  createSealBackend, createSealClientBackend, createSealServerBackend, exportSecretKey, exportServerKeys, loadCiphertext, saveCiphertext,
  sealCiphertextCodec,
} from '../index.js';

const SEED = 20_260_808;
const HEADER = 128;

/** Recomputes the checksum of every envelope reachable from `offset` (inner ones first), as a forger would. */
function reseal(bytes: Uint8Array, offset = 0): void {
  if (bytes.length - offset < HEADER) return;
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset);
  const kind = view.getUint8(6);
  const length = view.getBigUint64(80, true);
  if (length > BigInt(bytes.length - offset - HEADER)) return;
  if ([7, 8, 9, 10].includes(kind)) {
    const end = offset + HEADER + Number(length);
    for (let at = offset + HEADER; at + HEADER <= end;) {
      const inner = new DataView(bytes.buffer, bytes.byteOffset + at).getBigUint64(80, true);
      if (inner > BigInt(end - at - HEADER)) break;
      reseal(bytes, at);
      at += HEADER + Number(inner);
    }
  }
  view.setUint32(76, 0, true);
  view.setUint32(76, crc32(bytes.subarray(offset, offset + HEADER + Number(length))), true);
}

type Mutation =
  | { type: 'truncate'; at: number }
  | { type: 'flip'; at: number; bit: number; forge: boolean }
  | { type: 'kind'; kind: number }
  | { type: 'huge'; at: number }
  | { type: 'fingerprint'; byte: number }
  | { type: 'garbage'; bytes: Uint8Array };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ type: fc.constant('truncate' as const), at: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }) }),
  fc.record({ type: fc.constant('flip' as const), at: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), bit: fc.integer({ min: 0, max: 7 }), forge: fc.boolean() }),
  // Header flips are the likeliest to reach every check: weight them.
  fc.record({ type: fc.constant('flip' as const), at: fc.integer({ min: 0, max: 300 }).map((i) => -1 - i), bit: fc.integer({ min: 0, max: 7 }), forge: fc.boolean() }),
  fc.record({ type: fc.constant('kind' as const), kind: fc.integer({ min: 0, max: 12 }) }),
  fc.record({ type: fc.constant('huge' as const), at: fc.constantFrom(80, HEADER + 8, HEADER + 16 + 73 + 8, HEADER + 16 + 32 + 1) }),
  fc.record({ type: fc.constant('fingerprint' as const), byte: fc.integer({ min: 8, max: 39 }) }),
  fc.record({ type: fc.constant('garbage' as const), bytes: fc.uint8Array({ maxLength: 400 }) }),
);

/** The mutated copy. A negative `at` counts header-and-near bytes from the start; in [0, 1) it is a fraction of the length. */
function mutate(original: Uint8Array, m: Mutation): Uint8Array {
  const bytes = original.slice();
  const position = (at: number) => (at < 0 ? Math.min(-1 - at, bytes.length - 1) : Math.floor(at * bytes.length));
  switch (m.type) {
    case 'truncate': return bytes.slice(0, position(m.at));
    case 'garbage': return m.bytes;
    case 'flip': {
      const i = position(m.at);
      bytes[i] = (bytes[i] as number) ^ (1 << m.bit);
      if (m.forge) reseal(bytes);
      return bytes;
    }
    case 'kind': bytes[6] = m.kind; break;
    case 'huge': new DataView(bytes.buffer).setBigUint64(Math.min(m.at, bytes.length - 8), 0xffff_ffff_ffff_0000n, true); break;
    case 'fingerprint': bytes[m.byte] = (bytes[m.byte] as number) ^ 0x40; break;
  }
  reseal(bytes);
  return bytes;
}

/** The property's verdict on one outcome: a refusal as documented, never from SEAL's loader. */
function refused(e: unknown, fields: Set<unknown>, codes: readonly string[] = ['DESERIALIZE']): void {
  if (!(e instanceof HeError)) throw e;
  expect(codes).toContain(e.code);
  expect(e.details['stage']).not.toBe('seal');
  fields.add(e.details['field']);
}

describe('fuzzing the SEAL loaders', () => {
  let client: Backend;
  let x: Ciphertext;
  beforeAll(async () => {
    client = await createSealBackend({ ringDegree: 4096, bitSizes: [30, 25, 54], scale: 2 ** 25 }, { rotations: [1] });
    x = client.encrypt([1, 2, 3]);
  });
  afterAll(() => client.dispose());

  const survives = () => {
    const y = client.rotate(x, 1);
    expect(Math.abs((client.decrypt(y)[0] as number) - 2)).toBeLessThan(1e-2);
    y.dispose();
  };

  it('ciphertexts: DESERIALIZE or the same ciphertext, nothing leaked', () => {
    const product = client.scope(() => client.mul(x, x));
    const originals = [saveCiphertext(client, x), saveCiphertext(client, x, { compression: 'none' }), saveCiphertext(client, product, { compression: 'none' })];
    const before = client.memory().ciphertexts;
    let loaded = 0;
    const fields = new Set<unknown>();
    fc.assert(fc.property(fc.nat({ max: originals.length - 1 }), mutation, (which, m) => {
      const source = which === 2 ? product : x;
      try {
        const ct = loadCiphertext(client, mutate(originals[which]!, m));
        loaded++;
        expect(client.meta(ct)).toEqual(client.meta(source));
        ct.dispose();
      } catch (e) {
        refused(e, fields);
      }
      expect(client.memory().ciphertexts).toBe(before);
    }), { seed: SEED, numRuns: 600 });
    product.dispose();
    // Forged flips inside polynomial data load; the other mutations reach many distinct checks.
    expect(loaded).toBeGreaterThan(0);
    expect([...fields].sort()).toEqual(expect.arrayContaining(['body', 'bodyLength', 'checksum', 'fingerprint', 'kind', 'length', 'magic', 'scale']));
    survives();
  });

  it('parameters: DESERIALIZE, PARAMS_INSECURE, or the same parameters', () => {
    const original = saveParams(client.params);
    const fields = new Set<unknown>();
    fc.assert(fc.property(mutation, (m) => {
      try {
        expect(loadParams(mutate(original, m))).toEqual(client.params);
      } catch (e) {
        refused(e, fields, ['DESERIALIZE', 'PARAMS_INSECURE']);
      }
    }), { seed: SEED, numRuns: 400 });
  });

  it('server keys and secret keys: DESERIALIZE or a working backend', async () => {
    const keys = exportServerKeys(client);
    const secret = exportSecretKey(client, { compression: 'none' });
    const fields = new Set<unknown>();
    let built = 0;
    await fc.assert(fc.asyncProperty(fc.boolean(), mutation, async (onSecret, m) => {
      try {
        const b = onSecret ? await createSealClientBackend(keys, mutate(secret, m)) : await createSealServerBackend(mutate(keys, m));
        expect(b.rotations).toEqual([1]);
        built++;
        b.dispose();
      } catch (e) {
        refused(e, fields);
      }
    }), { seed: SEED, numRuns: 150 });
    survives();
  });

  it('encrypted matrices: DESERIALIZE or the same shape, no tile leaked', () => {
    const codec = sealCiphertextCodec(client, { compression: 'none' });
    const matrix = encryptMatrix(client, encodingUnit(16, client.params.slots), [[1, 2, 3], [4, 5, 6]]);
    const original = saveEncrypted(codec, matrix);
    const values = decryptMatrix(client, loadEncrypted(codec, original) as typeof matrix);
    expect(Math.abs((values[1]![2] as number) - 6)).toBeLessThan(1e-2);
    const before = client.memory().ciphertexts;
    const fields = new Set<unknown>();
    fc.assert(fc.property(mutation, (m) => {
      try {
        const y = loadEncrypted(codec, mutate(original, m));
        expect(y.kind === 'matrix' && [y.rows, y.cols, y.unit.height]).toEqual([2, 3, 16]);
        (y.kind === 'matrix' ? y.tiles.flat() : y.tiles).forEach((t) => t.dispose());
      } catch (e) {
        refused(e, fields);
      }
      expect(client.memory().ciphertexts).toBe(before);
    }), { seed: SEED, numRuns: 200 });
    survives();
  });
});
