// Remote event sources (CON-5 b, c): per-provider ingest tokens for the NDJSON endpoint (only the
// SHA-256 digest is stored; the token is shown once), and the credentials of remote sources such as
// the Umbrella Reporting API (sealed with the keyring, bound to provider, source and field; only
// masked hints are readable).
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../db-types.js';
import { idColumn } from './helpers.js';

export default function migration(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('con_ingest_token')
        .addColumn('id', 'integer', (c) => idColumn(c, dialect))
        .addColumn('provider_id', 'integer', (c) => c.notNull().references('con_provider.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('token_digest', 'text', (c) => c.notNull().unique())
        .addColumn('token_hint', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('last_used_at', 'text')
        .addColumn('revoked_at', 'text')
        .addColumn('revoked_by', 'text')
        .execute();
      await db.schema
        .createIndex('con_ingest_token_provider')
        .on('con_ingest_token')
        .columns(['provider_id', 'id'])
        .execute();

      await db.schema
        .createTable('con_source_credential')
        .addColumn('provider_id', 'integer', (c) => c.notNull().references('con_provider.id'))
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('base_url', 'text')
        .addColumn('key_sealed', 'text')
        .addColumn('secret_sealed', 'text')
        .addColumn('key_hint', 'text')
        .addColumn('secret_hint', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('updated_by', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('con_source_credential_pk', ['provider_id', 'source'])
        .execute();
    },
  };
}
