import { createParams } from 'hekit';
import { createSimBackend } from 'hekit/sim';
import { createSealBackend } from 'hekit/seal';
import { innerProductPlain, sumSlotsRotations } from 'hekit/algorithms';

// N = 8192, 128-bit secure; a first prime well below the special prime keeps rotations quiet.
const params = createParams({ ringDegree: 8192, bitSizes: [50, 40, 40, 60], scale: 2 ** 40 });
const x = [0.5, -1.25, 2, 0.75]; // the client's private data
const w = [2, 1, -0.5, 4]; // public weights
const rotations = sumSlotsRotations(4); // Galois keys for exactly the steps the circuit uses

// Iterate on the simulator: no keys, milliseconds, SEAL's metadata and a predicted error.
const sim = createSimBackend(params, { rotations });
const predicted = innerProductPlain(sim, sim.encrypt(x), w, 4);
console.log('sim', sim.decrypt(predicted)[0], 'level', predicted.level, 'bound', sim.noise(predicted).bound[0]);

// Then run the same circuit for real on Microsoft SEAL.
const seal = await createSealBackend(params, { rotations });
const actual = innerProductPlain(seal, seal.encrypt(x), w, 4);
console.log('seal', seal.decrypt(actual)[0], 'level', actual.level);

sim.dispose();
seal.dispose(); // frees keys and every ciphertext still alive
