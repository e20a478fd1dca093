import { HeError } from '../../core/errors.js';
import type { SEALLibrary } from './types.js';

type Factory = () => Promise<SEALLibrary>;

// The only import of node-seal's entry point: a later move to node-seal 7 touches this folder only.
// The `allows` build does not throw on transparent results; the kernels check `isTransparent`
// themselves. Every C++ exception that crosses into JavaScript leaks WebAssembly stack, and a
// few hundred of them crash the module, so hekit never lets SEAL throw in normal use: the
// checked layer refuses bad ops first, and transparency is detected in JavaScript.
let loading: Promise<SEALLibrary> | undefined;

/** Loads node-seal's WebAssembly module once per thread and shares it. */
export function loadSeal(): Promise<SEALLibrary> {
  loading ??= import('node-seal/allows_wasm_node_umd.js')
    .then((m) => {
      // A CommonJS module: Node hands over module.exports as `default`; its typings describe one level deeper.
      const exported: unknown = m.default;
      const factory = (typeof exported === 'function' ? exported : (exported as { default: unknown }).default) as Factory;
      return factory();
    })
    .catch((cause: unknown) => {
      loading = undefined;
      throw new HeError('BACKEND_UNAVAILABLE', `node-seal failed to load: ${String(cause)}`, {}, { cause });
    });
  return loading;
}
