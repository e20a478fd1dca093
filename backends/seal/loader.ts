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

/** Loads node-seal's WebAssembly module once per thread and shares it. */
export function loadSeal(): Promise<SEALLibrary> {
  loading ??= importSealBuild()
    .then((m) => {
      // Node's build is CommonJS: Node hands over module.exports as `default`, its typings one level deeper.
      // The web build is an ES module whose `default` is the factory itself.
      const exported: unknown = m.default;
      const factory = (typeof exported === 'function' ? exported : (exported as { default: unknown }).default) as Factory;
      return factory();
    })
    .catch((cause: unknown) => {
      loading = undefined;
      throw new HeError('BACKEND_UNAVAILABLE', `node-seal failed to load (${PLATFORM} build): ${String(cause)}`, { platform: PLATFORM }, { cause });
    });
  return loading;
}
