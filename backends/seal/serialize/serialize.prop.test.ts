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
import {
  encodingUnit, encryptColVector, encryptMatrix, encryptRowVector, loadEncrypted, saveEncrypted, decryptMatrix, type Encrypted,
} from '../../../algorithms/linalg/index.js';
import {
  createSealBackend, createSealClientBackend, createSealServerBackend, exportSecretKey, exportServerKeys, generateGaloisKeys, loadCiphertext,
  saveCiphertext, sealCiphertextCodec,
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

/** Offsets of the envelopes nested in the one at `offset` (serverKeys and linalg objects; not bundles), the outer one first. */
function envelopeOffsets(bytes: Uint8Array, offset = 0): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset);
  const out = [offset];
  if ([7, 8, 9, 10].includes(view.getUint8(6))) {
    const end = offset + HEADER + Number(view.getBigUint64(80, true));
    for (let at = offset + HEADER; at < end;) {
      out.push(...envelopeOffsets(bytes, at));
      at += HEADER + Number(new DataView(bytes.buffer, bytes.byteOffset + at).getBigUint64(80, true));
    }
  }
  return out;
}

/** Every header's key set (parameters excepted) replaced by `keySet`, or only the outer one's; checksums recomputed. */
function rekey(original: Uint8Array, keySet: Uint8Array, outerOnly: boolean): Uint8Array {
  const bytes = original.slice();
  for (const at of outerOnly ? [0] : envelopeOffsets(bytes)) if (bytes[at + 6] !== 1) bytes.set(keySet, at + 96);
  reseal(bytes);
  return bytes;
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
    client = await createSealBackend({ ringDegree: 4096, bitSizes: [30, 25, 54], scale: 2 ** 25 }, { rotations: [1], seededEncryption: true });
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
    // Seeded too: the first polynomial, then the second's PRNG seed.
    const seeded = client.scope(() => client.keep(client.encrypt([1, 2, 3], { symmetric: true })));
    const originals = [
      saveCiphertext(client, x), saveCiphertext(client, x, { compression: 'none' }), saveCiphertext(client, product, { compression: 'none' }),
      saveCiphertext(client, seeded), saveCiphertext(client, seeded, { compression: 'none' }),
    ];
    const before = client.memory().ciphertexts;
    let loaded = 0;
    const fields = new Set<unknown>();
    fc.assert(fc.property(fc.nat({ max: originals.length - 1 }), mutation, (which, m) => {
      const source = which === 2 ? product : which >= 3 ? seeded : x;
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
    seeded.dispose();
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

  // Forgeries of linalg headers with every checksum recomputed: kind, shape, unit, the header's
  // tile metadata, or one tile's level. Each ends in DESERIALIZE, or an object whose tiles are the
  // original's (count and every level, scale, degree) under the same key set; an accepted
  // relabelling keeps the tile count, which is all encrypted bytes can show (documented limit).
  it('forged linalg kinds and shapes: DESERIALIZE or the original tiles, relabellings only where the tile count allows', () => {
    const codec = sealCiphertextCodec(client, { compression: 'none' });
    const unit = encodingUnit(16, client.params.slots); // 16 x 128
    const sources: Encrypted<Ciphertext>[] = [
      encryptColVector(client, unit, Array.from({ length: 20 }, (_, i) => i)),
      encryptRowVector(client, unit, Array.from({ length: 20 }, (_, i) => i)),
      encryptMatrix(client, unit, Array.from({ length: 20 }, () => [1, 2, 3])),
    ];
    const originals = sources.map((o) => saveEncrypted(codec, o));
    const tilesOf = (o: Encrypted<Ciphertext>) => (o.kind === 'matrix' ? o.tiles.flat() : o.tiles);
    const metaOf = (o: Encrypted<Ciphertext>) => tilesOf(o).map((t) => client.meta(t));
    const shapeOf = (o: Encrypted<Ciphertext>) => [o.kind, o.kind === 'matrix' ? [o.rows, o.cols] : [o.length, 1], o.unit.height];
    const before = client.memory().ciphertexts;
    const tally = { tried: 0, refused: 0, identical: 0, relabelled: 0 };
    const fields = new Set<unknown>();
    const edit = fc.oneof(
      fc.record({ at: fc.constant(6), width: fc.constant(1), value: fc.constantFrom(8, 9, 10) }),
      fc.record({ at: fc.constantFrom(56, 60), width: fc.constant(4), value: fc.integer({ min: 0, max: 300 }) }),
      fc.record({ at: fc.constant(64), width: fc.constant(4), value: fc.constantFrom(4, 8, 16, 32, 64, 3) }),
      fc.record({ at: fc.constantFrom(40, 44), width: fc.constant(4), value: fc.integer({ min: 0, max: 3 }) }),
      fc.record({ at: fc.constant(48), width: fc.constant(8), value: fc.constantFrom(2 ** 24, 2 ** 25 + 1, 2 ** 26, 2 ** 25) }),
      // One tile's level, inside the body.
      fc.record({ at: fc.constant(-1), width: fc.constant(4), value: fc.integer({ min: 0, max: 3 }) }),
    );
    fc.assert(fc.property(fc.nat({ max: 2 }), edit, (which, e) => {
      tally.tried++;
      const bytes = originals[which]!.slice();
      const view = new DataView(bytes.buffer);
      if (e.at === -1) view.setUint32(HEADER + 40, e.value, true);
      else if (e.width === 1) view.setUint8(e.at, e.value);
      else if (e.width === 8) view.setFloat64(e.at, e.value, true);
      else view.setUint32(e.at, e.value, true);
      // A unit edit keeps the unit filling the slots, as a careful forger would.
      if (e.at === 64) view.setUint32(68, client.params.slots / e.value, true);
      reseal(bytes);
      try {
        const y = loadEncrypted(codec, bytes);
        const source = sources[which]!;
        expect(metaOf(y)).toEqual(metaOf(source));
        if (JSON.stringify(shapeOf(y)) === JSON.stringify(shapeOf(source))) tally.identical++;
        else tally.relabelled++;
        tilesOf(y).forEach((t) => t.dispose());
      } catch (err) {
        refused(err, fields);
        tally.refused++;
      }
      expect(client.memory().ciphertexts).toBe(before);
    }), { seed: SEED, numRuns: 150 });
    sources.forEach((o) => tilesOf(o).forEach((t) => t.dispose()));
    console.info(`forged linalg kinds and shapes: ${JSON.stringify(tally)}; refused on ${[...fields].sort().join(', ')}`);
    expect(tally.refused).toBeGreaterThan(tally.tried / 2);
    expect([...fields]).toEqual(expect.arrayContaining(['count', 'tiles', 'unitHeight', 'degree']));
    survives();
  });

  // Objects of another key pair with the same parameters, their key set left, replaced by random
  // bytes in the outer header, forged to ours in the outer header only, or in every header. Each
  // ends in DESERIALIZE (keySet, or secretKey where the decryption probe refutes a forged secret
  // key), or is accepted only where nothing can tell: a ciphertext, matrix or Galois key whose
  // every header claims our key set (RLWE ciphertexts and key-switching keys do not reveal their
  // key), and foreign server keys left as they are (a consistent key set of their own).
  it('foreign key sets: DESERIALIZE on keySet, or accepted only where no check can tell', async () => {
    const other = await createSealBackend(client.params, { rotations: [1] });
    const ours = exportServerKeys(client, { compression: 'none' });
    const keySet = ours.subarray(96, 128);
    const codec = sealCiphertextCodec(client, { compression: 'none' });
    const unit = encodingUnit(16, client.params.slots);
    const foreign = {
      ciphertext: saveCiphertext(other, other.scope(() => other.encrypt([1, 2, 3])), { compression: 'none' }),
      matrix: other.scope(() => saveEncrypted(sealCiphertextCodec(other, { compression: 'none' }), encryptMatrix(other, unit, [[1, 2], [3, 4]]))),
      galoisKeys: generateGaloisKeys(other, [4], { compression: 'none' })[0]!,
      secretKey: exportSecretKey(other, { compression: 'none' }),
      serverKeys: exportServerKeys(other, { compression: 'none' }),
    };
    const load: Record<keyof typeof foreign, (bytes: Uint8Array) => Promise<unknown>> = {
      ciphertext: async (b) => loadCiphertext(client, b).dispose(),
      matrix: async (b) => {
        const y = loadEncrypted(codec, b);
        (y.kind === 'matrix' ? y.tiles.flat() : y.tiles).forEach((t) => t.dispose());
      },
      galoisKeys: async (b) => (await createSealServerBackend(ours, { galoisKeys: [b] })).dispose(),
      secretKey: async (b) => (await createSealClientBackend(ours, b)).dispose(),
      serverKeys: async (b) => (await createSealServerBackend(b)).dispose(),
    };
    const tally: Record<string, { tried: number; refused: number; accepted: number }> = {};
    const before = client.memory().ciphertexts;
    try {
      await fc.assert(fc.asyncProperty(
        fc.constantFrom(...(Object.keys(foreign) as (keyof typeof foreign)[])),
        fc.constantFrom('none', 'random', 'outer', 'all'),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        async (object, forge, random) => {
          const original = foreign[object];
          const bytes = forge === 'none' ? original : rekey(original, forge === 'random' ? random : keySet, forge !== 'all');
          const t = (tally[`${object}/${forge}`] ??= { tried: 0, refused: 0, accepted: 0 });
          t.tried++;
          try {
            await load[object](bytes);
            t.accepted++;
            // A single envelope forged in its one header, a matrix in all of them; foreign server keys
            // left alone are a consistent key set in their own right (what they build refuses ours).
            const expected = { ciphertext: forge === 'outer' || forge === 'all', galoisKeys: forge === 'outer' || forge === 'all', matrix: forge === 'all', secretKey: false, serverKeys: forge === 'none' };
            expect(expected[object]).toBe(true);
          } catch (err) {
            if (!(err instanceof HeError)) throw err;
            expect(err.code).toBe('DESERIALIZE');
            expect(['keySet', 'secretKey']).toContain(err.details['field']);
            t.refused++;
          }
          expect(client.memory().ciphertexts).toBe(before);
        },
      ), { seed: SEED, numRuns: 60 });
    } finally {
      other.dispose();
    }
    console.info(`foreign key sets: ${JSON.stringify(tally)}`);
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
