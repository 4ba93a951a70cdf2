// Ingestion (CON-5) and aggregation (CON-6): how events find their customer (source bindings),
// which units of input were ingested (exactly once: a unit's row turns 'done' in the same
// transaction as its aggregate updates), their bad lines, the sources' listing cursors, and the
// per-customer aggregates. Every table carries provider_id.
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../db-types.js';
import { idColumn, jsonType } from './helpers.js';

export default function migration(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('con_source_binding')
        .addColumn('id', 'integer', (c) => idColumn(c, dialect))
        .addColumn('provider_id', 'integer', (c) => c.notNull().references('con_provider.id'))
        .addColumn('customer_id', 'integer', (c) =>
          c.notNull().references('con_customer.id').onDelete('cascade'),
        )
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('con_source_binding_unique', ['provider_id', 'kind', 'value'])
        .execute();
      await db.schema
        .createIndex('con_source_binding_customer')
        .on('con_source_binding')
        .columns(['provider_id', 'customer_id'])
        .execute();

      // status: 'claimed' (a process works on it until lease_until), 'done' (counted), 'failed'
      // (refused as a whole, nothing counted). A unit is identified by (provider, key, version).
      await db.schema
        .createTable('con_ingest_unit')
        .addColumn('id', 'integer', (c) => idColumn(c, dialect))
        .addColumn('provider_id', 'integer', (c) => c.notNull().references('con_provider.id'))
        .addColumn('source_key', 'text', (c) => c.notNull())
        .addColumn('version', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('bytes', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('rows', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('bad_rows', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('unrouted', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('reason', 'text')
        .addColumn('claimed_by', 'text')
        .addColumn('lease_until', 'text')
        .addColumn('started_at', 'text', (c) => c.notNull())
        .addColumn('finished_at', 'text')
        .addUniqueConstraint('con_ingest_unit_unique', ['provider_id', 'source_key', 'version'])
        .execute();
      await db.schema
        .createIndex('con_ingest_unit_status')
        .on('con_ingest_unit')
        .columns(['provider_id', 'status', 'id'])
        .execute();

      await db.schema
        .createTable('con_ingest_line_error')
        .addColumn('id', 'integer', (c) => idColumn(c, dialect))
        .addColumn('provider_id', 'integer', (c) => c.notNull())
        .addColumn('unit_id', 'integer', (c) =>
          c.notNull().references('con_ingest_unit.id').onDelete('cascade'),
        )
        .addColumn('line', 'integer', (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('con_ingest_line_error_unit')
        .on('con_ingest_line_error')
        .columns(['provider_id', 'unit_id', 'line'])
        .execute();

      await db.schema
        .createTable('con_source_cursor')
        .addColumn('provider_id', 'integer', (c) => c.notNull().references('con_provider.id'))
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('cursor', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('con_source_cursor_pk', ['provider_id', 'source'])
        .execute();

      // Aggregates. Windows are keyed by their length too, so a change of length never mixes counts.
      await db.schema
        .createTable('con_agg_window')
        .addColumn('provider_id', 'integer', (c) => c.notNull())
        .addColumn('customer_id', 'integer', (c) => c.notNull())
        .addColumn('identity', 'text', (c) => c.notNull())
        .addColumn('identity_type', 'text', (c) => c.notNull())
        .addColumn('category', 'text', (c) => c.notNull())
        .addColumn('window_minutes', 'integer', (c) => c.notNull())
        .addColumn('window_start', 'text', (c) => c.notNull())
        .addColumn('blocked', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('total', 'bigint', (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint('con_agg_window_pk', [
          'provider_id',
          'customer_id',
          'category',
          'window_minutes',
          'window_start',
          'identity',
          'identity_type',
        ])
        .execute();

      await db.schema
        .createTable('con_agg_daily')
        .addColumn('provider_id', 'integer', (c) => c.notNull())
        .addColumn('customer_id', 'integer', (c) => c.notNull())
        .addColumn('day', 'text', (c) => c.notNull())
        .addColumn('requests', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('allowed', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('blocked', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('by_category', jsonType(dialect), (c) => c.notNull())
        .addPrimaryKeyConstraint('con_agg_daily_pk', ['provider_id', 'customer_id', 'day'])
        .execute();

      await db.schema
        .createTable('con_agg_top_domains')
        .addColumn('provider_id', 'integer', (c) => c.notNull())
        .addColumn('customer_id', 'integer', (c) => c.notNull())
        .addColumn('day', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('summary', jsonType(dialect), (c) => c.notNull())
        .addPrimaryKeyConstraint('con_agg_top_domains_pk', ['provider_id', 'customer_id', 'day', 'action'])
        .execute();

      await db.schema
        .createTable('con_agg_identity')
        .addColumn('provider_id', 'integer', (c) => c.notNull())
        .addColumn('customer_id', 'integer', (c) => c.notNull())
        .addColumn('label', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('first_seen', 'text', (c) => c.notNull())
        .addColumn('last_seen', 'text', (c) => c.notNull())
        .addColumn('requests', 'bigint', (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint('con_agg_identity_pk', ['provider_id', 'customer_id', 'label', 'type'])
        .execute();
    },
  };
}
