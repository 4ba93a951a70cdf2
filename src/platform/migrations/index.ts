// Numbered, append-only. Never edit a migration that has landed; add the next number.
import type { Migration } from 'kysely';
import type { Dialect } from '../db-types.js';
import m0001 from './0001_psa_core.js';
import m0002 from './0002_console_core.js';
import m0003 from './0003_ingestion.js';
import m0004 from './0004_ingest_tokens.js';
import m0005 from './0005_delivery.js';
import m0006 from './0006_psa_sessions.js';
import m0008 from './0008_sign_in_locks.js';
import m0009 from './0009_ingest_content.js';
import m0010 from './0010_blocked_windows.js';
import m0013 from './0013_billing.js';
import m0015 from './0015_sqlite_jsonb_records.js';
import m0016 from './0016_record_filter_indexes.js';

export const migrations: Record<string, (dialect: Dialect) => Migration> = {
  '0001_psa_core': m0001,
  '0002_console_core': m0002,
  '0003_ingestion': m0003,
  '0004_ingest_tokens': m0004,
  '0005_delivery': m0005,
  '0006_psa_sessions': m0006,
  '0008_sign_in_locks': m0008,
  '0009_ingest_content': m0009,
  '0010_blocked_windows': m0010,
  '0013_billing': m0013,
  '0015_sqlite_jsonb_records': m0015,
  '0016_record_filter_indexes': m0016,
};
