import { createSealBackend, createSealServerBackend, exportSecretKey, exportServerKeys, loadCiphertext, saveCiphertext } from 'hekit/seal';

// Client: keys, then only public material leaves the machine (the secret key stays).
const client = await createSealBackend({ ringDegree: 8192, bitSizes: [60, 40, 60], scale: 2 ** 40 }, { rotations: [1] });
const keys = exportServerKeys(client); // parameters, public, relinearization and Galois keys
const secret = exportSecretKey(client); // explicit, and typed so no server function accepts it
const x = client.encrypt([1, 2, 3]);
const request = saveCiphertext(client, x);

// Server: evaluation only. Every byte is validated before SEAL sees it (DESERIALIZE otherwise).
const server = await createSealServerBackend(keys);
const y = loadCiphertext(server, request);
const z = server.rotate(server.rescale(server.relinearize(server.mul(y, y))), 1);
const reply = saveCiphertext(server, z);
server.dispose();

// Client: decrypt the reply.
const result = client.decrypt(loadCiphertext(client, reply));
console.log(Array.from(result.subarray(0, 2), (v) => Math.round(v)), keys.length > 0, secret.length > 0);
client.dispose();
