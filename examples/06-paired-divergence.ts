import { isHeError, paired } from 'hekit';
import { createSimBackend } from 'hekit/sim';
import { createSealBackend } from 'hekit/seal';

// Values that outgrow the modulus: SEAL wraps them silently and decrypts garbage.
const params = { ringDegree: 8192, bitSizes: [40, 30, 50], scale: 2 ** 30 };
const ev = paired(await createSealBackend(params), createSimBackend(params), { ownsBackends: true });
try {
  const x = ev.encrypt([3, 1e6]);
  const x2 = ev.relinearize(ev.square(x)); // (1e6)² · 2^60 does not fit a 70-bit modulus
  console.log('unreachable', ev.decrypt(x2)[1]);
} catch (e) {
  // The paired run stops at the op, with both sides' view of it.
  if (isHeError(e, 'DIVERGENCE')) console.log(e.message, '|', e.details.referenceCode);
}
ev.dispose();
