// Repository of ConnectWise records: one JSON document per record in `cw_record`, keyed by
// (entity, id), with ids allocated per entity as ConnectWise does. On SQLite the document is stored
// as SQLite's binary JSONB, which conditions read without parsing JSON text for every candidate row
// (migration 0015), and is read back as JSON text; on PostgreSQL it is jsonb.
import { createHash } from 'node:crypto';
import { CompiledQuery, type Expression, type Kysely, type SqlBool, sql, type Transaction } from 'kysely';
import type { Dialect, Storage } from '../../platform/db.js';
import type { Database } from '../../platform/db-types.js';
import { decodeJson } from '../../platform/db-types.js';
import { MAX_ID } from '../../platform/input-guard.js';

export type Db = Kysely<Database> | Transaction<Database>;
export type Doc = Record<string, unknown>;

export interface StoredRecord {
  id: number;
  parentId: number;
  data: Doc;
  ownerMemberId: number | null;
}

export interface ListQuery {
  parentId?: number | undefined;
  where?: Expression<SqlBool>[] | undefined;
  /**
   * Restricts to the member's own records (`My` level): those it owns, or created (`_info.enteredBy`
   * is the member's identifier).
   */
  mine?: { memberId: number; identifier: string } | undefined;
  orderBy?: Array<{ expression: Expression<unknown>; direction: 'asc' | 'desc' }> | undefined;
  afterId?: number | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
}

export class RecordStore {
  /** The SQL of `get`, built once: reading one record is the API's most frequent query. */
  private readonly getSql: string;
  /** Entities whose PostgreSQL sequence is known to exist (see `nextId`). */
  private readonly sequences = new Set<string>();
  /** Sequences this process created in a transaction that may not have committed yet, by entity. */
  private readonly creating = new Map<string, Db>();

  constructor(
    readonly db: Kysely<Database>,
    readonly dialect: Dialect,
    /** SQLite's synchronous read (`Storage.readNow`), used by `get` outside transactions. */
    private readonly readNow?: Storage['readNow'],
  ) {
    this.getSql = db
      .selectFrom('cw_record')
      .select(['id', 'parent_id', this.dataColumn(), 'owner_member_id'])
      .where('entity', '=', '')
      .where('id', '=', 0)
      .compile().sql;
  }

  /** The document as selected: SQLite's JSONB turned back into JSON text, PostgreSQL's jsonb as is. */
  private dataColumn() {
    return this.dialect === 'sqlite' ? sql<unknown>`json(data)`.as('data') : sql<unknown>`data`.as('data');
  }

  /** The document as written: JSON text, stored as JSONB on SQLite (`jsonb()`), cast by PostgreSQL. */
  private dataValue(doc: Doc) {
    const text = JSON.stringify(doc);
    return this.dialect === 'sqlite' ? sql<unknown>`jsonb(${text})` : text;
  }

  /** Runs `work` in one transaction; every write of one API call goes through here. */
  transaction<T>(work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(work);
  }

  /**
   * The next id of `entity`. SQLite: a counter row in `cw_sequence`, updated in the caller's
   * transaction (one connection, so nothing else waits on it). PostgreSQL: one sequence per entity,
   * because a counter row stays locked until the caller's transaction commits and concurrent creates
   * of one entity (tickets from several delivery workers) would queue behind each other; `nextval`
   * never waits for other transactions and is not undone by a rollback, so an id a rolled-back
   * transaction took is a gap, as ConnectWise has too. Taking the id on another connection instead
   * would deadlock once every pooled connection is an open transaction waiting for one.
   */
  async nextId(entity: string, trx: Db = this.db): Promise<number> {
    if (this.dialect === 'postgres') {
      const name = await this.sequenceOf(entity, trx);
      const { rows } = await sql<{ id: number | string }>`SELECT nextval(${name}) AS id`.execute(trx);
      return Number(rows[0]!.id);
    }
    const row = await trx
      .insertInto('cw_sequence')
      .values({ entity, next_id: 1 })
      .onConflict((oc) => oc.column('entity').doUpdateSet({ next_id: sql`cw_sequence.next_id + 1` }))
      .returning('next_id')
      .executeTakeFirstOrThrow();
    return row.next_id;
  }

  /** Moves the sequence past an id chosen by the caller (seeded records such as ticket 123456). */
  private async bumpSequence(entity: string, id: number, trx: Db): Promise<void> {
    if (this.dialect === 'postgres') {
      const name = await this.sequenceOf(entity, trx);
      // Read and set are two steps: a create that took an id between them would be set back, but
      // only if ids reached `id` in that instant, and then `id` itself would already be taken.
      await sql`SELECT setval(${name}, ${id}) FROM ${sql.table(name)} WHERE last_value < ${id}`.execute(trx);
      return;
    }
    await trx
      .insertInto('cw_sequence')
      .values({ entity, next_id: id })
      .onConflict((oc) =>
        oc.column('entity').doUpdateSet({
          next_id: sql`CASE WHEN cw_sequence.next_id < ${id} THEN ${id} ELSE cw_sequence.next_id END`,
        }),
      )
      .execute();
  }

