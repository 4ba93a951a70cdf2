// `parasol console …` commands of ticketing, configuration sync and delivery (CON-7 … CON-11, X-3):
// the same services the console API calls. Writes are queued in the outbox; a running server's
// workers deliver them, or `--deliver` delivers them from this process before it exits.
import type { Command } from 'commander';
import type { Delivery } from '../console/delivery/index.js';
import { ConsoleError } from '../console/service/errors.js';
import type { ConsoleServices } from '../console/service/services.js';
import { out, providerId, withConsole } from './console-support.js';
import type { CliIo } from './io.js';

const ACTOR = 'cli';

/** The delivery services, imported when a command runs (not when the program is built). */
const delivery = async (s: ConsoleServices): Promise<Delivery> =>
  (await import('../console/delivery/index.js')).delivery(s);

function json(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ConsoleError('invalid', `${what} must be JSON, e.g. '{"threshold": 20}'`);
  }
}

function positive(raw: string, what: string): number {
  if (!/^\d{1,15}$/.test(raw) || Number(raw) === 0)
    throw new ConsoleError('invalid', `${what} must be a positive whole number`);
  return Number(raw);
}

/** Delivers what is due from this process until nothing is pending (or the deadline passes). */
async function deliverNow(d: Delivery, provider: number, io: CliIo, deadlineMs = 120_000): Promise<void> {
  const worker = d.workers[0];
  if (!worker)
    throw new ConsoleError('invalid', 'no delivery worker in this process (CONSOLE_DELIVERY_WORKERS=0)');
  const until = Date.now() + deadlineMs;
  for (;;) {
    const finished = await worker.runOnce();
    const h = await d.activity.integration(provider);
    if (h.pending === 0 || h.circuit === 'open' || Date.now() > until) {
      io.out(
        h.pending === 0
          ? 'delivered: nothing pending'
          : `${h.pending} write(s) still pending${h.circuit === 'open' ? ` — circuit open: ${h.circuitReason}` : ''}`,
      );
      return;
    }
    if (finished === 0) await new Promise((r) => setTimeout(r, 250));
  }
}

