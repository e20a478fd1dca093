/**
 * What the browser page (client.ts) exposes on `globalThis.hekitClient`, typed for both sides:
 * the page implements it, the test drives it through Chromium. Bytes travel over HTTP to and
 * from a server, as they would in use; only numbers and sizes cross `page.evaluate`.
 */
import type { CkksParamsLiteral } from '../core/index.js';

export interface ClientInfo {
  readonly ringDegree: number;
  readonly slots: number;
  readonly rotations: readonly number[];
  /** Sizes in bytes of what the client exported (zlib). */
  readonly serverKeyBytes: number;
  readonly secretKeyBytes: number;
  /** Milliseconds of key generation in this page. */
  readonly keygenMs: number;
}

export interface HekitClientApi {
  /** Resolves when the demo run at page load is done (rejects with its error). */
  readonly ready: Promise<ClientInfo>;
  /** Generates fresh keys (createSealBackend), replacing the current ones. */
  keygen(params: CkksParamsLiteral, rotations: readonly number[]): Promise<ClientInfo>;
  /** POSTs exportServerKeys(...) (never the secret key) to `url`. */
  sendKeys(url: string): Promise<void>;
  /** Encrypts `values`, POSTs saveCiphertext(...) to `url`, loads the reply and returns its decryption (every slot). */
  compute(url: string, values: readonly number[]): Promise<number[]>;
  /** GETs a ciphertext from `url` and returns its decryption (every slot). */
  fetchAndDecrypt(url: string): Promise<number[]>;
  /** Rebuilds the client from its own exported server keys and secret key (createSealClientBackend). */
  restore(): Promise<void>;
  /** Live ciphertexts held by the client backend (leak check). */
  liveCiphertexts(): number;
}
