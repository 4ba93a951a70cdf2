// Sign-in lock-out per (account, client) for both products (issue 13): a stranger's failures lock
// only the stranger's address out, and an account that does not exist is locked exactly like one
// that does. Replaces the PSA's per-member state (psa_sign_in_state); the console's per-user
// columns (con_user.failed_attempts, locked_until) are no longer read or written.
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../db-types.js';

export default function migration(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('sign_in_lock')
        /** 'psa' or 'console'. */
        .addColumn('product', 'text', (c) => c.notNull())
        /** SHA-256 (hex) of the account name as typed, trimmed and lower-cased: no typed text at rest. */
        .addColumn('account_key', 'text', (c) => c.notNull())
        /** The client's address (IPv6: its /64). */
        .addColumn('client', 'text', (c) => c.notNull())
        .addColumn('failed_attempts', 'integer', (c) => c.notNull())
        .addColumn('locked_until', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('sign_in_lock_pk', ['product', 'account_key', 'client'])
        .execute();
      await db.schema.createIndex('sign_in_lock_updated').on('sign_in_lock').column('updated_at').execute();
      await db.schema.dropTable('psa_sign_in_state').execute();
    },
  };
}
