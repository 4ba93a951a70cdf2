// Password hashing for people who sign in (PSA members, console users): scrypt with one of OWASP's
// equivalent parameter sets, a 16-byte salt and a self-describing encoding, run through ONE small
// queue per process on a dedicated low-priority thread, so that a sign-in flood can neither exhaust
// memory nor starve libuv's pool (DNS, files) nor take the CPU from the event loop.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { randomAlphanumeric } from './crypto.js';

/**
 * OWASP's N=2^16, r=8, p=2: the same CPU work as N=2^17, p=1 (the previous default, whose hashes
 * still verify) with half the memory, 64 MiB per hash instead of 128.
 */
const N = 2 ** 16;
const R = 8;
const P = 2;
const KEY_LENGTH = 32;

/** Hashes running at once in this process: one, which bounds the memory to one hash (64 MiB). */
export const HASH_CONCURRENCY = 1;
/** Sign-in checks that may wait for the running one; past that a check is refused (503). */
export const HASH_MAX_WAITING = 8;
/** Checks of one client (address) waiting or running at once; past that its next one is refused. */
export const HASH_MAX_PER_CLIENT = 2;
/**
 * Longest a sign-in check waits for its turn: one that would wait longer (by the recent hashing
 * time) is refused at once, one still waiting after it is refused then — so no sign-in hangs for
 * long on a busy or slow machine, it is told when to come back.
 */
export const HASH_MAX_WAIT_MS = 5000;

/** The queue is full: the caller answers 503 with Retry-After. */
export class PasswordCheckBusyError extends Error {
  override readonly name = 'PasswordCheckBusyError';
  constructor(readonly retryAfterSeconds: number) {
    super(`too many sign-ins are being checked: try again in ${retryAfterSeconds} seconds`);
  }
}

interface Waiter {
  start: () => void;
}

/** FIFO of scrypt runs: `concurrency` at once, a bounded wait list for checks that may be refused. */
export class HashQueue {
  private running = 0;
  private readonly waiting: Waiter[] = [];
  private readonly perClient = new Map<string, number>();
  /** Moving average of one hash's duration, for Retry-After. */
  private averageMs = 300;

  constructor(
    private readonly concurrency = HASH_CONCURRENCY,
    private readonly maxWaiting = HASH_MAX_WAITING,
    private readonly maxPerClient = HASH_MAX_PER_CLIENT,
    private readonly maxWaitMs = HASH_MAX_WAIT_MS,
  ) {}

  /** Waiting and running hashes, for metrics and tests. */
  get depth(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  /**
   * Runs `task` when a slot is free. `refusable` work (sign-in checks) is refused with
   * PasswordCheckBusyError when the wait list is full or its client already has its share;
   * other work (an admin setting a password) always waits its turn.
   */
  async run<T>(task: () => Promise<T>, options: { refusable: boolean; client?: string }): Promise<T> {
    const client = options.client;
    const busy = this.running >= this.concurrency;
    if (options.refusable) {
      const full = busy && this.waiting.length >= this.maxWaiting;
      const slow = busy && this.expectedWaitMs() > this.maxWaitMs;
      const greedy = client !== undefined && (this.perClient.get(client) ?? 0) >= this.maxPerClient;
      if (full || slow || greedy) throw new PasswordCheckBusyError(this.retryAfterSeconds());
    }
    if (client !== undefined) this.perClient.set(client, (this.perClient.get(client) ?? 0) + 1);
    try {
      if (busy) await this.wait(options.refusable);
      else this.running++;
      const t0 = performance.now();
      try {
        return await task();
      } finally {
        this.averageMs = this.averageMs * 0.8 + (performance.now() - t0) * 0.2;
        const next = this.waiting.shift();
        // The slot passes straight to the next waiter (running stays the same).
        if (next) next.start();
        else this.running--;
      }
    } finally {
      if (client !== undefined) {
        const left = (this.perClient.get(client) ?? 1) - 1;
        if (left > 0) this.perClient.set(client, left);
        else this.perClient.delete(client);
      }
    }
  }

  /** Waits for a slot; a refusable waiter gives up (busy) after maxWaitMs. */
  private wait(refusable: boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        start: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = refusable
        ? setTimeout(() => {
            const i = this.waiting.indexOf(waiter);
            if (i >= 0) this.waiting.splice(i, 1);
            reject(new PasswordCheckBusyError(this.retryAfterSeconds()));
          }, this.maxWaitMs)
        : undefined;
      this.waiting.push(waiter);
    });
  }

  private expectedWaitMs(): number {
    return ((this.running + this.waiting.length) / this.concurrency) * this.averageMs;
  }

  private retryAfterSeconds(): number {
    return Math.max(1, Math.ceil(this.expectedWaitMs() / 1000));
  }
}

