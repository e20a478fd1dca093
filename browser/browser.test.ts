/**
 * The client side in a real browser. The page (index.html + the esbuild bundle of client.ts)
 * is served from 127.0.0.1 by node:http and driven in headless Chromium through playwright-core.
 * Browser -> Node -> browser: keygen, encrypt and serialization in the page; the server keys and
 * a ciphertext go over HTTP to a Node server (createSealServerBackend, loadCiphertext), which
 * computes x(i+1)^2 + x(i-3)^2 (mul, relinearize, rescale, two rotations, add); the page loads
 * the zlib reply (with fflate) and decrypts it. Node -> browser: the server
 * encrypts under the page's public key, the page decrypts. Then the page rebuilds itself from
 * its exported keys (createSealClientBackend) and does both again. Values against float64.
 * Without Chromium the suite FAILS (install it: apt-get install chromium; .ci/run does).
 */
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSealServerBackend, loadCiphertext, saveCiphertext, type Backend } from '../backends/seal/index.js';
import { HEADER_BYTES } from '../core/serialize/index.js';
import type { ClientInfo, HekitClientApi } from './api.js';
import { bundleClient, type ClientBundle } from './build.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
/** Root in a container: no sandbox; no GPU; /dev/shm is often 64 MB. */
const CHROMIUM_ARGS = ['--no-sandbox', '--headless=new', '--disable-gpu', '--disable-dev-shm-usage'];
const LITERAL = { ringDegree: 8192, bitSizes: [50, 40, 60], scale: 2 ** 40 };
const ROTATIONS = [-3, 1];
const MAX_BODY = 64 * 2 ** 20;
const X = Array.from({ length: 24 }, (_, i) => Math.sin(1.7 * i + 0.3) * 2);
const FRESH = Array.from({ length: 10 }, (_, i) => i / 3 - 1.25);

/** The reference: what the server computes, in float64 over all `slots`. */
function expected(x: readonly number[], slots: number): number[] {
  const at = (i: number): number => x[((i % slots) + slots) % slots] ?? 0;
  return Array.from({ length: slots }, (_, i) => at(i + 1) ** 2 + at(i - 3) ** 2);
}

const maxError = (got: readonly number[], want: readonly number[]): number => {
  expect(got).toHaveLength(want.length);
  return Math.max(...got.map((g, i) => Math.abs(g - want[i]!)));
};

/** The Node server: the bundle, then keys in, ciphertexts in and out. */
interface ServerState {
  keys: Backend | undefined;
  /** SEAL's compr_mode byte of the last ciphertext sent to the page (1 = zlib). */
  sentComprMode: number | undefined;
  /** The last ciphertext the page sent, over the same ciphertext saved whole here (seeded: about half). */
  receivedRatio: number | undefined;
}

/** Envelope header bytes, then SEAL's header whose byte 5 is compr_mode. */
const COMPR_MODE_AT = HEADER_BYTES + 5;

function startServer(bundle: ClientBundle, state: ServerState): Promise<Server> {
  const types: Record<string, string> = { html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8', map: 'application/json' };
  const body = (req: IncomingMessage): Promise<Uint8Array> => new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) req.destroy(new Error(`request body over ${MAX_BODY} bytes`));
      else chunks.push(c);
    });
    req.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    req.on('error', reject);
  });
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const reply = (status: number, data: Uint8Array | string, type = 'application/octet-stream'): void => {
      if (type === 'application/octet-stream' && typeof data !== 'string') state.sentComprMode = data[COMPR_MODE_AT];
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(data);
    };
    const file = bundle.files.get(path.slice(1) || 'index.html');
    if (req.method === 'GET' && file) return reply(200, file, types[path.split('.').pop() ?? ''] ?? 'application/octet-stream');
    if (req.method === 'POST' && path === '/keys') {
      const bytes = await body(req);
      state.keys?.dispose();
      state.keys = await createSealServerBackend(bytes);
      return reply(204, '');
    }
    const server = state.keys;
    if (!server) return reply(409, 'no keys yet', 'text/plain');
    if (req.method === 'POST' && path === '/compute') {
      const bytes = await body(req);
      return reply(200, server.scope(() => {
        const x = loadCiphertext(server, bytes);
        state.receivedRatio = bytes.length / saveCiphertext(server, x).length;
        const sq = server.rescale(server.relinearize(server.mul(x, x)));
        return saveCiphertext(server, server.add(server.rotate(sq, 1), server.rotate(sq, -3)));
      }));
    }
    if (req.method === 'GET' && path === '/fresh') return reply(200, server.scope(() => saveCiphertext(server, server.encrypt(FRESH))));
    return reply(404, `no ${req.method} ${path}`, 'text/plain');
  };
  const http = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      const message = e instanceof Error ? `${(e as { code?: string }).code ?? e.name}: ${e.message}` : String(e);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(message);
    });
  });
  http.requestTimeout = 30_000;
  return new Promise((resolve, reject) => {
    http.once('error', reject);
    http.listen(0, '127.0.0.1', () => resolve(http));
  });
}

