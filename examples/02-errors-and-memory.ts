import { isHeError } from 'hekit';
import { createSimBackend } from 'hekit/sim';

const ev = createSimBackend({ ringDegree: 8192, bitSizes: [50, 40, 40, 60], scale: 2 ** 40 });

// Every mistake is an HeError with a stable code, raised identically by the simulator and SEAL.
const x = ev.encrypt([1, 2, 3]);
const xx = ev.relinearize(ev.mul(x, x)); // scale 2^80, not yet rescaled
try {
  ev.add(x, xx);
} catch (e) {
  if (isHeError(e)) console.log(e.code, e.message);
}

// scope() frees everything created inside except what it returns.
const y = ev.scope(() => ev.rescale(ev.relinearize(ev.square(x))));
console.log('live ciphertexts', ev.memory().ciphertexts, 'depth', ev.stats().depth, 'key switches', ev.stats().keySwitches);
console.log('x^2 =', Array.from(ev.decrypt(y).slice(0, 3)), 'precision bits', ev.noise(y).precisionBits.toFixed(1), 'levels left', ev.noise(y).levelsLeft);
ev.dispose();
