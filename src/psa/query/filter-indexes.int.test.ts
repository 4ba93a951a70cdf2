// The indexes of migration 0016 are on the exact expressions the conditions compiler writes: if the
// compiler's SQL for `field = value` changes, the databases stop using them and this test says so.
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds, openTestStorage } from '../../../test/support/databases.js';
import type { Storage } from '../../platform/db.js';
import type { Database } from '../../platform/db-types.js';
import { FILTER_INDEXES } from '../../platform/migrations/0016_record_filter_indexes.js';
import { fieldSchema } from '../model/schema.js';
import { REGISTRY } from '../service/resources.js';
import { compileConditions, parseConditions } from './index.js';

const CONDITIONS: Record<string, { resource: string; conditions: string }> = {
  cw_record_company_id: { resource: 'ticket', conditions: 'company/id = 2' },
  cw_record_company_identifier: { resource: 'ticket', conditions: 'company/identifier = "AcmeCorp"' },
  cw_record_external_xref: { resource: 'ticket', conditions: 'externalXRef = "parasol:t:1:2:3"' },
  cw_record_identifier: { resource: 'company', conditions: 'identifier = "AcmeCorp"' },
  cw_record_name: { resource: 'company', conditions: 'name = "Acme Corporation"' },
};

async function plan(db: Kysely<Database>, dialect: 'sqlite' | 'postgres', resource: string, text: string) {
  const def = REGISTRY.get(resource)!;
  const parsed = parseConditions(text, 'conditions');
  if (!parsed.ok) throw new Error(parsed.error.message);
  const compiled = compileConditions(parsed.value, fieldSchema(def.schema), { dialect });
  if (!compiled.ok) throw new Error(compiled.error.message);
  const query = db
    .selectFrom('cw_record')
    .select('id')
    .where('entity', '=', def.entity)
    .where(compiled.value);
  const { sql: text2, parameters } = query.compile();
  if (dialect === 'sqlite') {
    const { rows } = await sql.raw(`EXPLAIN QUERY PLAN ${inline(text2, parameters, '?')}`).execute(db);
    return rows.map((r) => (r as { detail: string }).detail).join('\n');
  }
  return db.transaction().execute(async (trx) => {
    // The test tables are tiny: without this PostgreSQL would rightly prefer reading them whole.
    await sql`SET LOCAL enable_seqscan = off`.execute(trx);
    const { rows } = await sql.raw(`EXPLAIN ${inline(text2, parameters, '$')}`).execute(trx);
    return rows.map((r) => Object.values(r as object)[0]).join('\n');
  });
}

/** The query with its parameters written in (EXPLAIN takes no bound parameters here). */
function inline(text: string, parameters: readonly unknown[], marker: '?' | '$'): string {
  const literal = (v: unknown) => (typeof v === 'string' ? `'${v.replaceAll("'", "''")}'` : String(v));
  if (marker === '?') {
    let i = 0;
    return text.replace(/\?/g, () => literal(parameters[i++]));
  }
  return text.replace(/\$(\d+)/g, (_m, n: string) => literal(parameters[Number(n) - 1]));
}

describe.each(databaseKinds)('filter indexes on %s', (kind) => {
  let storage: Storage;
  beforeAll(async () => {
    storage = await openTestStorage(kind);
  });
  afterAll(async () => storage?.close());

  it.each(FILTER_INDEXES.map((i) => i.name))('%s serves its condition', async (name) => {
    const { resource, conditions } = CONDITIONS[name]!;
    expect(await plan(storage.db, storage.dialect, resource, conditions)).toContain(name);
  });
});
