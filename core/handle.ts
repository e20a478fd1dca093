import { HeError } from './errors.js';
import type { CtMeta } from './meta.js';

/** The backend-side record of a handle: releases its native payload once. */
export interface HandleOwner {
  readonly name: string;
  release(handle: Ciphertext, payload: unknown): void;
}

const payloads = new WeakMap<Ciphertext, unknown>();

/**
 * A ciphertext handle. It owns backend memory (WASM heap on SEAL): dispose it, or
 * create it inside `backend.scope(...)`. Metadata stays readable after dispose;
 * using a disposed handle in an op throws DISPOSED.
 */
export class Ciphertext implements CtMeta {
  readonly level: number;
  readonly scale: number;
  readonly degree: number;
  #disposed = false;

  /** @internal Created by backends only. */
  constructor(
    /** @internal The backend that created the handle and releases its payload. */
    readonly owner: HandleOwner,
    payload: unknown,
    meta: CtMeta,
  ) {
    this.level = meta.level;
    this.scale = meta.scale;
    this.degree = meta.degree;
    payloads.set(this, payload);
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  /** Frees the ciphertext's memory. Idempotent. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    const payload = payloads.get(this);
    payloads.delete(this);
    this.owner.release(this, payload);
  }
}

/**
 * @internal The payload of a live handle owned by `owner`. Errors carry `op` and `argument`
 * (the parameter's name in `Evaluator`: `a`, `b`, `x`, ...).
 */
export function payloadOf<P>(owner: HandleOwner, ct: unknown, op: string, argument = 'x'): P {
  if (!(ct instanceof Ciphertext)) {
    throw new HeError('INVALID_ARGUMENT', `${op}: ${argument} must be a Ciphertext, got ${ct === null ? 'null' : typeof ct}`, { op, argument });
  }
  if (ct.owner !== owner) {
    throw new HeError('FOREIGN_HANDLE', `${op}: ${argument} belongs to another backend (${ct.owner.name}); decrypt and re-encrypt it, or use one backend`, { op, argument });
  }
  if (ct.disposed) {
    throw new HeError('DISPOSED', `${op}: ${argument} was disposed; keep() it or return it from the scope that created it`, { op, argument });
  }
  return payloads.get(ct) as P;
}
