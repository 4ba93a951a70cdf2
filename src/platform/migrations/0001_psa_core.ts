// PSA core: ConnectWise records (one JSON document per record), roles, members, API keys,
// their history and API logs, and callback deliveries.
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../db-types.js';
import { idColumn, jsonType } from './helpers.js';

export default function migration(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('cw_record')
        .addColumn('entity', 'text', (c) => c.notNull())
        .addColumn('id', 'integer', (c) => c.notNull())
        .addColumn('parent_id', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('data', jsonType(dialect), (c) => c.notNull())
        .addColumn('owner_member_id', 'integer')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('cw_record_pk', ['entity', 'id'])
        .execute();
      await db.schema
        .createIndex('cw_record_parent')
        .on('cw_record')
        .columns(['entity', 'parent_id', 'id'])
        .execute();

      await db.schema
        .createTable('cw_sequence')
        .addColumn('entity', 'text', (c) => c.primaryKey())
        .addColumn('next_id', 'integer', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('psa_role')
        .addColumn('id', 'integer', (c) => idColumn(c, dialect))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('name_key', 'text', (c) => c.notNull().unique())
        .addColumn('admin_flag', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('inactive_flag', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('psa_role_setting')
        .addColumn('role_id', 'integer', (c) => c.notNull().references('psa_role.id').onDelete('cascade'))
        .addColumn('function_id', 'text', (c) => c.notNull())
        .addColumn('add_level', 'text', (c) => c.notNull())
        .addColumn('edit_level', 'text', (c) => c.notNull())
        .addColumn('delete_level', 'text', (c) => c.notNull())
        .addColumn('inquire_level', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('psa_role_setting_pk', ['role_id', 'function_id'])
        .execute();

      await db.schema
        .createTable('psa_role_customize')
        .addColumn('role_id', 'integer', (c) => c.notNull().references('psa_role.id').onDelete('cascade'))
        .addColumn('customize_id', 'text', (c) => c.notNull())
        .addColumn('item_id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('psa_role_customize_pk', ['role_id', 'customize_id', 'item_id'])
        .execute();

      await db.schema
        .createTable('psa_member')
        .addColumn('id', 'integer', (c) => idColumn(c, dialect))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('identifier', 'text', (c) => c.notNull())
        .addColumn('identifier_key', 'text', (c) => c.notNull().unique())
        .addColumn('first_name', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('last_name', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('email', 'text')
        .addColumn('role_id', 'integer', (c) => c.notNull().references('psa_role.id'))
        .addColumn('inactive_flag', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('inactive_date', 'text')
        .addColumn('password_hash', 'text')
        .addColumn('data', jsonType(dialect), (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('psa_api_key')
        .addColumn('id', 'integer', (c) => idColumn(c, dialect))
        .addColumn('member_id', 'integer', (c) => c.notNull().references('psa_member.id'))
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('public_key', 'text', (c) => c.notNull().unique())
        .addColumn('private_key_digest', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .addColumn('last_used_at', 'text')
        .execute();
      await db.schema.createIndex('psa_api_key_member').on('psa_api_key').column('member_id').execute();

      await db.schema
        .createTable('psa_member_history')
        .addColumn('id', 'integer', (c) => idColumn(c, dialect))
        .addColumn('member_id', 'integer', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('detail', 'text', (c) => c.notNull().defaultTo(''))
        .execute();
      await db.schema
        .createIndex('psa_member_history_member')
        .on('psa_member_history')
        .columns(['member_id', 'id'])
        .execute();

      await db.schema
        .createTable('psa_api_log')
        .addColumn('id', 'integer', (c) => idColumn(c, dialect))
        .addColumn('member_id', 'integer', (c) => c.notNull())
        .addColumn('key_id', 'integer')
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('method', 'text', (c) => c.notNull())
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('status', 'integer', (c) => c.notNull())
        .addColumn('duration_ms', 'real', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('psa_api_log_member')
        .on('psa_api_log')
        .columns(['member_id', 'id'])
        .execute();

      await db.schema
        .createTable('psa_callback_delivery')
        .addColumn('id', 'integer', (c) => idColumn(c, dialect))
        .addColumn('callback_id', 'integer', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', 'text', (c) => c.notNull())
        .addColumn('lease_until', 'text')
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('psa_callback_delivery_due')
        .on('psa_callback_delivery')
        .columns(['status', 'next_attempt_at'])
        .execute();

      await db.schema
        .createTable('psa_signing_key')
        .addColumn('id', 'integer', (c) => idColumn(c, dialect))
        .addColumn('signing_key', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
    },
  };
}
