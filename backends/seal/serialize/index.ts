export { loadCiphertext, saveCiphertext, sealCiphertextCodec } from './ciphertext.js';
export type { Compression, SaveOptions } from './compression.js';
export {
  createSealClientBackend, createSealServerBackend, exportSecretKey, exportServerKeys, generateGaloisKeys,
  type KeyedBackendOptions, type PublicBytes, type SecretKeyBytes,
} from './keys.js';