export function registerDeliveryCommands(con: Command, io: CliIo): void {
  const rules = con.command('rules').description('ticket rules (CON-7)');
  rules
    .command('list')
    .requiredOption('--provider <provider>', 'provider name or id')
    .option('--json', 'print JSON', false)
    .action(async (o: { provider: string; json: boolean }) =>
      withConsole(io, async (s) => {
        const list = await (await delivery(s)).rules.listRules(await providerId(s, o.provider));
        out(io, o.json, list, () =>
          list.map(
            (r) =>
              `${r.id}\t${r.name}\t${r.enabled ? 'enabled' : 'disabled'}\t${r.settings.categories.join('+')} > ${r.settings.threshold} per ${r.settings.windowMinutes} min\tboard ${r.settings.board?.name ?? r.settings.board?.id ?? '(PSA default)'}`,
          ),
        );
      }),
    );
  rules
    .command('create <name>')
    .requiredOption('--provider <provider>', 'provider name or id')
    .option('--settings <json>', 'settings that differ from the default rule', '{}')
    .action(async (name: string, o: { provider: string; settings: string }) =>
      withConsole(io, async (s) => {
        const rule = await (await delivery(s)).rules.createRule(
          await providerId(s, o.provider),
          { name, settings: json(o.settings, '--settings') },
          ACTOR,
        );
        io.out(JSON.stringify(rule, null, 2));
      }),
    );
  rules
    .command('set <ruleId>')
    .description("change a rule's settings, name or enabled flag")
    .requiredOption('--provider <provider>', 'provider name or id')
    .option('--settings <json>', 'settings to change, e.g. \'{"threshold": 20}\'')
    .option('--name <name>', 'new name')
    .option('--enabled <yes|no>', 'turn the rule on or off')
    .action(
      async (ruleId: string, o: { provider: string; settings?: string; name?: string; enabled?: string }) =>
        withConsole(io, async (s) => {
          if (o.enabled !== undefined && !['yes', 'no'].includes(o.enabled))
            throw new ConsoleError('invalid', '--enabled must be yes or no');
          const rule = await (await delivery(s)).rules.updateRule(
            await providerId(s, o.provider),
            positive(ruleId, 'ruleId'),
            {
              ...(o.settings !== undefined ? { settings: json(o.settings, '--settings') } : {}),
              ...(o.name !== undefined ? { name: o.name } : {}),
              ...(o.enabled !== undefined ? { enabled: o.enabled === 'yes' } : {}),
            },
            ACTOR,
          );
          io.out(JSON.stringify(rule, null, 2));
        }),
    );
  rules
    .command('override <ruleId> <customerId>')
    .description("set a customer's override of a rule (or --remove it)")
    .requiredOption('--provider <provider>', 'provider name or id')
    .option('--settings <json>', 'the settings this customer overrides')
    .option('--remove', 'remove the override', false)
    .action(
      async (
        ruleId: string,
        customerId: string,
        o: { provider: string; settings?: string; remove: boolean },
      ) =>
        withConsole(io, async (s) => {
          if (!o.remove && o.settings === undefined)
            throw new ConsoleError('invalid', 'give --settings <json> or --remove');
          const r = await (await delivery(s)).rules.setOverride(
            await providerId(s, o.provider),
            positive(ruleId, 'ruleId'),
            positive(customerId, 'customerId'),
            o.remove ? null : json(o.settings!, '--settings'),
            ACTOR,
          );
          io.out(r ? JSON.stringify(r, null, 2) : 'override removed');
        }),
    );

  con
    .command('tickets')
    .description('tracked tickets (state, PSA ticket id, reason); --poll asks the PSA which were closed')
    .requiredOption('--provider <provider>', 'provider name or id')
    .option('--customer <id>', 'one customer')
    .option('--state <state>', 'none, open, closed or silenced')
    .option('--poll', 'poll the PSA for closed tickets first', false)
    .option('--json', 'print JSON', false)
    .action(
      async (o: { provider: string; customer?: string; state?: string; poll: boolean; json: boolean }) =>
        withConsole(io, async (s) => {
          const p = await providerId(s, o.provider);
          const d = await delivery(s);
          if (o.poll) {
            const r = await d.ticketStatus.pollProvider(p);
            // With --json, stdout holds the JSON document alone.
            (o.json ? io.err : io.out)(
              `polled ${r.tracks} ticket(s) in ${r.requests} request(s): ${r.closed} closed, ${r.reopened} reopened`,
            );
          }
          const list = await d.tracks(p, {
            customerId: o.customer === undefined ? undefined : positive(o.customer, '--customer'),
            state: o.state,
          });
          out(io, o.json, list, () =>
            list.map(
              (t) =>
                `${t.customerName}\t${t.identity}\t${t.state}\tticket ${t.psaTicketId ?? '-'}\t${t.reason ?? ''}`,
            ),
          );
        }),
    );

  con
    .command('sync')
    .description('configuration sync now (CON-8): every mapped customer, or those given')
    .requiredOption('--provider <provider>', 'provider name or id')
    .option('--customer <id...>', 'customer ids')
    .option('--deliver', 'deliver the writes from this process before exiting', false)
    .action(async (o: { provider: string; customer?: string[]; deliver: boolean }) =>
      withConsole(io, async (s) => {
        const p = await providerId(s, o.provider);
        const d = await delivery(s);
        const summary = await d.configSync.syncProvider(
          p,
          o.customer ? { customerIds: o.customer.map((c) => positive(c, '--customer')) } : {},
        );
        io.out(
          `${summary.enqueued} configuration(s) queued for ${summary.day}${summary.ensureType ? ', type and questions checked first' : ''}`,
        );
        for (const n of summary.notSynced) io.out(`customer ${n.customerId}: ${n.reason}`);
        if (o.deliver) await deliverNow(d, p, io);
      }),
    );

  con
    .command('activity')
    .description('per-customer health and the integration circuit (CON-11); --writes: the PSA write log')
    .requiredOption('--provider <provider>', 'provider name or id')
    .option('--writes', 'print the PSA write log instead', false)
    .option('--limit <n>', 'write log entries', '50')
    .option('--json', 'print JSON', false)
    .action(async (o: { provider: string; writes: boolean; limit: string; json: boolean }) =>
      withConsole(io, async (s) => {
        const p = await providerId(s, o.provider);
        const d = await delivery(s);
        if (o.writes) {
          const log = await d.activity.writeLog(p, { limit: positive(o.limit, '--limit') });
          out(io, o.json, log, () =>
            log.map((w) => `${w.at}\t${w.method} ${w.path}\t${w.status ?? '-'}\t${w.outcome}\t${w.detail}`),
          );
          return;
        }
        const health = {
          integration: await d.activity.integration(p),
          customers: await d.activity.customers(p),
        };
        out(io, o.json, health, () => [
          `circuit ${health.integration.circuit}${health.integration.circuitReason ? `: ${health.integration.circuitReason}` : ''}; ${health.integration.pending} pending, ${health.integration.failed} failed`,
          ...health.customers.map(
            (c) =>
              `${c.name}\t${c.mappingState}\tsynced ${c.lastConfigSyncAt ?? 'never'}\tlast ticket ${c.lastTicket?.psaTicketId ?? '-'}\t${c.lastError?.message ?? 'ok'}`,
          ),
        ]);
      }),
    );

  con
    .command('retry')
    .description('retry failed PSA writes (of one customer, or all)')
    .requiredOption('--provider <provider>', 'provider name or id')
    .option('--customer <id>', 'one customer')
    .option('--deliver', 'deliver them from this process before exiting', false)
    .action(async (o: { provider: string; customer?: string; deliver: boolean }) =>
      withConsole(io, async (s) => {
        const p = await providerId(s, o.provider);
        const d = await delivery(s);
        const n = await d.retry(p, o.customer === undefined ? undefined : positive(o.customer, '--customer'));
        io.out(`${n} write(s) queued again`);
        if (o.deliver) await deliverNow(d, p, io);
      }),
    );

  con
    .command('deliver')
    .description('deliver pending PSA writes from this process (when no server is running)')
    .requiredOption('--provider <provider>', 'provider name or id')
    .action(async (o: { provider: string }) =>
      withConsole(io, async (s) => deliverNow(await delivery(s), await providerId(s, o.provider), io)),
    );
}