describe('browser client (headless Chromium)', () => {
  const state: ServerState = { keys: undefined, sentComprMode: undefined, receivedRatio: undefined };
  const pageLog: string[] = [];
  let http: Server | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let base: string;
  let bundle: ClientBundle;
  /** A failed setup (no Chromium, say) fails every test with its message; thrown from beforeAll it would only mark them skipped. */
  let setupError: Error | undefined;
  const ready = (): void => {
    if (setupError) throw setupError;
  };

  /** Runs `method` of the page's hekitClient with `args`; page errors carry the page's console. */
  async function call<K extends keyof Omit<HekitClientApi, 'ready'>>(method: K, ...args: Parameters<HekitClientApi[K]>): Promise<Awaited<ReturnType<HekitClientApi[K]>>> {
    ready();
    try {
      return await page.evaluate(([m, a]) => {
        const client = (globalThis as unknown as { hekitClient: Record<string, (...xs: unknown[]) => unknown> }).hekitClient;
        return client[m]!(...a);
      }, [method, args] as const) as Awaited<ReturnType<HekitClientApi[K]>>;
    } catch (e) {
      throw new Error(`hekitClient.${method} failed in Chromium: ${String(e)}\npage console:\n${pageLog.join('\n')}`, { cause: e });
    }
  }

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      setupError = new Error(`Chromium not found at ${CHROMIUM}: the browser test needs it. Install Debian's package `
        + '(apt-get update && apt-get install -y chromium; .ci/run does this) or set CHROMIUM_PATH.');
      return;
    }
    try {
      bundle = await bundleClient();
      http = await startServer(bundle, state);
      base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 30_000 });
      page = await browser.newPage();
      page.setDefaultTimeout(30_000);
      page.on('console', (m) => pageLog.push(`${m.type()}: ${m.text()}`));
      page.on('pageerror', (e) => pageLog.push(`pageerror: ${e.message}`));
      await page.goto(`${base}/index.html`);
    } catch (e) {
      setupError = new Error(`browser test setup failed (Chromium ${CHROMIUM}): ${String(e)}`, { cause: e });
    }
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve()));
    state.keys?.dispose();
  });

  it('runs the demo at page load: keygen, encrypt, serialize, load, decrypt', async () => {
    ready();
    const info = await page.evaluate(() => (globalThis as unknown as { hekitClient: HekitClientApi }).hekitClient.ready);
    expect(await page.getAttribute('body', 'data-state'), pageLog.join('\n')).toBe('ready');
    expect(info.ringDegree).toBe(8192);
    const text = await page.textContent('#log');
    expect(text).toContain('loaded and decrypted: [1.000000, 2.000000, 3.000000, 4.000000]');
    // The bundle holds node-seal's web build and no Node built-in (esbuild --platform=browser would have refused one).
    expect(bundle.bytes).toBeGreaterThan(1_000_000);
  });

  it('browser -> Node -> browser: the page encrypts, the server computes, the page decrypts', async () => {
    const info: ClientInfo = await call('keygen', LITERAL, ROTATIONS);
    expect(info.rotations).toEqual(ROTATIONS);
    await call('sendKeys', '/keys');
    expect(state.keys?.rotations).toEqual(ROTATIONS);
    const got = await call('compute', '/compute', X);
    expect(maxError(got, expected(X, info.slots))).toBeLessThan(1e-4);
    expect(state.sentComprMode).toBe(1); // zlib: the page read it with fflate
    expect(state.receivedRatio).toBeLessThan(0.6); // seeded under the secret key, zlib by fflate
    expect(state.keys?.memory().ciphertexts).toBe(0);
  });

  it('Node -> browser: the server encrypts under the page\'s public key, the page decrypts', async () => {
    const got = await call('fetchAndDecrypt', '/fresh');
    expect(maxError(got, [...FRESH, ...new Array<number>(got.length - FRESH.length).fill(0)])).toBeLessThan(1e-6);
  });

  it('a client rebuilt in the page from its exported keys (createSealClientBackend) does both again', async () => {
    await call('restore');
    const fresh = await call('fetchAndDecrypt', '/fresh');
    expect(maxError(fresh, [...FRESH, ...new Array<number>(fresh.length - FRESH.length).fill(0)])).toBeLessThan(1e-6);
    const got = await call('compute', '/compute', X);
    expect(maxError(got, expected(X, got.length))).toBeLessThan(1e-4);
    expect(await call('liveCiphertexts')).toBe(0);
  });
});
