/**
 * The platform split. Under Node (and vitest) the Node side is used: package.json's `browser`
 * map must not leak into Node resolution. The browser's inflater is then swapped in (vi.mock)
 * and every zlib loader runs through it in Node: server keys, secret key, ciphertexts at every
 * level and degree. Bytes after a zlib stream are refused on both platforms.
 */
import * as zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Backend } from '../../core/index.js';
import { createSealBackend, createSealClientBackend, createSealServerBackend, exportSecretKey, exportServerKeys, loadCiphertext, saveCiphertext } from './index.js';
import * as browser from './platform.browser.js';
import * as platform from './platform.js';
import { nodeInflate } from './serialize/inflate.js';

const used = vi.hoisted(() => ({ browserInflate: 0 }));
vi.mock('./platform.js', async (original) => {
  const node = await original<typeof import('./platform.js')>();
  const web = await import('./platform.browser.js');
  return {
    ...node,
    inflate: ((mode, data, maxBytes) => {
      used.browserInflate++;
      return web.inflate(mode, data, maxBytes);
    }) satisfies typeof node.inflate,
  };
});

const LITERAL = { ringDegree: 4096, bitSizes: [30, 25, 54], scale: 2 ** 25 };

describe('platform split', () => {
  it('resolves the Node side under Node', async () => {
    expect(platform.PLATFORM).toBe('node');
    expect(browser.PLATFORM).toBe('browser');
    const m = await platform.importSealBuild();
    expect(m.default).toBeDefined();
  });

  it('refuses bytes after a zlib stream on both platforms', () => {
    const packed = zlib.deflateSync(new Uint8Array(1_000).fill(7));
    const padded = Uint8Array.from([...packed, 0]);
    // The same byte before the Adler-32: after the last deflate block, where fflate stops reading.
    const spliced = Uint8Array.from([...packed.subarray(0, -4), 0, ...packed.subarray(-4)]);
    expect(nodeInflate(1, packed, 1_000)).toHaveLength(1_000);
    expect(browser.inflate(1, packed, 1_000)).toHaveLength(1_000);
    expect(() => nodeInflate(1, padded, 1_000)).toThrow(/follow/);
    expect(() => browser.inflate(1, padded, 1_000)).toThrow(/Adler-32|follow/);
    expect(() => nodeInflate(1, spliced, 1_000)).toThrow();
    expect(() => browser.inflate(1, spliced, 1_000)).toThrow(/follow/);
    expect(browser.inflate(2, packed, 1_000)).toBeNull();
  });

  describe('every loader through the browser inflater', () => {
    let client: Backend;
    beforeAll(async () => {
      client = await createSealBackend(LITERAL, { rotations: [1, -2] });
    });
    afterAll(() => client.dispose());

    it('loads zlib server keys, secret key and ciphertexts', async () => {
      const before = used.browserInflate;
      const server = await createSealServerBackend(exportServerKeys(client));
      const restored = await createSealClientBackend(exportServerKeys(client), exportSecretKey(client));
      try {
        expect(used.browserInflate - before).toBe(3 + 4); // public, relin, Galois; then again with the secret key
        const x = client.encrypt([1.5, -2, 3]);
        const y = loadCiphertext(server, saveCiphertext(client, x));
        const z = server.rotate(server.rescale(server.relinearize(server.mul(y, y))), 1);
        const back = loadCiphertext(restored, saveCiphertext(server, z));
        const out = restored.decrypt(back);
        [4, 9].forEach((v, i) => expect(Math.abs(out[i]! - v)).toBeLessThan(1e-2));
        expect(server.meta(back)).toEqual(server.meta(z));
        for (const ct of [x, back]) ct.dispose();
        for (const ct of [y, z]) ct.dispose();
      } finally {
        server.dispose();
        restored.dispose();
      }
    });
  });
});