/** The process's one queue: both products' sign-ins and password changes share it. */
export const hashQueue = new HashQueue();

/**
 * The hashing thread. crypto.scrypt would run on libuv's thread pool (4 threads), which DNS
 * look-ups and file system calls share; here scryptSync runs on a thread of its own, at a low CPU
 * priority (nice 10; on Linux, setpriority(0) applies to the calling thread only), so that under
 * load the event loop and the pool come first and the sign-ins wait. Plain JavaScript evaluated as
 * the worker's script: it needs no file, whether the code runs from TypeScript or JavaScript.
 */
const HASHER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { scryptSync } = require('node:crypto');
try { require('node:os').setPriority(10); } catch {}
parentPort.on('message', (m) => {
  try {
    const key = scryptSync(m.password, Buffer.from(m.salt), m.keyLength, { N: m.n, r: m.r, p: m.p, maxmem: m.maxmem });
    parentPort.postMessage({ id: m.id, key });
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: String(e && e.message || e) });
  }
});
`;

interface Pending {
  resolve: (key: Buffer) => void;
  reject: (e: Error) => void;
}

class Hasher {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  derive(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
    const worker = this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // While a hash is pending the worker keeps the process alive; otherwise it does not.
      worker.ref();
      worker.postMessage({
        id,
        password: password.normalize('NFKC'),
        salt,
        keyLength: KEY_LENGTH,
        n,
        r,
        p,
        maxmem: 256 * 1024 * 1024,
      });
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(HASHER_SOURCE, { eval: true });
    worker.unref();
    worker.on('message', (m: { id: number; key?: Uint8Array; error?: string }) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (this.pending.size === 0) worker.unref();
      if (!p) return;
      if (m.key) p.resolve(Buffer.from(m.key));
      else p.reject(new Error(`scrypt failed: ${m.error}`));
    });
    const fail = (e: Error) => {
      if (this.worker === worker) this.worker = undefined;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the hashing thread exited (${code})`)));
    this.worker = worker;
    return worker;
  }
}

const hasher = new Hasher();

const derive = (password: string, salt: Buffer, n: number, r: number, p: number) =>
  hasher.derive(password, salt, n, r, p);

/** Hashes a new password; waits its turn in the queue (never refused). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await hashQueue.run(() => derive(password, salt, N, R, P), { refusable: false });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/**
 * Stands in for the hash of an account that does not exist: a random salt and key with the
 * current parameters, so checking a password against it costs what a real check costs (and never
 * matches) without hashing anything to make it.
 */
const ABSENT = `scrypt$${N}$${R}$${P}$${randomBytes(16).toString('base64')}$${randomBytes(KEY_LENGTH).toString('base64')}`;

function decode(encoded: string) {
  const parts = encoded.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [n, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  if (![n, r, p].every((v) => Number.isSafeInteger(v) && v > 0)) return undefined;
  return { n, r, p, salt: Buffer.from(parts[4]!, 'base64'), expected: Buffer.from(parts[5]!, 'base64') };
}

/**
 * Checks a sign-in's password against a stored hash — or, when the account does not exist
 * (`encoded` undefined), does the same work against a stand-in and answers false. Either way the
 * check queues as one refusable unit of `client`: PasswordCheckBusyError when the queue is full.
 */
export async function verifyPassword(
  password: string,
  encoded: string | undefined,
  options: { client?: string } = {},
): Promise<boolean> {
  const d = decode(encoded ?? ABSENT) ?? decode(ABSENT)!;
  const actual = await hashQueue.run(() => derive(password, d.salt, d.n, d.r, d.p), {
    refusable: true,
    ...(options.client !== undefined ? { client: options.client } : {}),
  });
  return (
    encoded !== undefined &&
    decode(encoded) !== undefined &&
    actual.length === d.expected.length &&
    timingSafeEqual(actual, d.expected)
  );
}

/**
 * Whether a stored hash needs more memory to check than the current parameters (hashes made with
 * the previous default): sign-in re-hashes it once the password is known to be right.
 */
export function needsRehash(encoded: string): boolean {
  const d = decode(encoded);
  return d !== undefined && d.n * d.r > N * R;
}

/** ASVS 2.1: at least 12 characters (passphrases welcome), at most 128. */
export function passwordProblem(password: string): string | undefined {
  if (password.length < 12) return 'password must be at least 12 characters long';
  if (password.length > 128) return 'password must be at most 128 characters long';
  return undefined;
}

/** Characters of a generated password: over [A-Za-z0-9], 24 carry about 143 bits. */
export const GENERATED_PASSWORD_LENGTH = 24;

/**
 * A password for `--generate`: letters and digits only, so it survives being pasted into a shell,
 * a form or a password manager, and long enough to need no other rule.
 */
export function generatePassword(): string {
  return randomAlphanumeric(GENERATED_PASSWORD_LENGTH);
}
