/**
 * The browser's side of `platform.ts` (see there): node-seal's web build, whose WebAssembly is
 * inlined in the JavaScript, and fflate held to zlib's checks (core/serialize/inflate.ts),
 * because browsers' own `DecompressionStream` is asynchronous and hekit's loaders are
 * synchronous. zstd bodies are refused with DESERIALIZE, as on Node 20.
 */
import { zlibSync } from 'fflate';
import { inflateZlib } from '../../core/serialize/inflate.js';
import type { Inflate } from './serialize/seal-bytes.js';

/** zlib at fflate's fastest level (it has no Huffman-only strategy): 22 ms for a 0.5 MB ciphertext, against SEAL's own 49 ms. */
export const deflate = (data: Uint8Array): Uint8Array => zlibSync(data, { level: 1 });

export const inflate: Inflate = (mode, data, maxBytes) => (mode === 1 ? inflateZlib(data, maxBytes) : null);

/** node-seal's web build (ES module; its WebAssembly is inlined, so nothing is fetched). */
export const importSealBuild = (): Promise<{ default: unknown }> => import('node-seal/allows_wasm_web_es.js');

/** The platform's name, for messages. */
export const PLATFORM = 'browser';
