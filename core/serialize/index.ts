export {
  ENVELOPE_VERSION, HEADER_BYTES, KIND_CODES, deserializeError, openEnvelope, sameBytes, writeEnvelope,
  type EnvelopeFields, type EnvelopeHeader, type EnvelopeKind, type Expectation, type OpenedEnvelope,
} from './envelope.js';
export { keySetFingerprint, paramsFingerprint, textFingerprint } from './fingerprint.js';
export { loadParams, saveParams, type LoadParamsOptions } from './params.js';
export type { CiphertextCodec } from './codec.js';
export { BUNDLE_NAME, openBundle, writeBundle, type BundleFields, type BundleOwner, type OpenedBundle } from './bundle.js';
