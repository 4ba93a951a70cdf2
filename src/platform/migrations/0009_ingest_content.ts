// A file's identity is its content (docs/ingestion.md, "Exactly once"): each unit records the digest
// of its (decompressed) bytes; one row per digest names the unit that counts that content; a counted
// file unit keeps its contribution (its aggregate deltas) so that a changed file under the same name
// replaces it instead of adding to it. A unit that counted nothing because its content was already
// counted names that unit (duplicate_of); one whose contribution was taken back names its successor.
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../db-types.js';

export default function migration(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('con_ingest_unit').addColumn('content_digest', 'text').execute();
      await db.schema.alterTable('con_ingest_unit').addColumn('duplicate_of', 'integer').execute();
      await db.schema.alterTable('con_ingest_unit').addColumn('replaced_by', 'integer').execute();
      // S3: the same object (size and ETag) under another key is known without reading it.
      await db.schema
        .createIndex('con_ingest_unit_version')
        .on('con_ingest_unit')
        .columns(['provider_id', 'version'])
        .execute();

      await db.schema
        .createTable('con_ingest_content')
        .addColumn('provider_id', 'integer', (c) => c.notNull().references('con_provider.id'))
        .addColumn('digest', 'text', (c) => c.notNull())
        .addColumn('unit_id', 'integer', (c) =>
          c.notNull().references('con_ingest_unit.id').onDelete('cascade'),
        )
        .addPrimaryKeyConstraint('con_ingest_content_pk', ['provider_id', 'digest'])
        .execute();

      // The deltas a unit added (gzip, base64 JSON): a few per cent of the file, bounded by the
      // aggregate cells it touched, not by its rows.
      await db.schema
        .createTable('con_ingest_contribution')
        .addColumn('provider_id', 'integer', (c) => c.notNull())
        .addColumn('unit_id', 'integer', (c) =>
          c.primaryKey().references('con_ingest_unit.id').onDelete('cascade'),
        )
        .addColumn('deltas', 'text', (c) => c.notNull())
        .execute();
    },
  };
}
