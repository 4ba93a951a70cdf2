// A small pool of worker threads that process files (see worker.ts): at most `size` files at once,
// the rest queued; progress relayed per file; a worker that dies fails its file (not permanently:
// the caller releases the unit for a later run) and is replaced on demand. Size 0 processes files
// on the calling thread instead (tests, debugging).
//
// Starting a thread costs ~0.3–0.4 s from the TypeScript sources (less from the compiled bundle), so
// threads are kept between files and between calls: an idle thread does not keep the process alive
// (unref) and ends after `idleMs` without work.
import { createReadStream } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { type FileProgress, type FileResult, type FileTask, processFile } from './process-file.js';
import type { S3Options } from './s3.js';

export type Locator =
  | { kind: 'file'; path: string }
  | { kind: 's3'; bucket: string; key: string; s3: S3Options };

export type WorkerRequest =
  | { id: number; locator: Locator; task: FileTask }
  /** Answered with 'ready' once the thread has loaded its code (WorkerPool.warm). */
  | { id: number; ping: true };

export type WorkerResponse =
  | { type: 'progress'; id: number; progress: FileProgress }
  | { type: 'result'; id: number; result: FileResult }
  | { type: 'error'; id: number; message: string }
  | { type: 'ready'; id: number };

interface Job {
  request: WorkerRequest;
  onProgress: ((p: FileProgress) => void) | undefined;
  resolve: (r: FileResult | undefined) => void;
  reject: (e: Error) => void;
}

/** How long an idle thread is kept (longer than the worker role's default folder scan interval). */
export const DEFAULT_IDLE_MS = 120_000;

/**
 * Compiled (`parasol` runs the bundle in dist/server): the worker's own bundle entry beside this
 * chunk. From the TypeScript sources (tsx, tests): worker-boot.mjs registers tsx, then loads worker.ts.
 */
const COMPILED = !import.meta.url.endsWith('.ts');
const BOOT = COMPILED
  ? new URL('./ingest-worker.js', import.meta.url)
  : new URL('./worker-boot.mjs', import.meta.url);
/**
 * A file's garbage is almost all short-lived (a line, its fields, its event): a young generation of
 * 8 MB keeps each thread's peak memory ~25 MB below V8's default (2 workers stay under 300 MB), for
 * up to ~10% of a thread's speed in A/B runs on this (noisy, shared) machine.
 */
const WORKER_YOUNG_GENERATION_MB = 8;
/**
 * A thread's old generation limit. V8 lets a heap grow to up to 4× what is live before collecting
 * when its limit is large (the process default, GBs), 1.3–1.4× when it is ≤ 512 MB: a 1M-row file of
 * 20,000 identities kept ~150 MB per thread where ~40 MB was live. 512 MB holds the batch of a file
 * of some 200,000 identities (docs/ingestion.md); a file that needs more fails (WorkerOutOfMemory).
 */
export const WORKER_OLD_GENERATION_MB = 512;

/** A file whose aggregates outgrew a worker thread's heap: reading it again would fail again. */
export class WorkerOutOfMemory extends Error {
  override readonly name = 'WorkerOutOfMemory';
}
const ENTRY = new URL('./worker.ts', import.meta.url).href;

export class WorkerPool {
  readonly size: number;
  readonly idleMs: number;
  /** Each thread's old generation limit (MB). */
  readonly oldGenerationMb: number;
  #idleTimers = new Map<Worker, NodeJS.Timeout>();
  #started = 0;
  #nextId = 1;
  #queue: Job[] = [];
  #idle: Worker[] = [];
  #busy = new Map<Worker, Job>();
  #workers = new Set<Worker>();
  #closed = false;
  #s3 = new Map<string, import('@aws-sdk/client-s3').S3Client>();

  constructor(size: number, options: { idleMs?: number; oldGenerationMb?: number } = {}) {
    if (!Number.isInteger(size) || size < 0) throw new RangeError(`pool size must be ≥ 0, got ${size}`);
    this.size = size;
    this.idleMs = options.idleMs ?? DEFAULT_IDLE_MS;
    this.oldGenerationMb = options.oldGenerationMb ?? WORKER_OLD_GENERATION_MB;
  }

