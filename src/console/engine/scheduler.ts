// Cluster-wide schedules (daily configuration sync, ticket polling): each schedule is one row of
// con_schedule; whoever moves its next_run_at forward with a compare-and-set on the old value runs
// it, so it fires once per cluster however many processes tick. A run missed while every process
// was down fires once at the next tick (no catching up run by run).
import { type Kysely, sql } from 'kysely';
import type { Clock } from '../../platform/clock.js';
import type { Database } from '../../platform/db-types.js';
import type { Logger } from '../../platform/logger.js';

export interface Schedule {
  /** Unique in the cluster, e.g. 'config-sync:7'. */
  name: string;
  /** The first run time strictly after `afterMs` (epoch ms). */
  next: (afterMs: number) => number;
  run: (nowMs: number) => Promise<void>;
}

export interface SchedulerOptions {
  db: Kysely<Database>;
  clock: Clock;
  /** This process's name, kept as last_run_by. */
  owner: string;
  logger?: Logger;
}

const iso = (ms: number) => new Date(ms).toISOString();
const DAY_MS = 86_400_000;

/** Every day at `hhmm` UTC ('02:30'). */
export function dailyAt(hhmm: string): (afterMs: number) => number {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
  if (!m) throw new TypeError(`dailyAt: expected a UTC time as HH:MM (00:00 to 23:59), got '${hhmm}'`);
  const offset = (Number(m[1]) * 60 + Number(m[2])) * 60_000;
  return (afterMs) => {
    const today = Math.floor(afterMs / DAY_MS) * DAY_MS + offset;
    return today > afterMs ? today : today + DAY_MS;
  };
}

/** Every `intervalMs` after the previous run. */
export function every(intervalMs: number): (afterMs: number) => number {
  if (!Number.isSafeInteger(intervalMs) || intervalMs < 1)
    throw new RangeError(`every: intervalMs must be a positive integer, got ${intervalMs}`);
  return (afterMs) => afterMs + intervalMs;
}

export class Scheduler {
  private readonly schedules = new Map<string, Schedule>();
  private run: { timer: NodeJS.Timeout | undefined } | undefined;
  private ticking: Promise<unknown> | undefined;

  constructor(private readonly options: SchedulerOptions) {}

  register(schedule: Schedule): void {
    if (typeof schedule.name !== 'string' || schedule.name.length === 0 || schedule.name.length > 200)
      throw new TypeError('schedule name must be a non-empty string of at most 200 characters');
    if (this.schedules.has(schedule.name))
      throw new Error(`schedule '${schedule.name}' is registered already`);
    this.schedules.set(schedule.name, schedule);
  }

  unregister(name: string): boolean {
    return this.schedules.delete(name);
  }

  private nextAfter(schedule: Schedule, nowMs: number): number {
    const next = schedule.next(nowMs);
    if (!Number.isFinite(next) || next <= nowMs)
      throw new RangeError(`schedule '${schedule.name}': next(${iso(nowMs)}) must be later, got ${next}`);
    return next;
  }

  /** Moves a schedule's next run (e.g. the admin changed the daily sync time). */
  async reschedule(name: string, atMs: number): Promise<void> {
    await this.options.db
      .insertInto('con_schedule')
      .values({ name, next_run_at: iso(atMs), runs: 0 })
      .onConflict((oc) => oc.column('name').doUpdateSet({ next_run_at: iso(atMs) }))
      .execute();
  }

  /** Runs the schedules that are due and that this process wins; returns their names. */
  async tick(): Promise<string[]> {
    const { db, clock, owner, logger } = this.options;
    const nowMs = clock.now().getTime();
    const now = iso(nowMs);
    const ran: string[] = [];
    const schedules = [...this.schedules.values()];
    if (schedules.length === 0) return ran;
    // Every schedule's row in one query: a process ticks every second, mostly to find nothing due.
    let stored: Map<string, string>;
    try {
      stored = await this.nextRuns(schedules.map((s) => s.name));
    } catch (e) {
      logger?.error({ err: (e as Error).message }, 'scheduler: reading the schedules failed');
      return ran;
    }
    for (const schedule of schedules) {
      try {
        let nextRunAt = stored.get(schedule.name);
        if (nextRunAt === undefined) {
          await db
            .insertInto('con_schedule')
            .values({ name: schedule.name, next_run_at: iso(this.nextAfter(schedule, nowMs)), runs: 0 })
            .onConflict((oc) => oc.column('name').doNothing())
            .execute();
          nextRunAt = (await this.nextRuns([schedule.name])).get(schedule.name);
        }
        if (nextRunAt === undefined || nextRunAt > now) continue;
        const won = await db
          .updateTable('con_schedule')
          .set({
            next_run_at: iso(this.nextAfter(schedule, nowMs)),
            last_run_at: now,
            last_run_by: owner,
            runs: sql<number>`runs + 1`,
          })
          .where('name', '=', schedule.name)
          .where('next_run_at', '=', nextRunAt)
          .executeTakeFirst();
        if (Number(won.numUpdatedRows) !== 1) continue; // another process runs it
        ran.push(schedule.name);
        await schedule.run(nowMs);
      } catch (e) {
        logger?.error({ schedule: schedule.name, err: (e as Error).message }, 'scheduler: run failed');
      }
    }
    return ran;
  }

  /** The stored next run of each named schedule that has a row. */
  private async nextRuns(names: readonly string[]): Promise<Map<string, string>> {
    const rows = await this.options.db
      .selectFrom('con_schedule')
      .select(['name', 'next_run_at'])
      .where('name', 'in', [...names])
      .execute();
    return new Map(rows.map((r) => [r.name, r.next_run_at]));
  }

  /** Ticks every `intervalMs` until stop(). */
  start(intervalMs = 1_000): void {
    if (this.run) return;
    const run = { timer: undefined as NodeJS.Timeout | undefined };
    this.run = run;
    const loop = () => {
      this.ticking = this.tick().finally(() => {
        if (this.run === run) run.timer = setTimeout(loop, intervalMs);
      });
    };
    run.timer = setTimeout(loop, 0);
  }

  /** Stops ticking and waits for a tick in progress. */
  async stop(): Promise<void> {
    clearTimeout(this.run?.timer);
    this.run = undefined;
    await this.ticking;
  }
}
