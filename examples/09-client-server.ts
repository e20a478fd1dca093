/**
 * Encrypted training between two processes that share only a directory: the client
 * (examples/client-server/client.ts) and the server (examples/client-server/server.ts), two
 * low-depth rounds with a flooded refresh between them. Prints the client's report.
 * Usage: npx tsx examples/09-client-server.ts [work dir, kept when given]
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const work = process.argv[2] ?? mkdtempSync(join(tmpdir(), 'hekit-client-server-'));
const [exchange, own] = [join(work, 'exchange'), join(work, 'client-only')];
mkdirSync(exchange, { recursive: true });
mkdirSync(own, { recursive: true });

/** Runs one side; resolves with its stdout, or marks the run failed (the peer then stops) and rejects. */
function side(script: string, args: string[]): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', join('examples', 'client-server', script), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  return new Promise((resolve, reject) => child.on('close', (code) => {
    if (code === 0) return resolve(out);
    writeFileSync(join(exchange, 'failed'), script);
    reject(new Error(`${script} exited with code ${code}`));
  }));
}

try {
  const [report] = await Promise.all([side('client.ts', [exchange, own]), side('server.ts', [exchange])]);
  console.log(report.trim());
} finally {
  if (process.argv[2] === undefined) rmSync(work, { recursive: true, force: true });
}
