// `parasol console billing …` (issue 17): billing settings, the per-customer agreement override, the
// preview (reads the PSA, writes nothing) and a run on demand — the same BillingService the console
// API calls, imported when a command runs.
import type { Command } from 'commander';
import type { Delivery } from '../console/delivery/index.js';
import { ConsoleError } from '../console/service/errors.js';
import type { ConsoleServices } from '../console/service/services.js';
import { customerId, out, providerId, withConsole } from './console-support.js';
import { deliverNow } from './delivery-commands.js';
import type { CliIo } from './io.js';

const ACTOR = 'cli';

const delivery = async (s: ConsoleServices): Promise<Delivery> =>
  (await import('../console/delivery/index.js')).delivery(s);

function whole(raw: string, what: string): number {
  if (!/^\d{1,9}$/.test(raw)) throw new ConsoleError('invalid', `${what} must be a whole number`);
  return Number(raw);
}

const money = (n: number) => (n >= 0 ? `+${n.toFixed(2)}` : n.toFixed(2));

export function registerBillingCommands(con: Command, io: CliIo): void {
  const billing = con.command('billing').description('billing reconciliation: seats on the PSA agreement');

  billing
    .command('show')
    .description('settings and each customer’s billing state and last problem')
    .requiredOption('--provider <provider>', 'provider name or id')
    .option('--json', 'print JSON', false)
    .action(async (o: { provider: string; json: boolean }) =>
      withConsole(io, async (s) => {
        const st = await (await delivery(s)).billing.status(await providerId(s, o.provider));
        out(io, o.json, st, () => [
          `billing ${st.settings.mode}: ${st.settings.productIdentifier} on agreements of type "${st.settings.agreementType}", seats: ${st.settings.seatBasis} (${st.settings.identityDays} days)`,
          ...st.customers.map(
            (c) =>
              `${c.customerId}\t${c.name}\t${c.overrideAgreementId ? `agreement ${c.overrideAgreementId}` : 'by type'}\t${c.quantity ?? '-'}\t${c.lastError ?? (c.lastRunAt ? `reconciled ${c.lastRunAt}` : '')}`,
          ),
        ]);
      }),
    );

  billing
    .command('settings')
    .description('change the billing settings (options not given stay as they are)')
    .requiredOption('--provider <provider>', 'provider name or id')
    .option('--mode <mode>', 'off, preview or on')
    .option('--product <identifier>', 'the catalogue product, e.g. DNS-SECURITY-SEAT')
    .option('--agreement-type <name>', 'the agreement type that receives the line')
    .option('--seats <basis>', 'configured, identities or larger')
    .option('--days <n>', 'identities seen in the last N days')
    .action(
      async (o: {
        provider: string;
        mode?: string;
        product?: string;
        agreementType?: string;
        seats?: string;
        days?: string;
      }) =>
        withConsole(io, async (s) => {
          const d = await delivery(s);
          const p = await providerId(s, o.provider);
          const now = await d.billing.settings(p);
          const saved = await d.billing.saveSettings(
            p,
            {
              mode: o.mode ?? now.mode,
              productIdentifier: o.product ?? now.productIdentifier,
              agreementType: o.agreementType ?? now.agreementType,
              seatBasis: o.seats ?? now.seatBasis,
              identityDays: o.days === undefined ? now.identityDays : whole(o.days, '--days'),
            },
            ACTOR,
          );
          io.out(JSON.stringify(saved, null, 2));
        }),
    );

  billing
    .command('agreement <customer>')
    .description('pick the agreement that receives a customer’s line (--by-type to go back)')
    .requiredOption('--provider <provider>', 'provider name or id')
    .option('--id <agreementId>', 'the PSA agreement id')
    .option('--by-type', 'use the agreement of the configured type', false)
    .option('--list', 'list the mapped company’s agreements in the PSA', false)
    .action(async (customer: string, o: { provider: string; id?: string; byType: boolean; list: boolean }) =>
      withConsole(io, async (s) => {
        const d = await delivery(s);
        const p = await providerId(s, o.provider);
        const c = await customerId(s, p, customer);
        if (o.list) {
          for (const a of await d.billing.agreementsOf(p, c))
            io.out(`${a.id}\t${a.name}\t${a.type ?? ''}\t${a.status}`);
          return;
        }
        if (o.id === undefined && !o.byType)
          throw new ConsoleError('invalid', 'give --id <agreementId>, --by-type or --list');
        const r = await d.billing.setOverride(p, c, o.byType ? null : whole(o.id!, '--id'), ACTOR);
        io.out(r.agreementId === null ? 'agreement by type' : `agreement ${r.agreementId}`);
      }),
    );

  billing
    .command('preview')
    .description(
      'per customer: the PSA’s quantity, Parasol’s, the difference, why, and the monthly change; writes nothing',
    )
    .requiredOption('--provider <provider>', 'provider name or id')
    .option('--json', 'print JSON', false)
    .action(async (o: { provider: string; json: boolean }) =>
      withConsole(io, async (s) => {
        const pv = await (await delivery(s)).billing.preview(await providerId(s, o.provider));
        out(io, o.json, pv, () => [
          `billing ${pv.settings.mode}: ${pv.settings.productIdentifier}${pv.productFound ? ` at ${pv.productPrice}` : ' (not in the PSA catalog)'}`,
          'customer\tPSA\tParasol\tdifference\tmonthly\treason',
          ...pv.rows.map(
            (r) =>
              `${r.name}\t${r.psaQuantity ?? '-'}\t${r.quantity}\t${r.difference === 0 ? '0' : r.difference > 0 ? `+${r.difference}` : r.difference}\t${money(r.monthlyChange)}\t${r.reason}`,
          ),
          `${pv.totals.writes} write(s), ${pv.totals.problems} problem(s), monthly ${money(pv.totals.monthlyChange)}`,
        ]);
      }),
    );

  billing
    .command('run')
    .description('reconcile now (billing must be on)')
    .requiredOption('--provider <provider>', 'provider name or id')
    .option('--deliver', 'deliver the writes from this process before exiting', false)
    .action(async (o: { provider: string; deliver: boolean }) =>
      withConsole(io, async (s) => {
        const d = await delivery(s);
        const p = await providerId(s, o.provider);
        const summary = await d.billing.run(p);
        io.out(`${summary.enqueued} customer(s) queued`);
        for (const n of summary.notBilled) io.out(`customer ${n.customerId}: ${n.reason}`);
        if (o.deliver) await deliverNow(d, p, io);
      }),
    );
}
