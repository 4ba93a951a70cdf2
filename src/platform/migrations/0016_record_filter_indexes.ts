// Indexes for the conditions ConnectWise clients send most (the console among them): a company's
// records by `company/id` or `company/identifier`, a ticket by its `externalXRef` marker, a record by
// `identifier` or `name`. Without them every list scans and reads every record of the entity. Each
// index is on (entity, the exact expression the conditions compiler writes for `field = value`,
// src/psa/query/compile.ts), which is what lets SQLite and PostgreSQL use it; a test checks that the
// compiler's SQL still matches (src/psa/query/filter-indexes.int.test.ts).
import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from '../db-types.js';

type Kind = 'string' | 'number';

export const FILTER_INDEXES: Array<{ name: string; path: string[]; kind: Kind }> = [
  { name: 'cw_record_company_id', path: ['company', 'id'], kind: 'number' },
  { name: 'cw_record_company_identifier', path: ['company', 'identifier'], kind: 'string' },
  { name: 'cw_record_external_xref', path: ['externalXRef'], kind: 'string' },
  { name: 'cw_record_identifier', path: ['identifier'], kind: 'string' },
  { name: 'cw_record_name', path: ['name'], kind: 'string' },
];

function expression(dialect: Dialect, path: string[], kind: Kind): string {
  if (dialect === 'sqlite') {
    const p = `'$${path.map((k) => `."${k}"`).join('')}'`;
    return kind === 'string'
      ? `lower((CASE WHEN json_type("data", ${p}) IN ('text') THEN json_extract("data", ${p}) END))`
      : `(CASE WHEN json_type("data", ${p}) IN ('integer', 'real') THEN json_extract("data", ${p}) END)`;
  }
  const p = `'{${path.map((k) => `"${k}"`).join(',')}}'`;
  return kind === 'string'
    ? `lower((CASE WHEN jsonb_typeof("data" #> ${p}) = 'string' THEN ("data" #>> ${p}) END))`
    : `(CASE WHEN jsonb_typeof("data" #> ${p}) = 'number' THEN CAST(("data" #>> ${p}) AS numeric) END)`;
}

export default function migration(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      for (const index of FILTER_INDEXES) {
        await sql
          .raw(
            `CREATE INDEX ${index.name} ON cw_record (entity, ${expression(dialect, index.path, index.kind)})`,
          )
          .execute(db);
      }
    },
  };
}
