/**
 * hekit's client side in a browser: key generation, encryption, decryption and serialization
 * on SEAL's WebAssembly (node-seal's web build, chosen by the bundler), no Node API. Opening
 * index.html runs a demo (keygen, encrypt, serialize, load, decrypt) and logs it on the page;
 * `globalThis.hekitClient` (api.ts) lets a test or a server-backed page drive it.
 */
import {
  createSealBackend, createSealClientBackend, exportSecretKey, exportServerKeys, loadCiphertext, saveCiphertext,
  type Backend, type CkksParamsLiteral, type SecretKeyBytes,
} from '../backends/seal/index.js';
import type { ClientInfo, HekitClientApi } from './api.js';

const DEMO_PARAMS: CkksParamsLiteral = { ringDegree: 8192, bitSizes: [50, 40, 60], scale: 2 ** 40 };

interface State {
  backend: Backend;
  serverKeys: Uint8Array;
  secretKey: SecretKeyBytes;
  info: ClientInfo;
}
let state: State | undefined;

const current = (): State => {
  if (!state) throw new Error('hekitClient: call keygen first');
  return state;
};

function log(line: string): void {
  const out = document.getElementById('log');
  if (out) out.textContent += `${line}\n`;
}

async function keygen(params: CkksParamsLiteral, rotations: readonly number[]): Promise<ClientInfo> {
  const start = performance.now();
  // Seeded: what the page encrypts under its secret key uploads in half the bytes.
  const backend = await createSealBackend(params, { rotations, seededEncryption: true });
  const keygenMs = performance.now() - start;
  state?.backend.dispose();
  const serverKeys = exportServerKeys(backend);
  const secretKey = exportSecretKey(backend);
  const info: ClientInfo = {
    ringDegree: backend.params.ringDegree, slots: backend.params.slots, rotations: backend.rotations,
    serverKeyBytes: serverKeys.length, secretKeyBytes: secretKey.length, keygenMs,
  };
  state = { backend, serverKeys, secretKey, info };
  return info;
}

async function post(url: string, body: Uint8Array): Promise<Uint8Array> {
  const response = await fetch(url, { method: 'POST', body: body as Uint8Array<ArrayBuffer>, headers: { 'content-type': 'application/octet-stream' } });
  if (!response.ok) throw new Error(`POST ${url}: ${response.status} ${await response.text()}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** Loads and decrypts a serialized ciphertext, freeing it. */
function open(bytes: Uint8Array): number[] {
  const { backend } = current();
  return backend.scope(() => Array.from(backend.decrypt(loadCiphertext(backend, bytes))));
}

const api: Omit<HekitClientApi, 'ready'> = {
  keygen,
  async sendKeys(url) {
    await post(url, current().serverKeys);
  },
  async compute(url, values) {
    const { backend } = current();
    const request = backend.scope(() => saveCiphertext(backend, backend.encrypt(values, { symmetric: true })));
    return open(await post(url, request));
  },
  async fetchAndDecrypt(url) {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
    return open(new Uint8Array(await response.arrayBuffer()));
  },
  async restore() {
    const { serverKeys, secretKey, info, backend } = current();
    const restored = await createSealClientBackend(serverKeys, secretKey, { seededEncryption: true });
    backend.dispose();
    state = { backend: restored, serverKeys, secretKey, info };
  },
  liveCiphertexts: () => current().backend.memory().ciphertexts,
};

/** The demo: keygen, encrypt, serialize, load back, decrypt, with sizes and times on the page. */
async function demo(): Promise<ClientInfo> {
  const info = await keygen(DEMO_PARAMS, [1]);
  log(`keygen N=${info.ringDegree}: ${info.keygenMs.toFixed(0)} ms; server keys ${info.serverKeyBytes} B, secret key ${info.secretKeyBytes} B`);
  const { backend } = current();
  const values = [1, 2, 3, 4];
  const bytes = backend.scope(() => saveCiphertext(backend, backend.encrypt(values)));
  log(`encrypted [${values.join(', ')}]: ${bytes.length} B serialized (zlib)`);
  const back = open(bytes).slice(0, values.length);
  log(`loaded and decrypted: [${back.map((v) => v.toFixed(6)).join(', ')}]`);
  return info;
}

const ready = demo();
ready.then(
  () => document.body.setAttribute('data-state', 'ready'),
  (e: unknown) => {
    log(`error: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    document.body.setAttribute('data-state', 'error');
  },
);
(globalThis as unknown as { hekitClient: HekitClientApi }).hekitClient = { ...api, ready };
