/**
 * What differs between Node and browsers, in one file per platform: which node-seal build to
 * load and how to compress and decompress zlib. This file is Node's; bundlers targeting browsers substitute
 * `platform.browser.ts` through package.json's `browser` map (esbuild with `--platform=browser`,
 * webpack, Vite and Rollup's node-resolve all honour it). Both export the same names.
 */
export { nodeDeflate as deflate, nodeInflate as inflate } from './serialize/inflate.js';

/** node-seal's Node build (reads its WebAssembly from a file beside it). */
export const importSealBuild = (): Promise<{ default: unknown }> => import('node-seal/allows_wasm_node_umd.js');

/** The platform's name, for messages. */
export const PLATFORM = 'node';
