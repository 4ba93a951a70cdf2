// An ingestion worker thread: takes one file at a time from the pool, streams it from the local disk
// or an S3 bucket through processFile, and posts progress and the result (deltas and counts) back.
// It never touches the database: the main thread commits.
import { createReadStream } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import type { S3Client } from '@aws-sdk/client-s3';
import type { WorkerRequest, WorkerResponse } from './pool.js';
import { type FileResult, processFile } from './process-file.js';
import { createS3Client, openObject } from './s3.js';

const clients = new Map<string, S3Client>();

function s3For(options: object): S3Client {
  const key = JSON.stringify(options);
  let client = clients.get(key);
  if (!client) {
    client = createS3Client(options);
    clients.set(key, client);
  }
  return client;
}

async function run(req: WorkerRequest): Promise<FileResult> {
  let input: AsyncIterable<Uint8Array>;
  try {
    const at = req.locator;
    input =
      at.kind === 'file'
        ? createReadStream(at.path, { highWaterMark: 1 << 20 })
        : await openObject(s3For(at.s3), at.bucket, at.key);
  } catch (e) {
    return {
      ok: false,
      permanent: false,
      reason: `could not open the file: ${e instanceof Error ? e.message : String(e)}`,
      bytes: 0,
      rows: 0,
      badRows: 0,
      unrouted: 0,
      errors: [],
    };
  }
  return processFile(input, req.task, (progress) => {
    parentPort!.postMessage({ type: 'progress', id: req.id, progress } satisfies WorkerResponse);
  });
}

parentPort!.on('message', (req: WorkerRequest) => {
  run(req).then(
    (result) => parentPort!.postMessage({ type: 'result', id: req.id, result } satisfies WorkerResponse),
    (e: unknown) =>
      parentPort!.postMessage({
        type: 'error',
        id: req.id,
        message: e instanceof Error ? (e.stack ?? e.message) : String(e),
      } satisfies WorkerResponse),
  );
});
