// Console core: providers (MSP/MSSP tenants), their users and sessions, customers with their PSA
// company mapping, the PSA integration (secrets sealed with the keyring), the cache of the PSA's
// reference data, and the admin audit log. Every tenant-owned table carries provider_id.
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../db-types.js';
import { idColumn, jsonType } from './helpers.js';

export default function migration(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('con_provider')
        .addColumn('id', 'integer', (c) => idColumn(c, dialect))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('con_user')
        .addColumn('id', 'integer', (c) => idColumn(c, dialect))
        .addColumn('provider_id', 'integer', (c) => c.notNull().references('con_provider.id'))
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('email_key', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('failed_attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('locked_until', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('con_user_provider').on('con_user').column('provider_id').execute();

      await db.schema
        .createTable('con_session')
        .addColumn('token_digest', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'integer', (c) => c.notNull().references('con_user.id').onDelete('cascade'))
        .addColumn('provider_id', 'integer', (c) => c.notNull())
        .addColumn('csrf_token', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('last_seen_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('con_customer')
        .addColumn('id', 'integer', (c) => idColumn(c, dialect))
        .addColumn('provider_id', 'integer', (c) => c.notNull().references('con_provider.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('seats', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('psa_company_identifier', 'text')
        .addColumn('psa_company_id', 'integer')
        .addColumn('mapping_checked_at', 'text')
        .addColumn('mapping_state', 'text', (c) => c.notNull().defaultTo('unmapped'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('con_customer_provider')
        .on('con_customer')
        .columns(['provider_id', 'id'])
        .execute();

      await db.schema
        .createTable('con_psa_integration')
        .addColumn('provider_id', 'integer', (c) => c.primaryKey().references('con_provider.id'))
        .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('site', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('company_id', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('client_id', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('public_key_sealed', 'text')
        .addColumn('private_key_sealed', 'text')
        .addColumn('public_key_hint', 'text')
        .addColumn('private_key_hint', 'text')
        .addColumn('trusted_ca', 'text')
        .addColumn('preflight', jsonType(dialect))
        .addColumn('preflight_at', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('updated_by', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('con_psa_cache')
        .addColumn('provider_id', 'integer', (c) => c.notNull().references('con_provider.id'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('data', jsonType(dialect), (c) => c.notNull())
        .addColumn('refreshed_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('con_psa_cache_pk', ['provider_id', 'kind'])
        .execute();

      await db.schema
        .createTable('con_audit')
        .addColumn('id', 'integer', (c) => idColumn(c, dialect))
        .addColumn('provider_id', 'integer', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('detail', 'text', (c) => c.notNull().defaultTo(''))
        .execute();
      await db.schema
        .createIndex('con_audit_provider')
        .on('con_audit')
        .columns(['provider_id', 'id'])
        .execute();
    },
  };
}
