// A program as a user writes it against the installed package: every public layer, by name.
import { analyze, createParams, type Evaluator } from 'hekit';
import { createSimBackend } from 'hekit/sim';
import { createSealBackend } from 'hekit/seal';
import { innerProductPlain, sumSlotsRotations } from 'hekit/algorithms';

const params = createParams({ ringDegree: 8192, bitSizes: [50, 40, 60], scale: 2 ** 40 });
const x = [0.5, -1.25, 2, 0.75];
const w = [2, 1, -0.5, 4];
const circuit = <C>(ev: Evaluator<C>): C => innerProductPlain(ev, ev.encrypt(x), w, 4);
const rotations = sumSlotsRotations(4);

const { depth } = analyze(circuit, { params });
const sim = createSimBackend(params, { rotations });
const seal = await createSealBackend(params, { rotations });
console.log(JSON.stringify({ depth, sim: sim.decrypt(circuit(sim))[0], seal: seal.decrypt(circuit(seal))[0] }));
sim.dispose();
seal.dispose();
