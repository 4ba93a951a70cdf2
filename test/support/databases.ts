// The databases every storage test runs on: SQLite always, PostgreSQL when DATABASE_URL (or
// TEST_DATABASE_URL) points at one. Each test gets a fresh, isolated database or schema.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestSchema, dropTestSchema, openStorage, type Storage } from '../../src/platform/db.js';

export const postgresUrl = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;

export const databaseKinds: Array<'sqlite' | 'postgres'> = postgresUrl?.startsWith('postgres')
  ? ['sqlite', 'postgres']
  : ['sqlite'];

let counter = 0;

export async function openTestStorage(kind: 'sqlite' | 'postgres'): Promise<Storage> {
  const dir = mkdtempSync(path.join(tmpdir(), 'parasol-test-'));
  if (kind === 'sqlite') return openStorage({ dataDir: dir });
  const schema = `t_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  const url = await createTestSchema(postgresUrl!, schema);
  const storage = await openStorage({ dataDir: dir, databaseUrl: url });
  return {
    ...storage,
    async close() {
      await storage.close();
      await dropTestSchema(postgresUrl!, schema);
    },
  };
}
