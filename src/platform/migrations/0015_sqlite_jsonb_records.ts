// ConnectWise records on SQLite move from JSON text to SQLite's binary JSONB (SQLite 3.45+): every
// `conditions` filter reads fields of every candidate record with json_extract, which parsed each
// record's whole text again for every list request (about half of a 100-row list's cost). JSONB is
// read in place; RecordStore writes it with jsonb() and reads it back with json(), which gives
// back exactly the text JSON.stringify wrote. PostgreSQL stores jsonb already: nothing to do there.
import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from '../db-types.js';

export default function migration(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      if (dialect !== 'sqlite') return;
      await sql`UPDATE cw_record SET data = jsonb(data) WHERE typeof(data) = 'text'`.execute(db);
    },
  };
}