  /**
   * The name of `entity`'s PostgreSQL sequence, created on first use. It starts after the entity's
   * largest id so far: its `cw_sequence` row (databases from before the sequences) or its records.
   */
  private async sequenceOf(entity: string, trx: Db): Promise<string> {
    const name = sequenceName(entity);
    if (this.sequences.has(entity)) return name;
    const { rows } = await sql<{ found: boolean }>`SELECT to_regclass(${name}) IS NOT NULL AS found`.execute(
      trx,
    );
    if (rows[0]?.found) {
      // Found by the transaction that created it (its next id of the entity): not committed yet, so
      // not known to exist for the others, whose nextval would fail. Found by anyone else: committed.
      if (this.creating.get(entity) !== trx) {
        this.sequences.add(entity);
        this.creating.delete(entity);
      }
      return name;
    }
    // Created in the caller's transaction (not remembered until seen committed: a rollback drops it).
    // A concurrent first create of the same entity waits for this one's commit, then fails on the
    // catalog's unique name (or finds it taken): under a savepoint that failure only means the
    // sequence now exists. Without IF NOT EXISTS, so that only its creator sets its start: setting
    // it later could move it back below ids that open transactions hold.
    const inTransaction = trx.isTransaction;
    if (inTransaction) await sql`SAVEPOINT cw_sequence_create`.execute(trx);
    try {
      await sql`CREATE SEQUENCE ${sql.table(name)}`.execute(trx);
      await sql`SELECT setval(${name}, last) FROM (SELECT GREATEST(
          (SELECT next_id FROM cw_sequence WHERE entity = ${entity}),
          (SELECT max(id) FROM cw_record WHERE entity = ${entity})) AS last) AS s
        WHERE last > 0`.execute(trx);
      if (inTransaction) {
        await sql`RELEASE SAVEPOINT cw_sequence_create`.execute(trx);
        this.creating.set(entity, trx);
      }
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (code !== '23505' && code !== '42P07') throw e;
      if (inTransaction) await sql`ROLLBACK TO SAVEPOINT cw_sequence_create`.execute(trx);
    }
    return name;
  }

  async insert(
    entity: string,
    record: { id?: number; parentId?: number; data: Doc; ownerMemberId?: number | null; at: string },
    trx: Db = this.db,
  ): Promise<number> {
    let id = record.id;
    if (id === undefined) id = await this.nextId(entity, trx);
    else await this.bumpSequence(entity, id, trx);
    const data = { ...record.data, id };
    await trx
      .insertInto('cw_record')
      .values({
        entity,
        id,
        parent_id: record.parentId ?? 0,
        data: this.dataValue(data),
        owner_member_id: record.ownerMemberId ?? null,
        created_at: record.at,
        updated_at: record.at,
      })
      .execute();
    return id;
  }

  async update(
    entity: string,
    id: number,
    data: Doc,
    at: string,
    ownerMemberId: number | null | undefined,
    trx: Db = this.db,
  ): Promise<void> {
    const set: Record<string, unknown> = { data: this.dataValue({ ...data, id }), updated_at: at };
    if (ownerMemberId !== undefined) set.owner_member_id = ownerMemberId;
    await trx.updateTable('cw_record').set(set).where('entity', '=', entity).where('id', '=', id).execute();
  }

