/**
 * Bundles the browser client (client.ts + index.html) with esbuild for browsers: the
 * `browser` map in package.json swaps backends/seal/platform.ts for platform.browser.ts
 * (node-seal's web build, fflate for zlib), so no Node API is left in the bundle.
 * `npm run build:browser` writes browser/dist/; the browser test bundles in memory.
 */
import { readFile, mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

export interface ClientBundle {
  /** The page and the script it loads, by file name. */
  readonly files: ReadonlyMap<string, Uint8Array>;
  /** client.js in bytes, raw and gzip-compressed (level 9). */
  readonly bytes: number;
  readonly gzipBytes: number;
}

/** Bundles client.ts (minified ES module for ES2022 browsers, source map beside it) and reads index.html. */
export async function bundleClient(): Promise<ClientBundle> {
  const result = await build({
    entryPoints: [here('./client.ts')],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: true,
    // node-seal inlines its WebAssembly in a string: UTF-8 output is 10% smaller than escaped ASCII (module scripts are always UTF-8).
    charset: 'utf8',
    sourcemap: 'linked',
    outdir: here('./dist'),
    write: false,
    logLevel: 'silent',
  });
  const files = new Map<string, Uint8Array>();
  for (const f of result.outputFiles) files.set(f.path.slice(f.path.lastIndexOf('/') + 1), f.contents);
  files.set('index.html', await readFile(here('./index.html')));
  const js = files.get('client.js');
  if (!js) throw new Error('esbuild wrote no client.js');
  return { files, bytes: js.length, gzipBytes: gzipSync(js, { level: 9 }).length };
}

const MiB = (n: number): string => (n / 2 ** 20).toFixed(2);

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const bundle = await bundleClient();
  const out = here('./dist');
  await mkdir(out, { recursive: true });
  for (const [name, contents] of bundle.files) await writeFile(`${out}/${name}`, contents);
  console.log(`browser/dist: ${[...bundle.files.keys()].join(', ')}; client.js ${MiB(bundle.bytes)} MiB (${MiB(bundle.gzipBytes)} MiB gzip)`);
}
