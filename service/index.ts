/**
 * hekit/service: encrypted training as a service. The client side (`trainRemote`: keys,
 * encryption, refresh and decryption stay with the caller) and the parts `hekit serve` and
 * `hekit worker` are made of: the fastify API (`createApi`), the BullMQ round queue
 * (`createRoundQueue`) and worker (`startWorker`), hashed API tokens (`createToken`) and the
 * content-addressed blob store behind an interface (`BlobStore`). Guide: docs/deployment.md.
 *
 * @module hekit/service
 */
export { ServiceError, planRequestOf, trainRemote, type RemoteProgress, type RemoteRound, type RemoteTrainingOptions, type RemoteTrainingResult } from './client.js';
export { createApi, type ApiOptions, type JobStatus, type UploadLimits } from './api/app.js';
export type { ErrorBody } from './api/errors.js';
export { QUEUE_NAME, ROUND_ATTEMPTS, createRoundQueue, type RoundQueue, type RoundTask } from './queue.js';
export { startWorker, type RoundWorker, type WorkerEvent, type WorkerOptions } from './worker/worker.js';
export { createToken, tenantOf } from './store/tokens.js';
export { blobId, createDiskBlobStore, type BlobStore } from './store/blobs.js';
export type { JobSpec, JobState, RoundFigures } from './store/jobs.js';
