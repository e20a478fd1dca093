import { analyze, createParams, isHeError, loadParams, paired } from 'hekit';
import { createSimBackend, planParams } from 'hekit/sim';
import { createSealBackend, createSealServerBackend, exportServerKeys } from 'hekit/seal';
import { logreg } from 'hekit/algorithms';

// One way to meet every HeError code a user can trigger, in the order of the table in docs/errors.md.
const params = { ringDegree: 8192, bitSizes: [50, 40, 40, 60], scale: 2 ** 40 };
const ev = createSimBackend(params, { rotations: [1] });
const x = ev.encrypt([1, 2, 3]); // level 2, scale 2^40

/** Prints the code and message of the HeError `cause` throws. */
function show(cause: () => unknown): void {
  try {
    cause();
    console.log('no error');
  } catch (e) {
    if (!isHeError(e)) throw e;
    console.log(e.code, e.message);
  }
}

show(() => createParams({ ringDegree: 1000, bitSizes: [50, 60], scale: 2 ** 40 }));
show(() => createParams({ ringDegree: 4096, bitSizes: [60, 60, 60], scale: 2 ** 40 }));
show(() => ev.add(x, ev.relinearize(ev.mul(x, x))));
show(() => ev.add(x, ev.dropLevelTo(x, 1)));
show(() => ev.mulPlain(ev.dropLevelTo(x, 0), 2, 2 ** 40));
show(() => ev.rescale(ev.dropLevelTo(x, 0)));
show(() => ev.encrypt(1, { level: 5 }));
show(() => ev.encrypt(2 ** 100));
show(() => ev.square(ev.encrypt(2 ** 30)));
show(() => ev.encrypt([1, NaN]));
show(() => ev.mulPlain(x, 0));
show(() => ev.rotate(x, 3));
show(() => ev.rotate(x, 4096));
show(() => ev.rotate(ev.mul(x, x), 1));
show(() => analyze((e) => {
  // At the scale floor, 2^10, on 180 bits the scales fit; the degree does not (the metadata-only pass checks no values).
  const y = e.encrypt(1, { scale: 2 ** 10 });
  let p = y;
  for (let i = 0; i < 15; i++) p = e.mul(p, y);
  return p;
}, { params: { ringDegree: 16384, bitSizes: [60, 60, 60, 60], scale: 2 ** 40 } }));
show(() => ev.relinearize(ev.mul(ev.mul(x, x), ev.dropLevelTo(x, 2))));
const single = createSimBackend({ ringDegree: 4096, bitSizes: [50], scale: 2 ** 20 }); // one prime, so no special prime
show(() => single.relinearize(single.square(single.encrypt(1))));
const gone = ev.encrypt(1);
ev.free(gone);
show(() => ev.neg(gone));
show(() => createSimBackend(params).neg(x));
show(() => logreg.downsample(new Float64Array(100)));
show(() => createSimBackend(params, { boundFailure: 2 }));
show(() => paired(createSimBackend(params, { noise: 'inject' }), createSimBackend(params, { noise: 'off' }), { tolerance: 1e-15 }).encrypt(1));
show(() => planParams({ depth: 40, maxValueBits: 1, slots: 8, rotations: [] }, { precisionBits: 30 }));
show(() => loadParams(new Uint8Array(8)));
show(() => logreg.Model.fromJSON('{"format": "hekit/logreg-model", "version": 2}'));
const client = await createSealBackend({ ringDegree: 4096, bitSizes: [40, 40], scale: 2 ** 30 });
const server = await createSealServerBackend(exportServerKeys(client)); // public material only
show(() => server.decrypt(server.encrypt(1)));
[ev, single, client, server].forEach((b) => b.dispose());
