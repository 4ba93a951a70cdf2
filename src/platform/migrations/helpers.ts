import type { ColumnDefinitionBuilder } from 'kysely';
import type { Dialect } from '../db-types.js';

/** An auto-generated integer primary key on either database. */
export function idColumn(c: ColumnDefinitionBuilder, dialect: Dialect): ColumnDefinitionBuilder {
  return dialect === 'postgres'
    ? c.primaryKey().generatedByDefaultAsIdentity()
    : c.primaryKey().autoIncrement();
}

/**
 * JSON documents: jsonb on PostgreSQL, text holding JSON on SQLite (queried with json_extract);
 * `cw_record.data` holds SQLite's binary JSONB in that text column since migration 0015.
 */
export function jsonType(dialect: Dialect): 'jsonb' | 'text' {
  return dialect === 'postgres' ? 'jsonb' : 'text';
}
