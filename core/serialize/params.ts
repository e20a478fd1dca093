/**
 * Parameters as an envelope whose body is UTF-8 JSON: the literal (ring degree, bit sizes,
 * scale, security) and the primes as decimal strings, so any language can read it. Loading
 * re-derives everything through `createParams`, the parser every other input goes through.
 */
import { HeError } from '../errors.js';
import { createParams, type CkksParams } from '../params/index.js';
import { deserializeError, hex, openEnvelope, writeEnvelope } from './envelope.js';
import { paramsFingerprint } from './fingerprint.js';

// A literal with 256 primes is about 4 KiB; anything far larger is not parameters.
const MAX_BODY_BYTES = 1 << 16;
const FIELDS = ['ringDegree', 'bitSizes', 'scale', 'security', 'primes'];

/** The parameters' envelope: the literal and the concrete primes as JSON, under their fingerprint. */
export function saveParams(params: CkksParams): Uint8Array {
  const body = {
    ringDegree: params.ringDegree,
    bitSizes: params.bitSizes,
    scale: params.scale,
    // Parameters made with allowInsecure record 128; loading them needs allowInsecure again.
    security: params.security === 'none' ? 128 : params.security,
    primes: params.primes.map(String),
  };
  return writeEnvelope({ kind: 'params', fingerprint: paramsFingerprint(params) }, new TextEncoder().encode(JSON.stringify(body)));
}

/** How much `loadParams` trusts: never more than the caller says. */
export interface LoadParamsOptions {
  /** Accept parameters above the HE-standard limit (default false: PARAMS_INSECURE). The bytes cannot grant this themselves. */
  readonly allowInsecure?: boolean;
  /** Require these parameters' fingerprint. */
  readonly fingerprint?: Uint8Array;
}

/**
 * Throws DESERIALIZE (`details.field` names the field), or PARAMS_INSECURE for parameters
 * above the security limit unless `allowInsecure`.
 */
export function loadParams(bytes: Uint8Array, options: LoadParamsOptions = {}): CkksParams {
  const { header, body } = openEnvelope(bytes, { kinds: ['params'], fingerprint: options.fingerprint ?? null, keySet: null });
  if (body.length > MAX_BODY_BYTES) throw deserializeError('bodyLength', `a parameter body of ${body.length} bytes exceeds ${MAX_BODY_BYTES}`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch (e) {
    throw deserializeError('body', 'the parameter body is not UTF-8 JSON', {}, e);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw deserializeError('body', 'the parameter body is not a JSON object');
  const record = json as Record<string, unknown>;
  const unknown = Object.keys(record).find((k) => !FIELDS.includes(k));
  if (unknown !== undefined) throw deserializeError('body', `unknown parameter field ${JSON.stringify(unknown)}`, { key: unknown });
  let params: CkksParams;
  try {
    params = createParams({
      ringDegree: record['ringDegree'] as number,
      bitSizes: record['bitSizes'] as number[],
      scale: record['scale'] as number,
      security: record['security'] as 128,
      allowInsecure: options.allowInsecure === true,
      // The small-scale guard is for literals typed by hand; saved parameters passed it, or were let past it, when made.
      allowSmallScale: true,
    });
  } catch (e) {
    if (e instanceof HeError && e.code === 'PARAMS_INVALID') throw deserializeError('params', e.message, { problems: e.details['problems'] }, e);
    throw e;
  }
  const primes = record['primes'];
  if (!Array.isArray(primes) || primes.length !== params.primes.length || primes.some((p, i) => p !== String(params.primes[i]))) {
    throw deserializeError('primes', 'the stored primes differ from those the bit sizes give');
  }
  const fingerprint = paramsFingerprint(params);
  if (fingerprint.some((b, i) => b !== header.fingerprint[i])) {
    throw deserializeError('fingerprint', `the header's fingerprint ${hex(header.fingerprint)} is not that of the parameters inside (${hex(fingerprint)})`);
  }
  return params;
}
