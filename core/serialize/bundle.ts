/**
 * A bundle: named envelopes (ciphertexts, encrypted matrices and vectors, ...) with a small
 * integer record, as one envelope of kind `bundle`, so one file carries what a protocol step
 * sends. Pure TypeScript, for Node and browsers.
 *
 * Body: u32 length of the manifest, the manifest (UTF-8 JSON `{"fields":{...},"names":[...]}`,
 * with `"binding":"<64 hex digits>"` when the writer binds the bundle to a context such as a
 * training plan), then one envelope per name, in order. `count` in the header is the number
 * of entries. The header carries the parameter fingerprint and the key set, and every entry
 * must carry the same.
 */
import { HeError } from '../errors.js';
import { deserializeError, hex, openEnvelope, writeEnvelope, type EnvelopeKind } from './envelope.js';

/** Entry names: letters, digits and `*`, 1 to 32 characters (the training inputs' `X1`, `M2*`, ...). */
export const BUNDLE_NAME = /^[A-Za-z0-9*]{1,32}$/;
/** A bundle's integer record: keys are identifiers, values non-negative safe integers. */
export type BundleFields = Readonly<Record<string, number>>;

const MANIFEST_MAX = 65536;
const FIELD_NAME = /^[A-Za-z][A-Za-z0-9]{0,31}$/;
const FIELDS_MAX = 16;

/** Whose a bundle is: the parameter fingerprint and key set of the writer's (or reader's) backend, as a `CiphertextCodec` has them. */
export interface BundleOwner {
  readonly fingerprint: Uint8Array;
  readonly keySet: Uint8Array;
}

const BINDING_HEX = /^[0-9a-f]{64}$/;
const toHex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/** What `openBundle` returns: the record and each entry's envelope bytes (views into the input). */
export interface OpenedBundle {
  readonly fields: BundleFields;
  /** Entry name to its envelope's bytes, in the bundle's order. */
  readonly entries: ReadonlyMap<string, Uint8Array>;
}

/**
 * One `bundle` envelope of `owner` holding `entries` (each already an envelope of the same
 * parameters and key set), `fields`, and a 32-byte `binding` if given (`openBundle` then
 * requires the same). Throws INVALID_ARGUMENT on a bad or repeated name, a bad field or binding.
 */
export function writeBundle(
  owner: BundleOwner, fields: BundleFields, entries: ReadonlyMap<string, Uint8Array> | readonly (readonly [string, Uint8Array])[], binding: Uint8Array | null = null,
): Uint8Array {
  const list = [...entries];
  checkManifest(fields, list.map(([n]) => n), (field, message) => {
    throw new HeError('INVALID_ARGUMENT', `writeBundle: ${message}`, { field });
  });
  if (binding !== null && binding.length !== 32) throw new HeError('INVALID_ARGUMENT', 'writeBundle: a binding has 32 bytes', { field: 'binding' });
  const manifest = new TextEncoder().encode(JSON.stringify({ fields, names: list.map(([n]) => n), ...(binding === null ? {} : { binding: toHex(binding) }) }));
  const length = new Uint8Array(4);
  new DataView(length.buffer).setUint32(0, manifest.length, true);
  return writeEnvelope({ kind: 'bundle', fingerprint: owner.fingerprint, keySet: owner.keySet, count: list.length }, [length, manifest, ...list.map(([, b]) => b)]);
}

function checkManifest(fields: unknown, names: unknown, fail: (field: string, message: string) => never): void {
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) fail('manifest', 'fields must be an object');
  const keys = Object.keys(fields as object);
  if (keys.length > FIELDS_MAX) fail('manifest', `at most ${FIELDS_MAX} fields`);
  for (const k of keys) {
    const v = (fields as Record<string, unknown>)[k];
    if (!FIELD_NAME.test(k) || !Number.isSafeInteger(v) || (v as number) < 0) fail('manifest', `field ${JSON.stringify(k).slice(0, 40)} must be an identifier with a non-negative integer value`);
  }
  if (!Array.isArray(names)) fail('manifest', 'names must be an array');
  const seen = new Set<string>();
  for (const n of names as unknown[]) {
    if (typeof n !== 'string' || !BUNDLE_NAME.test(n)) fail('manifest', `entry name ${JSON.stringify(n)?.slice(0, 40)} is not 1-32 letters, digits or *`);
    if (seen.has(n as string)) fail('manifest', `entry name ${n as string} appears twice`);
    seen.add(n as string);
  }
}

/**
 * Reads a bundle made for `owner`'s parameters and key set: the envelope, the manifest (strict
 * JSON of the shape above, names unique and valid, as many as `count`, the binding equal to
 * `binding`: present exactly when one is expected), then each entry's envelope header and
 * checksum (kinds in `kinds`, same parameters and key set); the entries are not loaded. Throws
 * DESERIALIZE naming the field (`keySet` for another key pair, `binding` for another context).
 */
export function openBundle(bytes: Uint8Array, owner: BundleOwner, kinds: readonly EnvelopeKind[], binding: Uint8Array | null = null): OpenedBundle {
  const { fingerprint, keySet } = owner;
  const { header, body } = openEnvelope(bytes, { kinds: ['bundle'], fingerprint, keySet });
  if (body.length < 4) throw deserializeError('manifest', 'no manifest length');
  const length = new DataView(body.buffer, body.byteOffset, 4).getUint32(0, true);
  if (length > MANIFEST_MAX || length > body.length - 4) throw deserializeError('manifest', `a manifest of ${length} bytes does not fit`, { length });
  let manifest: unknown;
  try {
    manifest = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body.subarray(4, 4 + length)));
  } catch (e) {
    throw deserializeError('manifest', 'the manifest is not UTF-8 JSON', {}, e);
  }
  const keys = typeof manifest === 'object' && manifest !== null && !Array.isArray(manifest) ? Object.keys(manifest).sort().join() : '';
  if (keys !== 'fields,names' && keys !== 'binding,fields,names') {
    throw deserializeError('manifest', 'the manifest must hold exactly "fields", "names" and an optional "binding"');
  }
  const { fields, names, binding: stored } = manifest as { fields: unknown; names: unknown; binding?: unknown };
  if (stored !== undefined && (typeof stored !== 'string' || !BINDING_HEX.test(stored))) throw deserializeError('manifest', 'a binding is 64 lowercase hex digits');
  if ((stored ?? null) !== (binding === null ? null : toHex(binding))) {
    throw deserializeError('binding', binding === null
      ? 'this bundle is bound to a context the reader did not expect'
      : `this bundle belongs to another context (binding ${stored === undefined ? 'absent' : `${stored.slice(0, 16)}…`}, expected ${hex(binding)})`);
  }
  checkManifest(fields, names, (field, message) => {
    throw deserializeError(field, message);
  });
  const list = names as string[];
  if (list.length !== header.count) throw deserializeError('count', `${header.count} entries declared, ${list.length} named`, { count: header.count });
  const entries = new Map<string, Uint8Array>();
  let offset = 4 + length;
  for (const name of list) {
    const { end } = openEnvelope(body, { kinds, fingerprint, keySet }, offset, false);
    entries.set(name, body.subarray(offset, end));
    offset = end;
  }
  if (offset !== body.length) throw deserializeError('bodyLength', `${body.length - offset} bytes follow the last entry`);
  return { fields: Object.freeze({ ...(fields as Record<string, number>) }), entries };
}
