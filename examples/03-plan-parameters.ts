import type { Evaluator } from 'hekit';
import { planParams } from 'hekit/sim';
import { createSealBackend } from 'hekit/seal';

// A circuit written once: x² + x on 1024 values, at depth 1.
const circuit = <C>(ev: Evaluator<C>) => {
  const x = ev.encrypt(Array.from({ length: 1024 }, (_, i) => i / 1024));
  const x2 = ev.rescale(ev.relinearize(ev.square(x)));
  // x brought to x²'s level and exact scale: times 1 at x's own scale, it rescales as x² did.
  return ev.add(x2, ev.rescale(ev.mulPlain(x, 1, ev.meta(x).scale)));
};

// A dry run on the simulator measures depth, values, slots and rotations; the planner picks
// the smallest secure parameters whose predicted precision meets the request.
const plan = planParams(circuit, { precisionBits: 25 });
console.log(plan.explanation.join('\n'));

const seal = await createSealBackend(plan.params, { rotations: plan.rotations });
const result = seal.decrypt(circuit(seal) as never);
console.log('x = 0.5:', result[512]);
seal.dispose();
