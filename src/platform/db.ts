// Storage: Kysely over SQLite (embedded default, a file under the data folder) or PostgreSQL
// (DATABASE_URL). Both run the same numbered migrations.
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  PostgresDialect,
  type QueryResult,
  type SqliteDatabase,
  SqliteDialect,
  type SqliteDialectConfig,
  sql,
  type TransactionSettings,
} from 'kysely';
import type { Database, Dialect } from './db-types.js';
import { migrateToLatest } from './migrate.js';
import { type Notifications, postgresNotifications } from './notifications.js';

export interface Storage {
  db: Kysely<Database>;
  dialect: Dialect;
  /** A human-readable description without credentials, for start-up lines. */
  describe: string;
  /** PostgreSQL: wake-ups between processes (LISTEN/NOTIFY); SQLite has none. */
  notifications?: Notifications;
  /**
   * SQLite only: runs a read-only statement now, synchronously, on the shared connection, skipping
   * Kysely's connection lock and promise hops (for the API's hottest read, one record by id). Gives
   * undefined when it cannot answer now — a transaction is open on the connection (its uncommitted
   * writes must stay invisible to other callers: they wait for it through Kysely, as before) or
   * SQLite reports the database busy (Kysely's path waits for it off the event loop) — and the caller
   * then reads through Kysely.
   */
  readNow?: ((sql: string, parameters: readonly unknown[]) => unknown[] | undefined) | undefined;
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
    const notifications = postgresNotifications(pg.Client, url);
    storage = {
      db,
      dialect: 'postgres',
      describe: `postgresql://${u.hostname}:${u.port || 5432}${u.pathname}`,
      notifications,
      close: async () => {
        await notifications.close();
        await db.destroy();
      },
    };
  } else {
    const file = url?.startsWith('sqlite:')
      ? url.slice('sqlite:'.length)
      : path.join(options.dataDir, 'parasol.db');
    if (file !== ':memory:') ownerOnlyDatabaseFile(file);
    const database = new SQLite(file);
    database.pragma('journal_mode = WAL');
    // Waiting for another process's write lock inside SQLite blocks this whole process (the call is
    // synchronous): SQLite waits briefly, the rest of the wait is PatientSqliteDialect's, off the loop.
    database.pragma(`busy_timeout = ${SYNC_BUSY_WAIT_MS}`);
    database.pragma('foreign_keys = ON');
    database.pragma('synchronous = NORMAL');
    const cached = withStatementCache(database);
    const db = new Kysely<Database>({
      dialect: new PatientSqliteDialect({ database: cached }, () => database.inTransaction),
    });
    storage = {
      db,
      dialect: 'sqlite',
      describe: `sqlite:${file}`,
      readNow: (text, parameters) => readNow(database, cached, text, parameters),
      close: () => db.destroy(),
    };
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

/** How long SQLite itself waits for a lock, blocking the event loop meanwhile. */
const SYNC_BUSY_WAIT_MS = 20;
/** How long a statement waits for another process's write lock in all (as busy_timeout did before). */
const BUSY_PATIENCE_MS = 5000;
const BUSY_RETRY_MS = 25;

/**
 * Another process (a CLI command, `parasol ingest`, a second `parasol start --role worker`) holding
 * SQLite's write lock used to freeze this process: with busy_timeout = 5000 every write waited inside
 * SQLite, synchronously, up to 5 s, and a worker retrying its claim kept the event loop stopped for as
 * long as the lock was held — both servers answered nothing, clients gave up, and the log showed
 * "incoming request" with no completion. Here SQLITE_BUSY (the lock is taken, nothing was done) is
 * retried after a timer, so the servers keep answering everything else; SQLITE_BUSY_SNAPSHOT and
 * the other extended codes are not retried (the transaction itself must start over).
 */
class PatientSqliteDialect extends SqliteDialect {
  constructor(
    config: SqliteDialectConfig,
    private readonly inTransaction: () => boolean,
  ) {
    super(config);
  }

  override createDriver(): Driver {
    const inner = super.createDriver();
    const wrapped = new WeakMap<DatabaseConnection, DatabaseConnection>();
    const unwrap = (c: DatabaseConnection) => (c as PatientConnection).inner ?? c;
    return {
      init: () => inner.init(),
      acquireConnection: async () => {
        const c = await inner.acquireConnection();
        let w = wrapped.get(c);
        if (!w) {
          w = new PatientConnection(c, this.inTransaction);
          wrapped.set(c, w);
        }
        return w;
      },
      beginTransaction: (c: DatabaseConnection, settings: TransactionSettings) =>
        inner.beginTransaction(c, settings),
      commitTransaction: (c: DatabaseConnection) => inner.commitTransaction(c),
      rollbackTransaction: (c: DatabaseConnection) => inner.rollbackTransaction(c),
      ...(inner.savepoint ? { savepoint: inner.savepoint.bind(inner) } : {}),
      ...(inner.rollbackToSavepoint ? { rollbackToSavepoint: inner.rollbackToSavepoint.bind(inner) } : {}),
      ...(inner.releaseSavepoint ? { releaseSavepoint: inner.releaseSavepoint.bind(inner) } : {}),
      releaseConnection: (c: DatabaseConnection) => inner.releaseConnection(unwrap(c)),
      destroy: () => inner.destroy(),
    };
  }
}

class PatientConnection implements DatabaseConnection {
  constructor(
    readonly inner: DatabaseConnection,
    private readonly inTransaction: () => boolean,
  ) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const started = Date.now();
    for (;;) {
      const wasInTransaction = this.inTransaction();
      try {
        return await this.inner.executeQuery<R>(query);
      } catch (e) {
        // SQLite may roll the whole transaction back on SQLITE_BUSY: then the caller must see it.
        if (
          (e as { code?: unknown }).code !== 'SQLITE_BUSY' ||
          this.inTransaction() !== wasInTransaction ||
          Date.now() - started >= BUSY_PATIENCE_MS
        )
          throw e;
        await new Promise((resolve) => setTimeout(resolve, BUSY_RETRY_MS));
      }
    }
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize);
  }
}

/** See `Storage.readNow`. A statement runs to completion here, so no other caller sees it midway. */
function readNow(
  database: SQLite.Database,
  cached: SqliteDatabase,
  text: string,
  parameters: readonly unknown[],
): unknown[] | undefined {
  if (database.inTransaction || !database.open) return undefined;
  try {
    return (cached.prepare(text) as unknown as SQLite.Statement).all(parameters);
  } catch (e) {
    if ((e as { code?: unknown }).code === 'SQLITE_BUSY') return undefined;
    throw e;
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
