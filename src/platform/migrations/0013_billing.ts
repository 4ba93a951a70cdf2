// Billing reconciliation (issue 17, console side): per provider, the billing settings (off / preview /
// on, the product identifier, the agreement type, what a seat is), and per customer the agreement
// override picked from the PSA's list and what the last reconciliation found (the agreement and
// addition it wrote to, the quantities, the last problem in plain words).
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../db-types.js';

export default function migration(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('con_billing_settings')
        .addColumn('provider_id', 'integer', (c) => c.primaryKey().references('con_provider.id'))
        .addColumn('mode', 'text', (c) => c.notNull())
        .addColumn('product_identifier', 'text', (c) => c.notNull())
        .addColumn('agreement_type', 'text', (c) => c.notNull())
        .addColumn('seat_basis', 'text', (c) => c.notNull())
        .addColumn('identity_days', 'integer', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('con_billing_customer')
        .addColumn('provider_id', 'integer', (c) => c.notNull())
        .addColumn('customer_id', 'integer', (c) =>
          c.notNull().references('con_customer.id').onDelete('cascade'),
        )
        .addColumn('agreement_override_id', 'integer')
        .addColumn('psa_company_id', 'integer')
        .addColumn('psa_agreement_id', 'integer')
        .addColumn('psa_addition_id', 'integer')
        .addColumn('psa_quantity', 'integer')
        .addColumn('quantity', 'integer')
        .addColumn('last_run_at', 'text')
        .addColumn('last_error', 'text')
        .addColumn('last_error_at', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('con_billing_customer_pk', ['provider_id', 'customer_id'])
        .execute();
    },
  };
}