  /** Processes one file; resolves with its result, rejects when its worker died. */
  run(locator: Locator, task: FileTask, onProgress?: (p: FileProgress) => void): Promise<FileResult> {
    if (this.#closed) return Promise.reject(new Error('the worker pool is closed'));
    const request = { id: this.#nextId++, locator, task };
    if (this.size === 0) return this.#runHere(request, onProgress);
    return new Promise<FileResult>((resolve, reject) => {
      this.#queue.push({ request, onProgress, resolve: (r) => resolve(r!), reject });
      this.#dispatch();
    });
  }

  /** Starts every thread of the pool and resolves when all have loaded their code. */
  async warm(): Promise<void> {
    if (this.#closed) throw new Error('the worker pool is closed');
    const pings: Promise<unknown>[] = [];
    for (let i = this.#workers.size; i < this.size; i++) {
      pings.push(
        new Promise((resolve, reject) => {
          this.#queue.push({
            request: { id: this.#nextId++, ping: true },
            onProgress: undefined,
            resolve,
            reject,
          });
        }),
      );
    }
    this.#dispatch();
    await Promise.all(pings);
  }

  /** Threads running now (tests check that the work really ran on workers). */
  get threadCount(): number {
    return this.#workers.size;
  }

  /** Threads started since the pool was made (tests check that threads are reused). */
  get threadsStarted(): number {
    return this.#started;
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const job of this.#queue.splice(0)) job.reject(new Error('the worker pool is closed'));
    for (const timer of this.#idleTimers.values()) clearTimeout(timer);
    this.#idleTimers.clear();
    await Promise.all([...this.#workers].map((w) => w.terminate()));
    this.#workers.clear();
    this.#idle = [];
    for (const c of this.#s3.values()) c.destroy();
    this.#s3.clear();
  }

  async #runHere(
    request: { locator: Locator; task: FileTask },
    onProgress?: (p: FileProgress) => void,
  ): Promise<FileResult> {
    const at = request.locator;
    let input: AsyncIterable<Uint8Array>;
    try {
      if (at.kind === 'file') input = createReadStream(at.path, { highWaterMark: 1 << 20 });
      else {
        const { createS3Client, openObject } = await import('./s3.js');
        const key = JSON.stringify(at.s3);
        let client = this.#s3.get(key);
        if (!client) {
          client = createS3Client(at.s3);
          this.#s3.set(key, client);
        }
        input = await openObject(client, at.bucket, at.key);
      }
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
    return processFile(input, request.task, onProgress);
  }

  #dispatch(): void {
    while (this.#queue.length > 0) {
      let worker = this.#idle.pop();
      if (!worker) {
        if (this.#workers.size >= this.size) return;
        worker = this.#spawn();
      }
      const job = this.#queue.shift()!;
      clearTimeout(this.#idleTimers.get(worker));
      this.#idleTimers.delete(worker);
      worker.ref();
      this.#busy.set(worker, job);
      worker.postMessage(job.request);
    }
  }

  /** An idle thread: kept for the next file, but it neither holds the process nor lives for ever. */
  #rest(worker: Worker): void {
    this.#idle.push(worker);
    worker.unref();
    const timer = setTimeout(() => {
      this.#idleTimers.delete(worker);
      this.#idle = this.#idle.filter((w) => w !== worker);
      this.#workers.delete(worker);
      void worker.terminate();
    }, this.idleMs);
    timer.unref();
    this.#idleTimers.set(worker, timer);
  }

  #spawn(): Worker {
    const worker = new Worker(BOOT, {
      workerData: { entry: ENTRY },
      resourceLimits: {
        maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB,
        maxOldGenerationSizeMb: this.oldGenerationMb,
      },
    });
    this.#workers.add(worker);
    this.#started++;
    const fail = (why: string, outOfMemory = false) => {
      clearTimeout(this.#idleTimers.get(worker));
      this.#idleTimers.delete(worker);
      this.#workers.delete(worker);
      this.#idle = this.#idle.filter((w) => w !== worker);
      const job = this.#busy.get(worker);
      this.#busy.delete(worker);
      job?.reject(
        outOfMemory
          ? new WorkerOutOfMemory(
              `the file's aggregates need more than an ingestion thread's ${this.oldGenerationMb} MB: ${why}`,
            )
          : new Error(`the ingestion worker stopped: ${why}`),
      );
      if (!this.#closed) this.#dispatch();
    };
    worker.on('message', (msg: WorkerResponse) => {
      const job = this.#busy.get(worker);
      if (!job || job.request.id !== msg.id) return;
      if (msg.type === 'progress') {
        job.onProgress?.(msg.progress);
        return;
      }
      this.#busy.delete(worker);
      this.#rest(worker);
      if (msg.type === 'result') job.resolve(msg.result);
      else if (msg.type === 'ready') job.resolve(undefined);
      else job.reject(new Error(msg.message));
      this.#dispatch();
    });
    worker.on('error', (e) =>
      fail(e.message, (e as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY'),
    );
    worker.on('exit', (code) => {
      if (this.#workers.has(worker)) fail(`exit code ${code}`);
    });
    return worker;
  }
}
