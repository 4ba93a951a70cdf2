// PSA member sign-in (PSA-9, X-6): server-side sessions (only the SHA-256 of the session token is
// stored) and the failed sign-in count with the lock-out time of each member.
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../db-types.js';

export default function migration(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('psa_session')
        .addColumn('token_digest', 'text', (c) => c.primaryKey())
        .addColumn('member_id', 'integer', (c) => c.notNull().references('psa_member.id').onDelete('cascade'))
        .addColumn('csrf_token', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('last_seen_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('psa_session_member').on('psa_session').column('member_id').execute();

      await db.schema
        .createTable('psa_sign_in_state')
        .addColumn('member_id', 'integer', (c) =>
          c.primaryKey().references('psa_member.id').onDelete('cascade'),
        )
        .addColumn('failed_attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('locked_until', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
    },
  };
}
