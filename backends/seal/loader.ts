import { HeError } from '../../core/errors.js';
import { importSealBuild, PLATFORM } from './platform.js';
import type { SEALLibrary } from './types.js';

type Factory = () => Promise<SEALLibrary>;

// node-seal's entry point is imported by platform.ts (Node) or platform.browser.ts (bundled for
// browsers) only: a later move to node-seal 7 touches this folder only.
// The `allows` build does not throw on transparent results; the kernels check `isTransparent`
// themselves. Every C++ exception that crosses into JavaScript leaks WebAssembly stack, and a
// few hundred of them crash the module, so hekit never lets SEAL throw in normal use: the
// checked layer refuses bad ops first, and transparency is detected in JavaScript.
let loading: Promise<SEALLibrary> | undefined;
/** The parts of the WebAssembly API used here (this project's TypeScript libs do not declare them). */
interface WasmApi {
  instantiate: (...args: unknown[]) => Promise<unknown>;
  Memory: abstract new (...args: never[]) => { readonly buffer: ArrayBuffer };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
let memory: { readonly buffer: ArrayBuffer } | undefined;

/**
 * Bytes of this thread's SEAL WebAssembly heap (0 before SEAL loads). The heap grows and never
 * shrinks, so this is its high-water mark: what decides `std::bad_alloc` at 4 GiB.
 */
export const sealHeapBytes = (): number => memory?.buffer.byteLength ?? 0;

/** Keeps the module's memory when it is instantiated (Emscripten does not expose it). */
function watchInstantiation(): () => void {
  const original = wasm.instantiate;
  wasm.instantiate = async (...args: unknown[]) => {
    const result = await original.apply(wasm, args);
    type Instance = { exports?: Record<string, unknown> };
    const instance = (result as { instance?: Instance }).instance ?? (result as Instance);
    for (const value of Object.values(instance.exports ?? {})) if (value instanceof wasm.Memory) memory = value;
    return result;
  };
  return () => {
    wasm.instantiate = original;
  };
}

/** Loads node-seal's WebAssembly module once per thread and shares it. */
export function loadSeal(): Promise<SEALLibrary> {
  loading ??= importSealBuild()
    .then(async (m) => {
      // Node's build is CommonJS: Node hands over module.exports as `default`, its typings one level deeper.
      // The web build is an ES module whose `default` is the factory itself.
      const exported: unknown = m.default;
      const factory = (typeof exported === 'function' ? exported : (exported as { default: unknown }).default) as Factory;
      const restore = watchInstantiation();
      try {
        return await factory();
      } finally {
        restore();
      }
    })
    .catch((cause: unknown) => {
      loading = undefined;
      throw new HeError('BACKEND_UNAVAILABLE', `node-seal failed to load (${PLATFORM} build): ${String(cause)}`, { platform: PLATFORM }, { cause });
    });
  return loading;
}