  async delete(entity: string, id: number, trx: Db = this.db): Promise<boolean> {
    const res = await trx
      .deleteFrom('cw_record')
      .where('entity', '=', entity)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  async deleteChildren(entity: string, parentId: number, trx: Db = this.db): Promise<void> {
    await trx
      .deleteFrom('cw_record')
      .where('entity', '=', entity)
      .where('parent_id', '=', parentId)
      .execute();
  }

  async get(entity: string, id: number, trx: Db = this.db): Promise<StoredRecord | undefined> {
    if (!storable(id)) return undefined;
    // Outside a transaction SQLite answers synchronously when it can (no lock, no promise hops).
    const now =
      trx === this.db ? (this.readNow?.(this.getSql, [entity, id]) as StoredRow[] | undefined) : undefined;
    const rows =
      now ?? (await trx.executeQuery<StoredRow>(CompiledQuery.raw(this.getSql, [entity, id]))).rows;
    const row = rows[0];
    return row && toStored(row);
  }

  async getMany(entity: string, ids: number[], trx: Db = this.db): Promise<Map<number, StoredRecord>> {
    const out = new Map<number, StoredRecord>();
    const safe = [...new Set(ids.filter(storable))];
    if (safe.length === 0) return out;
    const rows = await trx
      .selectFrom('cw_record')
      .select(['id', 'parent_id', this.dataColumn(), 'owner_member_id'])
      .where('entity', '=', entity)
      .where('id', 'in', safe)
      .execute();
    for (const row of rows) out.set(row.id, toStored(row));
    return out;
  }

  private filtered(entity: string, q: ListQuery, trx: Db) {
    let query = trx.selectFrom('cw_record').where('entity', '=', entity);
    if (q.parentId !== undefined) query = query.where('parent_id', '=', q.parentId);
    if (q.mine !== undefined) {
      const { memberId, identifier } = q.mine;
      query = query.where((eb) =>
        eb.or([
          eb('owner_member_id', '=', memberId),
          eb(sql<string>`lower(${this.jsonText(['_info', 'enteredBy'])})`, '=', identifier.toLowerCase()),
        ]),
      );
    }
    if (q.afterId !== undefined) query = query.where('id', '>', q.afterId);
    for (const w of q.where ?? []) query = query.where(w);
    return query;
  }

  async list(entity: string, q: ListQuery, trx: Db = this.db): Promise<StoredRecord[]> {
    let query = this.filtered(entity, q, trx).select([
      'id',
      'parent_id',
      this.dataColumn(),
      'owner_member_id',
    ]);
    for (const o of q.orderBy ?? []) query = query.orderBy(o.expression, o.direction);
    query = query.orderBy('id', 'asc');
    if (q.limit !== undefined) query = query.limit(q.limit);
    if (q.offset) query = query.offset(q.offset);
    const rows = await query.execute();
    return rows.map(toStored);
  }

  /**
   * One page and the number of records matching `q` over all pages, in one scan: `count(*) over ()`
   * counts the rows before LIMIT/OFFSET, so the filter (often `json_extract` on every record) runs
   * once instead of once for the page and again for a separate count. A page past the end has no
   * row to carry the total; only then is it counted on its own.
   */
  async listPage(
    entity: string,
    q: ListQuery,
    trx: Db = this.db,
  ): Promise<{ rows: StoredRecord[]; total: number }> {
    let query = this.filtered(entity, q, trx).select([
      'id',
      'parent_id',
      this.dataColumn(),
      'owner_member_id',
      sql<number | string>`count(*) over ()`.as('total_count'),
    ]);
    for (const o of q.orderBy ?? []) query = query.orderBy(o.expression, o.direction);
    query = query.orderBy('id', 'asc');
    if (q.limit !== undefined) query = query.limit(q.limit);
    if (q.offset) query = query.offset(q.offset);
    const found = await query.execute();
    const first = found[0];
    const total = first ? Number(first.total_count) : q.offset ? await this.count(entity, q, trx) : 0;
    return { rows: found.map(toStored), total };
  }

  async count(entity: string, q: ListQuery, trx: Db = this.db): Promise<number> {
    const row = await this.filtered(entity, q, trx)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Text of a top-level or nested JSON field, for lookups by identifier or name. */
  jsonText(path: string[]): Expression<string> {
    if (this.dialect === 'postgres') return sql<string>`data #>> ${`{${path.join(',')}}`}`;
    return sql<string>`json_extract(data, ${`$.${path.map((p) => `"${p}"`).join('.')}`})`;
  }

  jsonNumber(path: string[]): Expression<number> {
    if (this.dialect === 'postgres') return sql<number>`(data #>> ${`{${path.join(',')}}`})::numeric`;
    return sql<number>`json_extract(data, ${`$.${path.map((p) => `"${p}"`).join('.')}`})`;
  }

  /** Records whose text field equals `value`, compared case-insensitively (SQL Server's collation). */
  async findByText(
    entity: string,
    field: string[],
    value: string,
    parentId?: number,
    trx: Db = this.db,
  ): Promise<StoredRecord[]> {
    return this.list(
      entity,
      { parentId, where: [sql<SqlBool>`lower(${this.jsonText(field)}) = lower(${value})`] },
      trx,
    );
  }

  /** How many records of `entity` point at `id` through the reference field `field` (for 409 on delete). */
  async countReferences(entity: string, field: string, id: number, trx: Db = this.db): Promise<number> {
    return this.count(entity, { where: [sql<SqlBool>`${this.jsonNumber([field, 'id'])} = ${id}`] }, trx);
  }
}

/**
 * The PostgreSQL sequence of an entity: lower case (so the name needs no quoting where it is passed
 * as text), with a hash of the exact entity name when lowering or shortening changed it.
 */
function sequenceName(entity: string): string {
  const plain = entity
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
    .slice(0, 40);
  if (plain === entity) return `cw_seq_${plain}`;
  return `cw_seq_${plain}_${createHash('sha256').update(entity).digest('hex').slice(0, 8)}`;
}

/** An id the table can hold: anything else matches no record (PostgreSQL would refuse the query). */
const storable = (id: number) => Number.isInteger(id) && Math.abs(id) <= MAX_ID;

interface StoredRow {
  id: number;
  parent_id: number;
  data: unknown;
  owner_member_id: number | null;
}

function toStored(row: StoredRow): StoredRecord {
  return {
    id: Number(row.id),
    parentId: Number(row.parent_id),
    data: decodeJson<Doc>(row.data),
    ownerMemberId: row.owner_member_id === null ? null : Number(row.owner_member_id),
  };
}
