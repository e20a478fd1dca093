/** Small file helpers of the service's stores: whole-or-nothing writes. */
import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Writes `bytes` to `file` through a temporary sibling and a rename, so a reader never sees half a file. */
export function writeWhole(file: string, bytes: Uint8Array | string): void {
  mkdirSync(dirname(file), { recursive: true });
  const part = `${file}.${randomBytes(6).toString('hex')}.part`;
  writeFileSync(part, bytes);
  renameSync(part, file);
}
