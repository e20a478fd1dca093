import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  resolve: {
    // Examples and README snippets import the package by name, as users do.
    alias: [
      { find: /^hekit$/, replacement: here('./core/index.ts') },
      { find: /^hekit\/sim$/, replacement: here('./backends/sim/index.ts') },
      { find: /^hekit\/seal$/, replacement: here('./backends/seal/index.ts') },
      { find: /^hekit\/seal\/pool$/, replacement: here('./backends/seal/pool/index.ts') },
      { find: /^hekit\/algorithms$/, replacement: here('./algorithms/index.ts') },
      { find: /^hekit\/client$/, replacement: here('./client/index.ts') },
      { find: /^hekit\/server$/, replacement: here('./server/index.ts') },
      { find: /^hekit\/service$/, replacement: here('./service/index.ts') },
    ],
  },
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
