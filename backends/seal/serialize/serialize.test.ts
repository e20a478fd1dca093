import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../../core/index.js';
import { createParams, loadParams, openEnvelope, paramsFingerprint, saveParams, writeEnvelope } from '../../../core/index.js';
import { HEADER_BYTES } from '../../../core/serialize/index.js';
import { sealPartsOf } from '../registry.js';
import { resealed } from '../../../property-tests/forge.js';
import { thrown } from '../../../property-tests/thrown.js';
import {
  createSealBackend, createSealClientBackend, createSealServerBackend, exportSecretKey, exportServerKeys, generateGaloisKeys, loadCiphertext,
  saveCiphertext,
} from '../index.js';

const LITERAL = { ringDegree: 4096, bitSizes: [30, 25, 54], scale: 2 ** 25 };
const close = (a: ArrayLike<number>, b: readonly number[], tol = 1e-2) => b.forEach((v, i) => expect(Math.abs((a[i] as number) - v)).toBeLessThan(tol));

describe('SEAL serialization', () => {
  let client: Backend;
  beforeAll(async () => {
    client = await createSealBackend(LITERAL, { rotations: [1, -2] });
  });
  afterAll(() => client.dispose());

  it('round-trips ciphertexts at every compression, level and degree', () => {
    const x = client.encrypt([1.5, -2, 3]);
    const sq = client.mul(x, x);
    const low = client.scope(() => client.rescale(client.relinearize(sq)));
    for (const compression of ['none', 'zlib'] as const) {
      for (const ct of [x, sq, low]) {
        const loaded = loadCiphertext(client, saveCiphertext(client, ct, { compression }));
        expect(client.meta(loaded)).toEqual(client.meta(ct));
        close(client.decrypt(loaded), Array.from(client.decrypt(ct).subarray(0, 3)), 1e-6);
        loaded.dispose();
      }
    }
    for (const ct of [x, sq, low]) ct.dispose();
    expect(client.memory().ciphertexts).toBe(0);
  });

  it('writes zlib bodies in SEAL\'s own format: SEAL\'s loader reads them, and they are smaller than SEAL\'s uncompressed bytes', () => {
    const { context } = sealPartsOf(client, 'test');
    const x = client.encrypt([1.5, -2, 3]);
    const [plain, zlib] = (['none', 'zlib'] as const).map((compression) => openEnvelope(saveCiphertext(client, x, { compression }), { kinds: ['ciphertext'], fingerprint: null, keySet: null }).body);
    expect(zlib![5]).toBe(1); // SEAL's header: compr_mode zlib
    expect(zlib!.length).toBeLessThan(0.8 * plain!.length);
    const ct = context.ciphertext();
    try {
      // SEAL inflates the stream itself here; hekit's loader inflates and checks it first.
      ct.loadArray(context.context, zlib!);
      expect(ct.saveArray(context.seal.ComprModeType.none as never)).toEqual(plain);
    } finally {
      ct.delete();
      x.dispose();
    }
  });

  it('saves fresh secret-key encryptions seeded (about half the bytes) with seededEncryption; op results and public-key encryptions whole', async () => {
    const seeded = await createSealBackend(LITERAL, { seededEncryption: true });
    try {
      const values = [1.5, -2, 3];
      const fresh = seeded.encrypt(values, { symmetric: true });
      const [whole, pk] = [seeded.add(fresh, fresh), seeded.encrypt(values)];
      for (const compression of ['none', 'zlib'] as const) {
        const [a, b, c] = [fresh, whole, pk].map((ct) => saveCiphertext(seeded, ct, { compression }));
        expect(a!.length).toBeLessThan(0.55 * b!.length);
        // Whole, both: the same length uncompressed; zlib's depends on the random coefficients.
        if (compression === 'none') expect(c!.length).toBe(b!.length);
        else expect(c!.length).toBeGreaterThan(0.95 * b!.length);
        // Loaded anywhere (here: a backend without seeds), it is the same ciphertext.
        const back = loadCiphertext(seeded, a!);
        expect(seeded.meta(back)).toEqual(seeded.meta(fresh));
        close(seeded.decrypt(back), values, 1e-4);
        back.dispose();
      }
      // zstd is SEAL's to write: whole, from the ciphertext itself.
      expect(saveCiphertext(seeded, fresh, { compression: 'zstd' }).length).toBeGreaterThan(saveCiphertext(seeded, fresh, { compression: 'zlib' }).length);
      // A seed SEAL could not sample from is refused before SEAL reads the bytes (its PRNG type byte: 64 seed bytes from the end).
      const forged = saveCiphertext(seeded, fresh, { compression: 'none' });
      forged[forged.length - 65] = 7;
      expect(thrown(() => loadCiphertext(seeded, resealed(forged)))).toMatchObject({ code: 'DESERIALIZE', message: expect.stringMatching(/PRNG type 7/) });
      // Seeded is for size 2 only: relabelled as a degree-2 ciphertext (SEAL size 3), it is refused before SEAL reads it.
      const relabelled = saveCiphertext(seeded, fresh, { compression: 'none' });
      new DataView(relabelled.buffer).setUint32(44, 2, true); // the envelope's degree
      new DataView(relabelled.buffer).setBigUint64(HEADER_BYTES + 16 + 32 + 1, 3n, true); // SEAL's size
      expect(thrown(() => loadCiphertext(seeded, resealed(relabelled)))).toMatchObject({ code: 'DESERIALIZE', message: expect.stringMatching(/size 2 only/) });
      // The seed goes with the ciphertext.
      fresh.dispose();
      expect(sealPartsOf(seeded, 'test').seeds?.size).toBe(0);
    } finally {
      seeded.dispose();
    }
  });

  it('builds an evaluation-only server from the public keys; the client decrypts its results', async () => {
    const keys = exportServerKeys(client);
    const server = await createSealServerBackend(keys);
    try {
      expect(server.rotations).toEqual([-2, 1]);
      const x = loadCiphertext(server, saveCiphertext(client, client.scope(() => client.encrypt([1, 2, 3, 4]))));
      const y = server.rotate(server.rescale(server.relinearize(server.mul(x, x))), 1);
      const z = server.add(server.encrypt([10, 10, 10], { level: y.level, scale: y.scale }), y);
      expect(thrown(() => server.decrypt(z)).code).toBe('NO_SECRET_KEY');
      expect(thrown(() => server.encrypt([1], { symmetric: true })).code).toBe('NO_SECRET_KEY');
      expect(thrown(() => exportSecretKey(server)).code).toBe('NO_SECRET_KEY');
      // The client's relinearization and Galois keys travel seeded; the server holds them whole.
      const [seeded, whole] = [exportServerKeys(client, { compression: 'none' }), exportServerKeys(server, { compression: 'none' })];
      expect(seeded.length).toBeLessThan(0.6 * whole.length);
      const back = loadCiphertext(client, saveCiphertext(server, z));
      close(client.decrypt(back), [14, 19, 26]);
      back.dispose();
    } finally {
      server.dispose();
    }
  });

  it('makes Galois keys a step at a time; a server loads each into its own object and composes other steps from them', async () => {
    // A client with no Galois keys of its own: the keys are made from its secret key, a step at a time.
    const bare = await createSealBackend(LITERAL);
    const perStep = generateGaloisKeys(bare, [4, 1, -2]);
    expect(perStep).toHaveLength(3);
    const server = await createSealServerBackend(exportServerKeys(bare), { galoisKeys: perStep });
    try {
      expect(server.rotations).toEqual([-2, 1, 4]);
      const values = Array.from({ length: 16 }, (_, i) => i / 4);
      const x = loadCiphertext(server, saveCiphertext(bare, bare.scope(() => bare.encrypt(values))));
      // 4, 1 and -2 have their own keys; 5 runs as its NAF terms 1 + 4, held by two objects.
      for (const step of [4, 1, -2, 5]) {
        const r = server.rotate(x, step);
        const back = loadCiphertext(bare, saveCiphertext(server, r));
        const expected = Array.from({ length: 8 }, (_, i) => values[(i + step + 2048) % 2048] ?? 0);
        close(bare.decrypt(back), expected, 1e-3);
        for (const c of [r, back]) c.dispose();
      }
      // 2 has no key, and 3's NAF terms are -1 + 4: no key for -1.
      for (const step of [2, 3]) expect(thrown(() => server.rotate(x, step)).code).toBe('MISSING_ROTATION_KEY');
      // Re-exported, the server's keys keep one set per step.
      const again = await createSealServerBackend(exportServerKeys(server));
      expect(again.rotations).toEqual([-2, 1, 4]);
      again.dispose();
      x.dispose();
      expect(server.memory().ciphertexts).toBe(0);
    } finally {
      server.dispose();
    }
    // The same step twice, in the bundle and alone, or Galois keys without key switching: refused.
    await expect(createSealServerBackend(exportServerKeys(client), { galoisKeys: generateGaloisKeys(client, [1]) }))
      .rejects.toMatchObject({ code: 'DESERIALIZE', details: { field: 'rotations' } });
    expect(thrown(() => generateGaloisKeys(bare, [0])).code).toBe('INVALID_ARGUMENT');
    bare.dispose();
  });

  it('rebuilds a client from its server keys and secret key, and refuses another key pair', async () => {
    const keys = exportServerKeys(client, { compression: 'none' });
    const secret = exportSecretKey(client);
    const restored = await createSealClientBackend(keys, secret);
    try {
      const ct = loadCiphertext(restored, saveCiphertext(client, client.scope(() => client.encrypt([7, 8]))));
      // Fresh encryption at 2^25: 400 draws had a median error of 2.0e-5 and a largest of 8.1e-5, and
      // one CI run drew 1.2e-4; a foreign key would decrypt to about 1e27.
      close(restored.decrypt(ct), [7, 8], 1e-3);
    } finally {
      restored.dispose();
    }
    const other = await createSealBackend(LITERAL);
    try {
      // Another pair's secret key says so in its key set; with that field forged, the decryption probe still catches it.
      const foreign = exportSecretKey(other);
      await expect(createSealClientBackend(keys, foreign)).rejects.toMatchObject({ code: 'DESERIALIZE', details: { field: 'keySet' } });
      await expect(createSealClientBackend(keys, resealed(foreign, keys.subarray(96, 128))))
        .rejects.toMatchObject({ code: 'DESERIALIZE', details: { field: 'secretKey' } });
    } finally {
      other.dispose();
    }
  });

  it('binds every key-bound object to its key pair: another pair with the same parameters is refused on keySet', async () => {
    const other = await createSealBackend(LITERAL, { rotations: [1] });
    try {
      // The reproduction: a ciphertext of another key pair used to load and decrypt to about -8.75e27.
      const foreign = saveCiphertext(other, other.scope(() => other.encrypt([1])));
      expect(thrown(() => loadCiphertext(client, foreign))).toMatchObject({ code: 'DESERIALIZE', details: { field: 'keySet' } });
      // Galois keys of another pair next to these server keys.
      await expect(createSealServerBackend(exportServerKeys(client), { galoisKeys: generateGaloisKeys(other, [4]) }))
        .rejects.toMatchObject({ code: 'DESERIALIZE', details: { field: 'keySet' } });
      // Server keys whose envelopes all declare another pair's key set: the public key's own hash refutes them.
      const keys = exportServerKeys(client, { compression: 'none' });
      const forged = resealed(keys, exportServerKeys(other).subarray(96, 128));
      await expect(createSealServerBackend(forged)).rejects.toMatchObject({ code: 'DESERIALIZE', details: { field: 'keySet' } });
      // A server from these keys writes objects of this key set, which the client loads.
      const server = await createSealServerBackend(keys);
      try {
        const back = loadCiphertext(client, saveCiphertext(server, server.scope(() => server.encrypt([3]))));
        close(client.decrypt(back), [3], 1e-3);
        back.dispose();
        expect(thrown(() => loadCiphertext(other, saveCiphertext(server, server.scope(() => server.encrypt([3]))))).details['field']).toBe('keySet');
      } finally {
        server.dispose();
      }
    } finally {
      other.dispose();
    }
  });

  it('refuses objects made for other parameters, naming the fingerprint', async () => {
    const foreign = await createSealBackend({ ...LITERAL, bitSizes: [30, 26, 53] });
    try {
      const e = thrown(() => loadCiphertext(client, saveCiphertext(foreign, foreign.scope(() => foreign.encrypt([1])))));
      expect(e.code).toBe('DESERIALIZE');
      expect(e.details['field']).toBe('fingerprint');
      await expect(createSealServerBackend(exportServerKeys(foreign), { params: createParams(LITERAL) }))
        .rejects.toMatchObject({ code: 'DESERIALIZE', details: { field: 'fingerprint' } });
    } finally {
      foreign.dispose();
    }
  });

  it('refuses a secret key given as, or smuggled inside, server keys', async () => {
    const params = createParams(LITERAL);
    // @ts-expect-error a secret key's type is refused where server material is expected
    void (() => createSealServerBackend(exportSecretKey(client)));
    const secret: Uint8Array = exportSecretKey(client);
    await expect(createSealServerBackend(secret)).rejects.toMatchObject({ code: 'DESERIALIZE', details: { field: 'kind' } });
    const smuggled = writeEnvelope({ kind: 'serverKeys', fingerprint: paramsFingerprint(params), keySet: secret.subarray(96, 128), count: 3 }, [saveParams(params), secret, secret]);
    await expect(createSealServerBackend(smuggled)).rejects.toMatchObject({ code: 'DESERIALIZE', details: { field: 'kind' } });
  });

  it('round-trips parameters through createParams, refusing insecure ones unless allowed', () => {
    const params = createParams(LITERAL);
    expect(loadParams(saveParams(params))).toEqual(params);
    const insecure = createParams({ ringDegree: 4096, bitSizes: [60, 60], scale: 2 ** 40, allowInsecure: true });
    const bytes = saveParams(insecure);
    expect(thrown(() => loadParams(bytes)).code).toBe('PARAMS_INSECURE');
    expect(loadParams(bytes, { allowInsecure: true }).primes).toEqual(insecure.primes);
  });

  it('loads parameters made with allowSmallScale: the guard is for literals, not saved parameters', () => {
    const small = createParams({ ...LITERAL, scale: 2 ** 6, allowSmallScale: true });
    expect(loadParams(saveParams(small))).toEqual(small);
  });
});
