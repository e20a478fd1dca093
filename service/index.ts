/**
 * hekit/service: encrypted training as a service. The client side (`trainRemote`: keys,
 * encryption, refresh and decryption stay with the caller) and the parts `hekit serve` and
 * `hekit worker` are made of: the fastify API (`createApi`), the BullMQ round queue
 * (`createRoundQueue`) and worker (`startWorker`), hashed API tokens (`createToken`) and the
 * content-addressed blob store behind an interface (`BlobStore`), swept by retention. Guide:
 * docs/deployment.md.
 *
 * @module hekit/service
 */
export { ServiceError, planRequestOf, trainRemote, type RemoteProgress, type RemoteRound, type RemoteTrainingOptions, type RemoteTrainingResult } from './client.js';
export { createApi, DEFAULT_MAX_ACTIVE_JOBS, type ApiOptions, type JobStatus, type SweepEvent, type UploadLimits } from './api/app.js';
export type { ErrorBody } from './api/errors.js';
export { QUEUE_NAME, ROUND_ATTEMPTS, createRoundQueue, type RoundQueue, type RoundTask } from './queue.js';
export { startWorker, type RoundWorker, type WorkerEvent, type WorkerOptions } from './worker/worker.js';
export { createToken, tenantOf } from './store/tokens.js';
export { blobId, createDiskBlobStore, type BlobStore, type DiskBlobStoreOptions } from './store/blobs.js';
export { BLOB_GRACE_MS, DEFAULT_RETENTION_HOURS, type SweepReport } from './store/retention.js';
export type { JobRecord, JobSpec, JobState, RoundFigures, RoundRecord } from './store/jobs.js';
