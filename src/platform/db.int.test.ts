import { describe, expect, it } from 'vitest';
import { databaseKinds, openTestStorage } from '../../test/support/databases.js';
import { migrateToLatest } from './migrate.js';

describe.each(databaseKinds)('storage on %s', (kind) => {
  it('migrates an empty database and is idempotent on a second run', async () => {
    const storage = await openTestStorage(kind);
    try {
      await migrateToLatest(storage.db, storage.dialect);
      const now = '2026-01-01T00:00:00Z';
      await storage.db
        .insertInto('cw_record')
        .values({
          entity: 'x',
          id: 1,
          parent_id: 0,
          data: JSON.stringify({ a: 1 }),
          owner_member_id: null,
          created_at: now,
          updated_at: now,
        })
        .execute();
      const rows = await storage.db.selectFrom('cw_record').selectAll().execute();
      expect(rows).toHaveLength(1);
    } finally {
      await storage.close();
    }
  });
});
