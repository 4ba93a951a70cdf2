import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds, openTestStorage } from '../../../test/support/databases.js';
import type { Storage } from '../../platform/db.js';
import { RecordStore } from './records.js';

const AT = '2026-03-02T10:00:00Z';

/** Resolves with what `promise` gives, or with 'timeout' when it takes longer than `ms`. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

describe.each(databaseKinds)('RecordStore ids on %s', (kind) => {
  let storage: Storage;
  let store: RecordStore;

  beforeAll(async () => {
    storage = await openTestStorage(kind);
    store = new RecordStore(storage.db, storage.dialect, storage.readNow);
  });
  afterAll(async () => storage?.close());

  const create = (entity: string, id?: number) =>
    store.transaction((trx) =>
      store.insert(entity, { data: { name: entity }, at: AT, ...(id === undefined ? {} : { id }) }, trx),
    );

  it('numbers each entity from 1, and an explicit id moves the counter past it, never back', async () => {
    expect([await create('ticket'), await create('ticket'), await create('company')]).toEqual([1, 2, 1]);
    expect(await create('ticket', 123456)).toBe(123456);
    expect(await create('ticket')).toBe(123457);
    expect(await create('ticket', 50)).toBe(50);
    expect(await create('ticket')).toBe(123458);
    expect(await store.nextId('ticket')).toBe(123459);
    const stored = await store.get('ticket', 123456);
    expect(stored?.data).toEqual({ name: 'ticket', id: 123456 });
  });

  it('continues after a counter written before (a database from an earlier version)', async () => {
    await storage.db.insertInto('cw_sequence').values({ entity: 'agreement', next_id: 41 }).execute();
    expect(await create('agreement')).toBe(42);
    expect(await create('agreement')).toBe(43);
  });

  it('lists a page with the total over all pages in one query, and counts a page past the end', async () => {
    for (let i = 0; i < 7; i++) await create('pagedThing');
    const first = await store.listPage('pagedThing', { limit: 3 });
    expect(first.rows.map((r) => r.id)).toEqual([1, 2, 3]);
    expect(first.total).toBe(7);
    const last = await store.listPage('pagedThing', { limit: 3, offset: 6 });
    expect(last.rows.map((r) => r.id)).toEqual([7]);
    expect(last.total).toBe(7);
    expect(await store.listPage('pagedThing', { limit: 3, offset: 9 })).toEqual({ rows: [], total: 7 });
    expect(await store.listPage('noSuchThing', { limit: 3 })).toEqual({ rows: [], total: 0 });
    const odd = await store.listPage('pagedThing', {
      where: [sql`${store.jsonText(['name'])} = 'pagedThing'`],
      orderBy: [{ expression: sql`id`, direction: 'desc' }],
      limit: 2,
    });
    expect(odd).toMatchObject({ total: 7, rows: [{ id: 7 }, { id: 6 }] });
  });

  it('gives 50 concurrent creates of a new entity 50 distinct ids', async () => {
    const ids = await Promise.all(Array.from({ length: 50 }, () => create('serviceNote')));
    expect(new Set(ids).size).toBe(50);
    const rows = await store.list('serviceNote', {});
    expect(rows.map((r) => r.id).sort((a, b) => a - b)).toEqual([...ids].sort((a, b) => a - b));
    // A first create of the entity may have run with the others: numbering still starts at 1.
    expect(Math.min(...ids)).toBe(1);
    expect(await create('serviceNote')).toBe(Math.max(...ids) + 1);
  });

  it.runIf(kind === 'postgres')(
    'lets a transaction create and commit while another one that created a record is still open',
    async () => {
      await create('configuration'); // the entity's first record (its sequence) exists already
      let releaseA!: () => void;
      const aMayEnd = new Promise<void>((resolve) => {
        releaseA = resolve;
      });
      let aCreated!: (id: number) => void;
      const aId = new Promise<number>((resolve) => {
        aCreated = resolve;
      });
      const a = store.transaction(async (trx) => {
        const id = await store.insert('configuration', { data: { name: 'A' }, at: AT }, trx);
        aCreated(id);
        await aMayEnd;
        throw new Error('A rolls back');
      });
      const aFailed = a.then(
        () => 'committed',
        (e: Error) => e.message,
      );
      try {
        const idA = await aId;
        // Before, B waited here on the counter row A had locked, until A's transaction ended.
        const idB = await within(create('configuration'), 5000);
        expect(idB).not.toBe('timeout');
        expect(idB).not.toBe(idA);
        expect((await store.get('configuration', idB as number))?.data.name).toBe('configuration');
        expect(await store.get('configuration', idA)).toBeUndefined(); // A has not committed
        releaseA();
        expect(await aFailed).toBe('A rolls back');
        // A's id is a gap: it is not given out again.
        expect(await store.get('configuration', idA)).toBeUndefined();
        expect(await create('configuration')).toBeGreaterThan(Math.max(idA, idB as number));
      } finally {
        releaseA();
        await aFailed;
      }
    },
  );

  it.runIf(kind === 'postgres')(
    'a transaction that took several ids of a new entity does not lend its uncommitted sequence to others',
    async () => {
      // A configuration's answers: one create takes many ids of a new entity in one transaction. Its
      // second id finds the sequence it created itself; others must not take that for committed (their
      // nextval would fail: the sequence does not exist for them yet, a 500 for their request).
      const entity = `several${process.pid}${Date.now().toString(36)}`;
      let releaseA!: () => void;
      const aMayEnd = new Promise<void>((resolve) => {
        releaseA = resolve;
      });
      let aCreated!: (ids: number[]) => void;
      const aIds = new Promise<number[]>((resolve) => {
        aCreated = resolve;
      });
      const a = store.transaction(async (trx) => {
        const ids = [await store.nextId(entity, trx), await store.nextId(entity, trx)];
        for (const id of ids) await store.insert(entity, { id, data: { name: 'A' }, at: AT }, trx);
        aCreated(ids);
        await aMayEnd;
      });
      try {
        expect(await aIds).toEqual([1, 2]);
        const b = create(entity).then(
          (id) => id,
          (e: Error) => e.message,
        );
        // B waits on A's uncommitted sequence (or, before the fix, has already failed without waiting).
        for (let i = 0; i < 200; i++) {
          const { rows } = await sql<{ n: number }>`SELECT count(*) AS n FROM pg_stat_activity
            WHERE wait_event_type = 'Lock' AND query LIKE ${`%CREATE SEQUENCE%${entity}%`}`.execute(
            storage.db,
          );
          if (Number(rows[0]!.n) > 0) break;
          if ((await within(b, 25)) !== 'timeout') break;
        }
        releaseA();
        await a;
        expect(await b).toBe(3);
        expect(await create(entity)).toBe(4);
      } finally {
        releaseA();
        await a;
      }
    },
  );

  it.runIf(kind === 'postgres').each(['commits', 'rolls back'])(
    'gives distinct ids to two first creates of a new entity at once (the first one %s)',
    async (outcome) => {
      // A name of its own: the wait below looks for B's statement among all of the server's sessions.
      const entity = `race${process.pid}${Date.now().toString(36)}${outcome === 'commits' ? 'c' : 'r'}`;
      let releaseA!: () => void;
      const aMayEnd = new Promise<void>((resolve) => {
        releaseA = resolve;
      });
      let aCreated!: (id: number) => void;
      const aId = new Promise<number>((resolve) => {
        aCreated = resolve;
      });
      const a = store
        .transaction(async (trx) => {
          const id = await store.insert(entity, { data: { name: 'A' }, at: AT }, trx);
          aCreated(id);
          await aMayEnd;
          if (outcome === 'rolls back') throw new Error('A rolls back');
        })
        .catch((e: Error) => e.message);
      try {
        expect(await aId).toBe(1);
        const b = create(entity);
        // B creates the sequence too and waits on A's uncommitted one (only ever for an entity's
        // very first records); wait until it does, so that A ends while B is in the middle of it.
        for (let i = 0; ; i++) {
          const { rows } = await sql<{ n: number }>`SELECT count(*) AS n FROM pg_stat_activity
            WHERE wait_event_type = 'Lock' AND query LIKE ${`%CREATE SEQUENCE%${entity}%`}`.execute(
            storage.db,
          );
          if (Number(rows[0]!.n) > 0) break;
          expect(i, 'B never waited on the sequence A created').toBeLessThan(200);
          await new Promise((r) => setTimeout(r, 25));
        }
        releaseA();
        await a;
        const idB = await b;
        const rows = await store.list(entity, {});
        if (outcome === 'commits') {
          expect(idB).toBe(2);
          expect(rows.map((r) => r.data.name)).toEqual(['A', entity]);
        } else {
          // A's sequence went with its transaction: B made its own, which starts at 1 again.
          expect(idB).toBe(1);
          expect(rows.map((r) => r.data.name)).toEqual([entity]);
        }
        expect(await create(entity)).toBe(idB + 1);
      } finally {
        releaseA();
        await a;
      }
    },
  );
});

describe.each(databaseKinds)('RecordStore documents on %s', (kind) => {
  let storage: Storage;
  let store: RecordStore;

  beforeAll(async () => {
    storage = await openTestStorage(kind);
    store = new RecordStore(storage.db, storage.dialect, storage.readNow);
  });
  afterAll(async () => storage?.close());

  const doc = {
    summary: 'Café 😀 "quoted" \\ back\nslash',
    amount: 1.5,
    big: 1e21,
    tiny: 1e-7,
    closedFlag: false,
    nothing: null,
    company: { id: 2, identifier: 'AcmeCorp' },
    tags: [1, 'two', { three: 3 }],
  };

  it("never shows a transaction's uncommitted write to a read outside it, and shows it once committed", async () => {
    const id = await store.transaction((trx) =>
      store.insert('isolatedThing', { data: { summary: 'before' }, at: AT }, trx),
    );
    let updated!: () => void;
    let release!: () => void;
    const didUpdate = new Promise<void>((resolve) => {
      updated = resolve;
    });
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const writing = store.transaction(async (trx) => {
      await store.update('isolatedThing', id, { summary: 'after' }, AT, null, trx);
      updated();
      await gate;
    });
    await didUpdate;
    // SQLite: the read waits for the transaction (one shared connection); PostgreSQL: it sees the
    // committed document. Either way never the uncommitted one.
    const reading = store.get('isolatedThing', id);
    const early = await within(reading, 100);
    expect(early === 'timeout' ? early : early?.data.summary).toBe(kind === 'sqlite' ? 'timeout' : 'before');
    release();
    await writing;
    expect((await reading)?.data.summary).toBe(kind === 'sqlite' ? 'after' : 'before');
    expect((await store.get('isolatedThing', id))?.data.summary).toBe('after');
  });

  it('stores a document and reads back exactly what was written, and filters on it', async () => {
    const id = await store.transaction((trx) => store.insert('docThing', { data: doc, at: AT }, trx));
    const row = await store.get('docThing', id);
    expect(row?.data).toEqual({ ...doc, id });
    const found = await store.list('docThing', {
      where: [sql`${store.jsonText(['company', 'identifier'])} = 'AcmeCorp'`],
    });
    expect(found.map((r) => r.id)).toEqual([id]);
    await store.update('docThing', id, { ...doc, summary: 'changed' }, AT, undefined);
    expect((await store.getMany('docThing', [id])).get(id)?.data.summary).toBe('changed');
    if (kind === 'sqlite') {
      // SQLite's binary JSONB (migration 0015), which json_extract reads without parsing text.
      const { rows } = await sql<{
        t: string;
      }>`SELECT typeof(data) AS t FROM cw_record WHERE entity = 'docThing'`.execute(storage.db);
      expect(rows).toEqual([{ t: 'blob' }]);
    }
  });

  it.runIf(kind === 'sqlite')('reads documents stored as JSON text before migration 0015', async () => {
    await storage.db
      .insertInto('cw_record')
      .values({
        entity: 'oldThing',
        id: 1,
        parent_id: 0,
        data: JSON.stringify({ ...doc, id: 1 }),
        owner_member_id: null,
        created_at: AT,
        updated_at: AT,
      })
      .execute();
    expect((await store.get('oldThing', 1))?.data).toEqual({ ...doc, id: 1 });
    const migration = (await import('../../platform/migrations/0015_sqlite_jsonb_records.js')).default;
    await migration('sqlite').up(storage.db);
    const { rows } = await sql<{
      t: string;
    }>`SELECT typeof(data) AS t FROM cw_record WHERE entity = 'oldThing'`.execute(storage.db);
    expect(rows).toEqual([{ t: 'blob' }]);
    expect((await store.get('oldThing', 1))?.data).toEqual({ ...doc, id: 1 });
  });
});
