// Delivery worker child processes for the fault test: started with `node --import tsx` like the
// engine's multi-process test, SIGKILLed at random moments and replaced at once by a spare that is
// already loaded (starting one takes seconds). Each kill records the outbox items the victim held at
// that moment (their customers are the runs it hit).
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/platform/db-types.js';
import type { WorkerSettings } from './delivery-worker.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Child {
  owner: string;
  process: ChildProcess;
  output: string;
  loaded: Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface Kill {
  owner: string;
  /** Customers of the items the victim held (running, leased to it) when it was killed. */
  heldCustomers: number[];
}

export class WorkerCluster {
  readonly kills: Kill[] = [];
  private readonly live: Child[] = [];
  private spare: Child | undefined;
  private readonly all: Child[] = [];
  private started = 0;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly settings: Omit<WorkerSettings, 'owner'>,
  ) {}

  private spawnOne(): Child {
    const owner = `worker-${++this.started}`;
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/faults/delivery-worker.ts'], {
      cwd: ROOT,
      env: { ...process.env, DELIVERY_WORKER: JSON.stringify({ ...this.settings, owner }) },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const c = { owner, process: child, output: '' } as Child;
    c.loaded = new Promise((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => {
        c.output += d.toString();
        if (c.output.includes('loaded\n')) resolve();
      });
      child.on('exit', () => reject(new Error(`${owner} exited before it was loaded: ${c.output}`)));
    });
    c.loaded.catch(() => {}); // awaited before it is started
    child.stderr!.on('data', (d: Buffer) => {
      c.output += d.toString();
    });
    c.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    this.all.push(c);
    return c;
  }

  private async run(c: Child): Promise<void> {
    await c.loaded;
    c.process.stdin!.write('start\n');
    this.live.push(c);
  }

  /** Starts `count` workers (and loads a spare). */
  async start(count: number): Promise<void> {
    const started = Array.from({ length: count }, () => this.spawnOne());
    this.spare = this.spawnOne();
    await Promise.all(started.map((c) => this.run(c)));
    await this.spare.loaded;
  }

  /** SIGKILLs the live worker at `index` (modulo the live count); the spare replaces it. */
  async killOne(index: number): Promise<Kill> {
    const victim = this.live.splice(index % this.live.length, 1)[0]!;
    victim.process.kill('SIGKILL');
    await victim.exited;
    const held = await this.db
      .selectFrom('con_outbox')
      .select('customer_id')
      .where('state', '=', 'running')
      .where('lease_owner', '=', victim.owner)
      .execute();
    const kill = {
      owner: victim.owner,
      heldCustomers: held.map((h) => h.customer_id).filter((c): c is number => c !== null),
    };
    this.kills.push(kill);
    const spare = this.spare!;
    this.spare = this.spawnOne();
    await this.run(spare);
    return kill;
  }

  /** What the workers wrote on stderr (warnings, errors), for a failing test's message. */
  output(): string {
    return this.all
      .map((c) => `--- ${c.owner}\n${c.output.replace('loaded\n', '').replace('ready\n', '')}`)
      .filter((t) => t.split('\n')[1])
      .join('\n');
  }

  /** SIGTERM to the live workers (they finish their items), SIGKILL to any left after 10 s. */
  async stop(): Promise<void> {
    const live = [...this.live.splice(0), ...(this.spare ? [this.spare] : [])];
    this.spare = undefined;
    for (const c of live) if (c.process.exitCode === null) c.process.kill('SIGTERM');
    const timer = setTimeout(() => {
      for (const c of live) if (c.process.exitCode === null) c.process.kill('SIGKILL');
    }, 10_000);
    await Promise.all(live.map((c) => c.exited));
    clearTimeout(timer);
  }
}
