// Ticketing, configuration sync and the delivery engine (CON-7 … CON-11):
//   * ticket rules and per-customer overrides (settings as JSON, validated by console/ticketing);
//   * ticket tracks: one row per (rule, customer, identity) following its PSA ticket through the
//     lifecycle (open → appended → closed → new / reopened / silenced), with the marker the console
//     writes into the ticket so an ambiguous create can be found again;
//   * the outbox: every PSA write, inserted in the same transaction as the decision that caused it,
//     claimed by workers with leases, delivered in order per subject;
//   * the PSA write log (redacted), integration health (circuit), configuration-sync state, and
//     cluster-wide schedules (each fires once per cluster, not once per process).
// Times are ISO-8601 UTC text ('2026-12-05T17:04:00.000Z'), which compares correctly as text.
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../db-types.js';
import { idColumn, jsonType } from './helpers.js';

export default function migration(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('con_ticket_rule')
        .addColumn('id', 'integer', (c) => idColumn(c, dialect))
        .addColumn('provider_id', 'integer', (c) => c.notNull().references('con_provider.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('settings', jsonType(dialect), (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('con_ticket_rule_name', ['provider_id', 'name'])
        .execute();

      await db.schema
        .createTable('con_ticket_override')
        .addColumn('provider_id', 'integer', (c) => c.notNull())
        .addColumn('rule_id', 'integer', (c) =>
          c.notNull().references('con_ticket_rule.id').onDelete('cascade'),
        )
        .addColumn('customer_id', 'integer', (c) =>
          c.notNull().references('con_customer.id').onDelete('cascade'),
        )
        .addColumn('settings', jsonType(dialect), (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('con_ticket_override_pk', ['provider_id', 'rule_id', 'customer_id'])
        .execute();

      // state: see console/ticketing/lifecycle.ts. generation counts the PSA tickets this track has
      // raised; the marker of generation g is written into ticket g (externalXRef).
      await db.schema
        .createTable('con_ticket_track')
        .addColumn('id', 'integer', (c) => idColumn(c, dialect))
        .addColumn('provider_id', 'integer', (c) => c.notNull())
        .addColumn('rule_id', 'integer', (c) => c.notNull())
        .addColumn('customer_id', 'integer', (c) => c.notNull())
        .addColumn('identity', 'text', (c) => c.notNull())
        .addColumn('identity_type', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('generation', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('psa_ticket_id', 'integer')
        .addColumn('marker', 'text')
        .addColumn('opened_window', 'text')
        .addColumn('last_window', 'text')
        .addColumn('last_count', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('quiet_windows', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('silenced_until', 'text')
        .addColumn('closed_at', 'text')
        .addColumn('reason', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('con_ticket_track_key', [
          'provider_id',
          'rule_id',
          'customer_id',
          'identity',
          'identity_type',
        ])
        .execute();
      await db.schema
        .createIndex('con_ticket_track_state')
        .on('con_ticket_track')
        .columns(['provider_id', 'state', 'id'])
        .execute();
      await db.schema
        .createIndex('con_ticket_track_ticket')
        .on('con_ticket_track')
        .columns(['provider_id', 'psa_ticket_id'])
        .execute();

      // state: 'pending' (waits for not_before), 'running' (leased by lease_owner until lease_until),
      // 'done', 'failed' (permanent: its reason in last_error; retryable by an admin).
      // Items of one (provider_id, subject) run in id order: a note never overtakes its ticket.
      await db.schema
        .createTable('con_outbox')
        .addColumn('id', 'integer', (c) => idColumn(c, dialect))
        .addColumn('provider_id', 'integer', (c) => c.notNull())
        .addColumn('customer_id', 'integer')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('payload', jsonType(dialect), (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('ambiguous', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('not_before', 'text', (c) => c.notNull())
        .addColumn('lease_owner', 'text')
        .addColumn('lease_until', 'text')
        .addColumn('last_error', 'text')
        .addColumn('result', jsonType(dialect))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('done_at', 'text')
        .execute();
      await db.schema
        .createIndex('con_outbox_ready')
        .on('con_outbox')
        .columns(['state', 'not_before', 'id'])
        .execute();
      await db.schema
        .createIndex('con_outbox_subject')
        .on('con_outbox')
        .columns(['provider_id', 'subject', 'id'])
        .execute();
      await db.schema
        .createIndex('con_outbox_customer')
        .on('con_outbox')
        .columns(['provider_id', 'customer_id', 'id'])
        .execute();

      await db.schema
        .createTable('con_psa_write')
        .addColumn('id', 'integer', (c) => idColumn(c, dialect))
        .addColumn('provider_id', 'integer', (c) => c.notNull())
        .addColumn('customer_id', 'integer')
        .addColumn('outbox_id', 'integer')
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('method', 'text', (c) => c.notNull())
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('status', 'integer')
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('detail', 'text', (c) => c.notNull().defaultTo(''))
        .execute();
      await db.schema
        .createIndex('con_psa_write_provider')
        .on('con_psa_write')
        .columns(['provider_id', 'id'])
        .execute();

      // circuit: 'closed' (deliver) or 'open' (credentials or permissions refused: nothing is sent
      // until the PSA Integration Details are saved again and pass the preflight).
      await db.schema
        .createTable('con_integration_health')
        .addColumn('provider_id', 'integer', (c) => c.primaryKey().references('con_provider.id'))
        .addColumn('circuit', 'text', (c) => c.notNull().defaultTo('closed'))
        .addColumn('circuit_reason', 'text')
        .addColumn('circuit_opened_at', 'text')
        .addColumn('last_success_at', 'text')
        .addColumn('last_error', 'text')
        .addColumn('last_error_at', 'text')
        .addColumn('callback_url', 'text')
        .addColumn('callback_token_digest', 'text')
        .addColumn('callback_psa_id', 'integer')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();

      // The PSA side of configuration sync: the type and its questions per provider, and one
      // configuration per mapped customer.
      await db.schema
        .createTable('con_config_type_state')
        .addColumn('provider_id', 'integer', (c) => c.primaryKey().references('con_provider.id'))
        .addColumn('type_name', 'text', (c) => c.notNull())
        .addColumn('psa_type_id', 'integer')
        .addColumn('questions', jsonType(dialect), (c) => c.notNull())
        .addColumn('ensured_at', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('con_config_sync')
        .addColumn('provider_id', 'integer', (c) => c.notNull())
        .addColumn('customer_id', 'integer', (c) =>
          c.notNull().references('con_customer.id').onDelete('cascade'),
        )
        .addColumn('psa_configuration_id', 'integer')
        .addColumn('psa_company_id', 'integer')
        .addColumn('answers_digest', 'text')
        .addColumn('last_synced_at', 'text')
        .addColumn('last_error', 'text')
        .addColumn('last_error_at', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('con_config_sync_pk', ['provider_id', 'customer_id'])
        .execute();

      // One row per schedule (e.g. 'config-sync:7', 'ticket-poll:7'): whoever moves next_run_at
      // forward with a compare-and-set runs it, so it fires once per cluster.
      await db.schema
        .createTable('con_schedule')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('next_run_at', 'text', (c) => c.notNull())
        .addColumn('last_run_at', 'text')
        .addColumn('last_run_by', 'text')
        .addColumn('runs', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
    },
  };
}
