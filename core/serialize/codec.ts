/** Saves and loads one backend's ciphertexts: what containers of ciphertexts (linalg objects) are written against. */
export interface CiphertextCodec<C> {
  /** The backend's `paramsFingerprint`. */
  readonly fingerprint: Uint8Array;
  /** The backend's key set (`keySetFingerprint`): every envelope written carries it, every load requires it. */
  readonly keySet: Uint8Array;
  readonly slots: number;
  /** A ciphertext's level, scale and degree (the backend's `meta`). */
  meta(ct: C): { readonly level: number; readonly scale: number; readonly degree: number };
  /** A ciphertext envelope. */
  save(ct: C): Uint8Array;
  /** Throws DESERIALIZE, and then has loaded nothing. */
  load(bytes: Uint8Array): C;
  /** Frees a ciphertext `load` returned (the backend's `free`). */
  free(ct: C): void;
}
