// Storage: Kysely over SQLite (embedded default, a file under the data folder) or PostgreSQL
// (DATABASE_URL). Both run the same numbered migrations.
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, type SqliteDatabase, SqliteDialect, sql } from 'kysely';
import type { Database, Dialect } from './db-types.js';
import { migrateToLatest } from './migrate.js';

export interface Storage {
  db: Kysely<Database>;
  dialect: Dialect;
  /** A human-readable description without credentials, for start-up lines. */
  describe: string;
  close(): Promise<void>;
}

export interface StorageOptions {
  databaseUrl?: string | undefined;
  dataDir: string;
  migrate?: boolean;
}

/** pg, loaded by processes that use PostgreSQL only (an SQLite deployment never pays for it). */
async function loadPg(): Promise<typeof import('pg').default> {
  const pg = (await import('pg')).default;
  // PostgreSQL returns int8 (count(*)) and numeric as strings by default; counts here fit a double.
  pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));
  return pg;
}

export async function openStorage(options: StorageOptions): Promise<Storage> {
  const url = options.databaseUrl;
  let storage: Storage;
  if (url?.startsWith('postgres')) {
    const pg = await loadPg();
    const pool = new pg.Pool({ connectionString: url, max: 10 });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    const u = new URL(url);
    storage = {
      db,
      dialect: 'postgres',
      describe: `postgresql://${u.hostname}:${u.port || 5432}${u.pathname}`,
      close: () => db.destroy(),
    };
  } else {
    const file = url?.startsWith('sqlite:')
      ? url.slice('sqlite:'.length)
      : path.join(options.dataDir, 'parasol.db');
    if (file !== ':memory:') ownerOnlyDatabaseFile(file);
    const database = new SQLite(file);
    database.pragma('journal_mode = WAL');
    database.pragma('busy_timeout = 5000');
    database.pragma('foreign_keys = ON');
    database.pragma('synchronous = NORMAL');
    const db = new Kysely<Database>({
      dialect: new SqliteDialect({ database: withStatementCache(database) }),
    });
    storage = { db, dialect: 'sqlite', describe: `sqlite:${file}`, close: () => db.destroy() };
  }
  if (options.migrate !== false) await migrateToLatest(storage.db, storage.dialect);
  return storage;
}

/**
 * The SQLite file holds the whole deployment (records, sessions, sealed keys): like the key files it
 * is readable by its owner only. Folders Parasol creates are 0700; the file is created 0600 before
 * SQLite opens it (SQLite gives -wal and -shm the database file's mode), and a file, -wal or -shm
 * left group- or world-readable by an older version is tightened.
 */
function ownerOnlyDatabaseFile(file: string): void {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true, mode: 0o700 });
  if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      if ((statSync(f).mode & 0o077) !== 0) chmodSync(f, 0o600);
    } catch {
      // -wal and -shm exist only while (or after) the database is open.
    }
  }
}

const STATEMENT_CACHE_SIZE = 200;
/** Longer SQL is a bulk statement (a batch of API-log rows…) whose exact text rarely comes back. */
const STATEMENT_CACHE_MAX_SQL = 2000;

/**
 * Kysely prepares every query anew, and on SQLite preparing costs about as much as running a small
 * query; statements are reusable, so keep the most recently used ones by SQL text (parameters are
 * bound per call). A statement still being iterated (streamed) is busy and cannot be shared: that
 * caller gets a fresh one.
 */
function withStatementCache(database: SQLite.Database): SqliteDatabase {
  const statements = new Map<string, SQLite.Statement>();
  return {
    close: () => database.close(),
    prepare(text: string) {
      const hit = statements.get(text);
      if (hit && !hit.busy) {
        statements.delete(text);
        statements.set(text, hit);
        return hit;
      }
      const stmt = database.prepare(text);
      if (!hit && text.length <= STATEMENT_CACHE_MAX_SQL) {
        if (statements.size >= STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value!);
        statements.set(text, stmt);
      }
      return stmt;
    },
  };
}

/** Drops a schema made by createTestSchema (tests clean up after themselves). */
export async function dropTestSchema(baseUrl: string, name: string): Promise<void> {
  const pg = await loadPg();
  const pool = new pg.Pool({ connectionString: baseUrl, max: 1 });
  try {
    await pool.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
  } finally {
    await pool.end();
  }
}

/** Creates a fresh, empty PostgreSQL schema for one test and returns a URL whose connections use it. */
export async function createTestSchema(baseUrl: string, name: string): Promise<string> {
  const pg = await loadPg();
  const pool = new pg.Pool({ connectionString: baseUrl, max: 1 });
  try {
    await pool.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
    await pool.query(`CREATE SCHEMA "${name}"`);
  } finally {
    await pool.end();
  }
  const u = new URL(baseUrl);
  u.searchParams.set('options', `-c search_path=${name}`);
  return u.toString();
}

export type { Dialect };
export { sql };
