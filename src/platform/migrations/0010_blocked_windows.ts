// What a ticket says about an identity's window (CON-7): per customer × identity × security category
// × aggregation window with blocked requests, the first and last blocked request and the blocked
// domains with their counts (a Space-Saving summary, see console/aggregate/blocked.ts). A child of
// con_agg_window (same key); rows exist only for cells with blocked security requests, which are rare.
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../db-types.js';
import { jsonType } from './helpers.js';

export default function migration(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('con_agg_window_blocked')
        .addColumn('provider_id', 'integer', (c) => c.notNull())
        .addColumn('customer_id', 'integer', (c) => c.notNull())
        .addColumn('identity', 'text', (c) => c.notNull())
        .addColumn('identity_type', 'text', (c) => c.notNull())
        .addColumn('category', 'text', (c) => c.notNull())
        .addColumn('window_minutes', 'integer', (c) => c.notNull())
        .addColumn('window_start', 'text', (c) => c.notNull())
        .addColumn('first_blocked', 'text', (c) => c.notNull())
        .addColumn('last_blocked', 'text', (c) => c.notNull())
        .addColumn('domains', jsonType(dialect), (c) => c.notNull())
        .addPrimaryKeyConstraint('con_agg_window_blocked_pk', [
          'provider_id',
          'customer_id',
          'identity',
          'identity_type',
          'window_start',
          'category',
          'window_minutes',
        ])
        .execute();
    },
  };
}
