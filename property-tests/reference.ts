/**
 * The plain float64 interpreter of the three-way oracle. It shares no code with the
 * simulator: values only, computed directly from the program's definition.
 */
import { operand, seededValues, type InputSpec, type PlainSpec, type Program } from './program.js';

export function inputValues(spec: InputSpec, slots: number): Float64Array {
  if (spec.kind === 'zeros') return new Float64Array(slots);
  if (spec.kind === 'constant') return new Float64Array(slots).fill((seededValues(spec.seed, 1)[0] as number) * 4);
  return seededValues(spec.seed, slots);
}

export function plainValues(spec: PlainSpec, slots: number): Float64Array {
  switch (spec.kind) {
    case 'scalar': return new Float64Array(slots).fill(spec.value);
    case 'zero': return new Float64Array(slots);
    case 'vector': return seededValues(spec.seed, slots);
  }
}

/** Reference values of every register (computed even where a backend would refuse the op). */
export function interpret(program: Program, slots: number): Float64Array[] {
  const regs: Float64Array[] = program.inputs.map((i) => inputValues(i, slots));
  for (const step of program.steps) {
    const x = regs[operand(step.a, regs.length)] as Float64Array;
    const out = new Float64Array(slots);
    switch (step.op) {
      case 'add': case 'sub': case 'mul': {
        const y = regs[operand(step.b, regs.length)] as Float64Array;
        for (let k = 0; k < slots; k++) {
          const u = x[k] as number, v = y[k] as number;
          out[k] = step.op === 'add' ? u + v : step.op === 'sub' ? u - v : u * v;
        }
        break;
      }
      case 'neg': for (let k = 0; k < slots; k++) out[k] = -(x[k] as number); break;
      case 'square': for (let k = 0; k < slots; k++) out[k] = (x[k] as number) ** 2; break;
      case 'addPlain': case 'mulPlain': {
        const p = plainValues(step.plain, slots);
        for (let k = 0; k < slots; k++) out[k] = step.op === 'addPlain' ? (x[k] as number) + (p[k] as number) : (x[k] as number) * (p[k] as number);
        break;
      }
      case 'rotate': for (let k = 0; k < slots; k++) out[k] = x[(((k + step.step) % slots) + slots) % slots] as number; break;
      case 'rescale': case 'dropLevelTo': out.set(x); break;
    }
    regs.push(out);
  }
  return regs;
}
