// Starts a pool worker from the TypeScript sources (tests, tsx): registers tsx, then imports the entry.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
