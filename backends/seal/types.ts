// node-seal's types, imported in one place.
export type { SEALLibrary } from 'node-seal/implementation/seal.js';
export type { CipherText } from 'node-seal/implementation/cipher-text.js';
export type { PlainText } from 'node-seal/implementation/plain-text.js';
