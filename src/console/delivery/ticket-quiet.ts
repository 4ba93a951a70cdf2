// Auto-close (CON-7): an open ticket whose identity stayed quiet for the rule's number of whole
// windows is closed by the console. Run by the ticket-status schedule; each decision and its
// 'ticket.close' item commit together.
import type { Kysely } from 'kysely';
import type { Clock } from '../../platform/clock.js';
import type { Database, Dialect } from '../../platform/db-types.js';
import { MINUTE_MS, windowStartMs } from '../aggregate/windows.js';
import type { Outbox } from '../engine/outbox.js';
import { effectiveSettings, quietCheck } from '../ticketing/index.js';
import { closeItem } from './ticket-intents.js';
import type { TicketRuleService } from './ticket-rules.js';
import { columnsOf, snapshotOf, type TrackRow, trackColumns } from './ticket-tracks.js';

/** Closes quiet tickets of the provider; returns how many close writes were queued. */
export async function autoCloseQuiet(
  db: Kysely<Database>,
  dialect: Dialect,
  clock: Clock,
  rules: TicketRuleService,
  outbox: Outbox,
  providerId: number,
): Promise<number> {
  const withAutoClose = (await rules.listRules(providerId)).filter((r) => r.enabled);
  if (withAutoClose.length === 0) return 0;
  const overrides = await rules.listOverrides(providerId);
  const open = await db
    .selectFrom('con_ticket_track')
    .select('id')
    .where('provider_id', '=', providerId)
    .where('state', '=', 'open')
    .orderBy('id')
    .execute();
  let queued = 0;
  for (const { id } of open) {
    queued += await db.transaction().execute(async (trx) => {
      let q = trx.selectFrom('con_ticket_track').select(trackColumns).where('id', '=', id);
      if (dialect === 'postgres') q = q.forUpdate();
      const row = (await q.executeTakeFirst()) as TrackRow | undefined;
      if (row?.state !== 'open') return 0;
      const rule = withAutoClose.find((r) => r.id === Number(row.rule_id));
      if (!rule) return 0;
      const override = overrides.find(
        (o) => o.ruleId === rule.id && o.customerId === Number(row.customer_id),
      )?.settings;
      const settings = effectiveSettings(rule.settings, override);
      if (settings.autoCloseQuietWindows === null) return 0;
      const nowMs = clock.now().getTime();
      const current = windowStartMs(nowMs, settings.windowMinutes * MINUTE_MS);
      const before = snapshotOf(row);
      const decision = quietCheck(before, current, settings, nowMs);
      if (decision.next === before) return 0;
      await trx
        .updateTable('con_ticket_track')
        .set({
          ...columnsOf(decision.next),
          reason: decision.reason ?? null,
          updated_at: new Date(nowMs).toISOString(),
        })
        .where('id', '=', row.id)
        .execute();
      const closes = decision.intents.filter((i) => i.kind === 'close');
      if (closes.length === 0) return 0;
      await outbox.enqueue(
        trx,
        closes.map((i) =>
          closeItem(
            providerId,
            Number(row.customer_id),
            row.id,
            decision.next.generation,
            settings,
            i.quietWindows,
          ),
        ),
        nowMs,
      );
      return closes.length;
    });
  }
  return queued;
}
