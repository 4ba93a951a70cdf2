// Entry of an ingestion worker thread. Parasol runs its TypeScript sources through tsx, whose loader
// a worker thread does not inherit (and Node 20 ignores `--import` in a worker's execArgv), so the
// worker registers it itself before loading the real entry, worker.ts.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
