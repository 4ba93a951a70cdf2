// Runs the numbered, append-only migrations. On PostgreSQL an advisory lock serialises processes
// that start together, so the database is migrated exactly once.
import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import type { Dialect } from './db-types.js';
import { migrations } from './migrations/index.js';

const MIGRATION_LOCK_KEY = 4_242_001;

class StaticProvider implements MigrationProvider {
  constructor(private readonly dialect: Dialect) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    const out: Record<string, Migration> = {};
    for (const [name, make] of Object.entries(migrations)) out[name] = make(this.dialect);
    return out;
  }
}

/**
 * Kysely's migrator looks for its tables with an introspection query over every schema's columns;
 * on PostgreSQL that query fails with "schema … does not exist" (or "relation …") when another
 * schema is dropped while it runs — tests create and drop schemas all the time. Such a failure is
 * about somebody else's schema and passes: try again.
 */
const CONCURRENT_DROP = /(schema|relation) "[^"]+" does not exist/;

export async function migrateToLatest(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const run = async (target: Kysely<any>, schema?: string) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await runOnce(target, schema);
      } catch (e) {
        if (attempt >= 5 || !CONCURRENT_DROP.test((e as Error).message)) throw e;
        await new Promise((r) => setTimeout(r, 50 * attempt));
      }
    }
  };
  const runOnce = async (target: Kysely<any>, schema?: string) => {
    // Kysely looks for its bookkeeping tables in every schema unless told which one is ours.
    const migrator = new Migrator({
      db: target,
      provider: new StaticProvider(dialect),
      ...(schema ? { migrationTableSchema: schema } : {}),
    });
    const { error, results } = await migrator.migrateToLatest();
    const failed = results?.find((r) => r.status === 'Error');
    if (error || failed) {
      throw new Error(
        `migration ${failed?.migrationName ?? ''} failed: ${(error as Error | undefined)?.message ?? 'unknown error'}`,
      );
    }
  };
  if (dialect === 'sqlite') return run(db);
  await db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`.execute(conn);
    try {
      const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(conn);
      await run(conn, rows[0]?.schema ?? 'public');
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.execute(conn);
    }
  });
}
