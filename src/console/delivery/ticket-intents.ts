// Intents of the ticket lifecycle → outbox items for the ticket effects (ticket-effects.ts). Text is
// rendered here, at decision time, from the rule's templates, so a later edit of a rule never
// changes a queued write; everything on a track shares the subject `track:<id>`, so a note never
// overtakes the ticket it belongs to.
import type { BlockedSummary } from '../aggregate/index.js';
import type { OutboxItemInput } from '../engine/types.js';
import {
  type Intent,
  type PsaRef,
  renderSummary,
  renderTemplate,
  type TemplateContext,
  type TicketRule,
  type TicketRuleSettings,
  ticketMarker,
} from '../ticketing/index.js';

export interface TicketContext {
  customerId: number;
  customerName: string;
  psaCompanyId: number | null;
  rule: TicketRule;
  settings: TicketRuleSettings;
  /**
   * The identity's blocked requests in the rule window starting at windowStart, in the rule's
   * categories: first, last, and the top domains with their counts.
   */
  blocked(identity: string, identityType: string, windowStart: number): Promise<BlockedSummary>;
}

export interface IntentTarget extends TicketContext {
  providerId: number;
  trackId: number;
  generation: number;
  identity: string;
  identityType: string;
}

export const trackSubject = (trackId: number) => `track:${trackId}`;

/** A short reference written into a note, so a re-run after an ambiguous failure finds it. */
export const noteRef = (trackId: number, generation: number, windowStart: number) =>
  `${trackId}.${generation}.${new Date(windowStart).toISOString().slice(0, 16)}`;

const ref = (r: PsaRef | null) => (r ? { id: r.id } : undefined);

async function templateContext(
  t: IntentTarget,
  windowStart: number,
  count: number,
): Promise<TemplateContext> {
  const blocked = await t.blocked(t.identity, t.identityType, windowStart);
  const lengthMs = t.settings.windowMinutes * 60_000;
  return {
    customer: t.customerName,
    identity: t.identity,
    identityType: t.identityType,
    count,
    threshold: t.settings.threshold,
    categories: t.settings.categories,
    windowStart,
    windowEnd: windowStart + lengthMs,
    firstSeen: blocked.firstBlocked,
    lastSeen: blocked.lastBlocked,
    topDomains: blocked.topDomains,
    rule: t.rule.name,
    timeZone: t.settings.timeZone,
  };
}

/** Closes the track's current ticket (auto-close after quiet windows). */
export function closeItem(
  providerId: number,
  customerId: number,
  trackId: number,
  generation: number,
  s: TicketRuleSettings,
  quietWindows: number,
): OutboxItemInput {
  return {
    providerId,
    customerId,
    subject: trackSubject(trackId),
    kind: 'ticket.close',
    payload: {
      trackId,
      generation,
      closedStatus: ref(s.closedStatus),
      boardId: s.board?.id,
      quietWindows,
    },
  };
}

export async function intentItems(intents: readonly Intent[], t: IntentTarget): Promise<OutboxItemInput[]> {
  const base = { providerId: t.providerId, customerId: t.customerId, subject: trackSubject(t.trackId) };
  const s = t.settings;
  const out: OutboxItemInput[] = [];
  for (const intent of intents) {
    switch (intent.kind) {
      case 'create': {
        const ctx = await templateContext(t, intent.windowStart, intent.count);
        out.push({
          ...base,
          kind: 'ticket.create',
          payload: {
            trackId: t.trackId,
            generation: intent.generation,
            marker: ticketMarker(t.providerId, t.trackId, intent.generation),
            company: { id: t.psaCompanyId },
            summary: renderSummary(s.summaryTemplate, ctx),
            initialDescription: renderTemplate(s.descriptionTemplate, ctx),
            board: ref(s.board),
            status: ref(s.status),
            priority: ref(s.priority),
            type: ref(s.type),
            subType: ref(s.subType),
            item: ref(s.item),
            source: ref(s.source),
          },
        });
        break;
      }
      case 'note':
      case 'reopen': {
        const ctx = await templateContext(t, intent.windowStart, intent.count);
        out.push({
          ...base,
          kind: intent.kind === 'note' ? 'ticket.note' : 'ticket.reopen',
          payload: {
            trackId: t.trackId,
            generation: t.generation,
            text: renderTemplate(s.noteTemplate, ctx),
            noteRef: noteRef(t.trackId, t.generation, intent.windowStart),
            ...(intent.kind === 'reopen' ? { status: ref(s.status) } : {}),
          },
        });
        break;
      }
      case 'close':
        out.push(closeItem(t.providerId, t.customerId, t.trackId, t.generation, s, intent.quietWindows));
        break;
    }
  }
  return out;
}
