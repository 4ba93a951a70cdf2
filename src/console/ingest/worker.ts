// An ingestion worker thread: takes one file at a time from the pool, streams it from the local disk
// or an S3 bucket through processFile, and posts progress and the result (deltas and counts) back,
// the deltas' column buffers transferred (moved, not copied) to the main thread.
// It never touches the database: the main thread commits.
import { createReadStream } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import type { S3Client } from '@aws-sdk/client-s3';
import { columnBuffers } from '../aggregate/columns.js';
import type { WorkerRequest, WorkerResponse } from './pool.js';
import { type FileResult, processFile } from './process-file.js';

const clients = new Map<string, S3Client>();

/** The AWS SDK is loaded only by a worker that reads from S3 (it weighs ~15 MB per thread). */
async function s3Object(at: { bucket: string; key: string; s3: object }): Promise<AsyncIterable<Uint8Array>> {
  const { createS3Client, openObject } = await import('./s3.js');
  const key = JSON.stringify(at.s3);
  let client = clients.get(key);
  if (!client) {
    client = createS3Client(at.s3);
    clients.set(key, client);
  }
  return openObject(client, at.bucket, at.key);
}

async function run(req: Extract<WorkerRequest, { task: unknown }>): Promise<FileResult> {
  let input: AsyncIterable<Uint8Array>;
  try {
    const at = req.locator;
    input = at.kind === 'file' ? createReadStream(at.path, { highWaterMark: 1 << 20 }) : await s3Object(at);
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
  if ('ping' in req) {
    parentPort!.postMessage({ type: 'ready', id: req.id } satisfies WorkerResponse);
    return;
  }
  run(req).then(
    // The deltas' buffers are transferred, not copied: the thread gives them up.
    (result) =>
      parentPort!.postMessage(
        { type: 'result', id: req.id, result } satisfies WorkerResponse,
        result.ok ? columnBuffers(result.deltas) : [],
      ),
    (e: unknown) =>
      parentPort!.postMessage({
        type: 'error',
        id: req.id,
        message: e instanceof Error ? (e.stack ?? e.message) : String(e),
      } satisfies WorkerResponse),
  );
});
