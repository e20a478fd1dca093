/**
 * The circuit graph: one node per ciphertext an op produced, recorded by kernels that compute
 * nothing. Behind `defineBackend` they get the checked layer's rules, so a metadata-only run
 * fails with the same error codes as the simulator and SEAL, and counts memory the same way.
 */
import type { Kernels } from '../kernels.js';
import type { CtMeta } from '../meta.js';
import type { OpName } from '../rules.js';

/** Ops as recorded: the checked layer's no-ops (relinearize at degree 1, rotate by 0, drop to the same level) are 'copy'. */
export type GraphOp = Exclude<OpName, 'decrypt'> | 'copy';

/** One ciphertext an op produced, with the op, its operands and the result's metadata. */
export interface GraphNode extends CtMeta {
  /** Position in the recorded node list, in creation order. */
  readonly id: number;
  /** The op that produced it. */
  readonly op: GraphOp;
  /** Ids of the ciphertext operands. */
  readonly inputs: readonly number[];
  /** Rotation step, for 'rotate'. */
  readonly step?: number;
  /** Key switches the op performed (relinearize: 1, rotate: one per NAF term). */
  readonly keySwitches: number;
  /** For 'encrypt': under the secret key (SEAL's symmetric encryption, cheaper than the public key's). */
  readonly symmetric?: true;
}

/** Allocation order: node id created (+) or freed (-), for the peak memory sweep. */
export type MemoryEvent = { readonly id: number; readonly live: boolean };

export class GraphRecorder {
  readonly nodes: GraphNode[] = [];
  readonly events: MemoryEvent[] = [];
  /** Node ids of the ciphertexts decrypted, in order. */
  readonly decrypted: number[] = [];

  /** Kernels for a ring with `slots` slots. */
  kernels(slots: number): Kernels<number> {
    const node = (op: GraphOp, inputs: readonly number[], out: CtMeta, extra: { step?: number; keySwitches?: number; symmetric?: true } = {}): number => {
      const id = this.nodes.length;
      this.nodes.push({
        id, op, inputs, level: out.level, scale: out.scale, degree: out.degree, keySwitches: extra.keySwitches ?? 0,
        ...(extra.step === undefined ? {} : { step: extra.step }), ...(extra.symmetric ? { symmetric: true } : {}),
      });
      this.events.push({ id, live: true });
      return id;
    };
    return {
      encrypt: (_values, out, symmetric) => node('encrypt', [], out, symmetric ? { symmetric } : {}),
      decrypt: (x) => {
        this.decrypted.push(x);
        // Values are not tracked: a metadata-only run decrypts to zeros.
        return new Float64Array(slots);
      },
      add: (a, b, out) => node('add', [a, b], out),
      sub: (a, b, out) => node('sub', [a, b], out),
      neg: (a, out) => node('neg', [a], out),
      addPlain: (a, _values, out) => node('addPlain', [a], out),
      mulPlain: (a, _values, _scale, out) => node('mulPlain', [a], out),
      mul: (a, b, out) => node('mul', [a, b], out),
      square: (a, out) => node('square', [a], out),
      relinearize: (a, out) => node('relinearize', [a], out, { keySwitches: 1 }),
      rescale: (a, out) => node('rescale', [a], out),
      dropLevelTo: (a, out) => node('dropLevelTo', [a], out),
      rotate: (a, step, terms, out) => node('rotate', [a], out, { step, keySwitches: terms.length }),
      copy: (a, out) => node('copy', [a], out),
      free: (x) => {
        this.events.push({ id: x, live: false });
      },
      close: () => {},
    };
  }
}
