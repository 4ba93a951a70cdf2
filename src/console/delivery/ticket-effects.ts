// The PSA side of ticketing (CON-7, CON-9): the delivery engine's effects that create a ticket,
// append a note, reopen and close it. Every one is idempotent: after an ambiguous attempt a create
// first looks for its marker (externalXRef) and a note for its reference at the end of the text. The
// ticket is addressed by the id kept on the track, read at run time, so a ticket moved to another
// board or edited by hand still gets its notes and never a duplicate.
import { z } from 'zod';
import type { Effect, EffectContext, EffectDone, Effects } from '../engine/types.js';
import {
  type CwBoardStatus,
  type CwNote,
  type CwTicketStatus,
  conditionString,
  isNotFound,
} from './ticket-psa.js';
import { applyStatusReport } from './ticket-status.js';

/** A payload the effect cannot act on: the same item would fail the same way every time. */
export class TicketPayloadError extends Error {
  override readonly name = 'TicketPayloadError';
  readonly permanent = true;
}

/** ConnectWise limits a ticket summary to 100 characters. */
export const SUMMARY_MAX = 100;

/** Markers and note references are written into conditions and notes: keep them to plain characters. */
const TAG = /^[A-Za-z0-9:._-]{1,80}$/;

const id = z.number().int().positive();
const psaRef = z.object({ id, name: z.string().optional() });
/** A reference the rule may leave empty: absent or null lets the PSA pick its default. */
const optionalRef = psaRef.nullable().optional();

export const ticketCreatePayload = z.object({
  trackId: id,
  generation: id,
  marker: z.string().regex(TAG, 'letters, digits and : . _ - only (at most 80)'),
  company: psaRef,
  summary: z.string().trim().min(1),
  initialDescription: z.string(),
  board: optionalRef,
  status: optionalRef,
  priority: optionalRef,
  type: optionalRef,
  subType: optionalRef,
  item: optionalRef,
  source: optionalRef,
});

export const ticketNotePayload = z.object({
  trackId: id,
  generation: id,
  text: z.string().trim().min(1),
  noteRef: z.string().regex(TAG, 'letters, digits and : . _ - only (at most 80)'),
});

export const ticketReopenPayload = ticketNotePayload.extend({
  /** The rule's status; absent or null: the board's default open status. */
  status: optionalRef,
  /** The board `status` belongs to (when the ticket was moved, the new board's open status is used). */
  boardId: id.nullable().optional(),
});

export const ticketClosePayload = z.object({
  trackId: id,
  generation: id,
  closedStatus: psaRef.nullable().optional(),
  /** The board `closedStatus` belongs to; absent or null: the ticket's own board. */
  boardId: id.nullable().optional(),
});

export type TicketCreatePayload = z.input<typeof ticketCreatePayload>;
export type TicketNotePayload = z.input<typeof ticketNotePayload>;
export type TicketReopenPayload = z.input<typeof ticketReopenPayload>;
export type TicketClosePayload = z.input<typeof ticketClosePayload>;

/** The reference written at the end of a note, by which a re-run finds the note it already wrote. */
export function noteTag(noteRef: string): string {
  return `[parasol n:${noteRef}]`;
}

function parsePayload<S extends z.ZodTypeAny>(schema: S, ctx: EffectContext): z.infer<S> {
  const r = schema.safeParse(ctx.item.payload);
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`).join('; ');
  throw new TicketPayloadError(`${ctx.item.kind} item ${ctx.item.id} has an invalid payload: ${problems}`);
}

interface TrackRef {
  id: number;
  generation: number;
  psaTicketId: number | null;
}

async function readTrack(ctx: EffectContext, trackId: number): Promise<TrackRef | undefined> {
  const row = await ctx.db
    .selectFrom('con_ticket_track')
    .select(['id', 'generation', 'psa_ticket_id'])
    .where('provider_id', '=', ctx.item.providerId)
    .where('id', '=', trackId)
    .executeTakeFirst();
  return row
    ? {
        id: Number(row.id),
        generation: Number(row.generation),
        psaTicketId: row.psa_ticket_id === null ? null : Number(row.psa_ticket_id),
      }
    : undefined;
}

const ref = (r: { id: number } | null | undefined) => (r ? { id: r.id } : undefined);

const createTicket: Effect = async (ctx) => {
  const p = parsePayload(ticketCreatePayload, ctx);
  const path = '/service/tickets';
  const track = await readTrack(ctx, p.trackId);
  if (!track) {
    ctx.logWrite({
      method: 'POST',
      path,
      status: null,
      outcome: 'skipped',
      detail: 'the track no longer exists',
    });
    return { result: { skipped: 'track-missing' } };
  }
  const adopt = (ticketId: number): EffectDone => ({
    result: { ticketId },
    apply: async (trx) => {
      // Only the generation this ticket belongs to: a newer ticket of the track is never overwritten.
      await trx
        .updateTable('con_ticket_track')
        .set({ psa_ticket_id: ticketId, marker: p.marker, updated_at: ctx.now.toISOString() })
        .where('provider_id', '=', ctx.item.providerId)
        .where('id', '=', p.trackId)
        .where('generation', '=', p.generation)
        .execute();
    },
  });
  if (ctx.item.ambiguous) {
    // An earlier attempt may have created the ticket: the marker finds it, even edited or moved.
    const found = await ctx.api.list<{ id: number }>(path, {
      conditions: `externalXRef = ${conditionString(p.marker)}`,
      fields: 'id',
      orderBy: 'id asc',
      pageSize: 1,
    });
    const existing = found[0];
    if (existing) {
      ctx.logWrite({
        method: 'GET',
        path,
        status: 200,
        outcome: 'found-existing',
        detail: `ticket ${existing.id} already existed (found by its marker)`,
      });
      return adopt(existing.id);
    }
  }
  const body: Record<string, unknown> = {
    summary: p.summary.slice(0, SUMMARY_MAX),
    recordType: 'ServiceTicket',
    company: { id: p.company.id },
    externalXRef: p.marker,
    initialDescription: p.initialDescription,
  };
  for (const field of ['board', 'status', 'priority', 'type', 'subType', 'item', 'source'] as const) {
    const value = ref(p[field]);
    if (value) body[field] = value;
  }
  const created = await ctx.api.post<{ id?: unknown }>(path, body);
  if (typeof created?.id !== 'number')
    throw new Error(`POST ${path} answered without a ticket id; the ticket may exist (marker ${p.marker})`);
  ctx.logWrite({ method: 'POST', path, status: 201, outcome: 'ok', detail: `created ticket ${created.id}` });
  return adopt(created.id);
};

/** What a note-bearing effect does when the ticket it is for is not the track's current one. */
type Target = { ticketId: number } | { done: EffectDone };

async function targetTicket(
  ctx: EffectContext,
  p: { trackId: number; generation: number },
  method: string,
  what: string,
): Promise<Target> {
  const track = await readTrack(ctx, p.trackId);
  const skip = (detail: string, reason: string): Target => {
    ctx.logWrite({ method, path: '/service/tickets', status: null, outcome: 'skipped', detail });
    return { done: { result: { skipped: reason } } };
  };
  if (!track) return skip(`${what} skipped: the track no longer exists`, 'track-missing');
  // The track moved on to a newer ticket: this item was for the previous one, which is closed.
  if (track.generation !== p.generation)
    return skip(`${what} skipped: the track has a newer ticket`, 'generation-changed');
  if (track.psaTicketId === null)
    // The create runs before on the same subject; no id means it failed and needs an admin's retry.
    throw Object.assign(
      new Error(`track ${p.trackId} has no PSA ticket yet (its ticket.create did not complete)`),
      { notSent: true },
    );
  return { ticketId: track.psaTicketId };
}

/** The ticket is gone from the PSA: the track learns it as a closure, through the lifecycle. */
function ticketDeleted(ctx: EffectContext, trackId: number, ticketId: number, method: string, path: string) {
  ctx.logWrite({
    method,
    path,
    status: 404,
    outcome: 'skipped',
    detail: `ticket ${ticketId} no longer exists in the PSA; the track is closed`,
  });
  return {
    result: { ticketId, deleted: true },
    apply: async (trx) => {
      // Only while it is still the track's ticket: a newer ticket of the track stays open.
      await applyStatusReport(trx, trackId, { closed: true, now: ctx.now.getTime(), ticketId });
    },
  } satisfies EffectDone;
}

/** Appends the note unless (after an ambiguous attempt) the ticket already carries its reference. */
async function appendNote(
  ctx: EffectContext,
  ticketId: number,
  text: string,
  noteRef: string,
): Promise<number> {
  const path = `/service/tickets/${ticketId}/notes`;
  const tag = noteTag(noteRef);
  if (ctx.item.ambiguous) {
    const notes = await ctx.api.listAll<CwNote>(path, { fields: 'id,text' });
    const existing = notes.find((n) => typeof n.text === 'string' && n.text.includes(tag));
    if (existing) {
      ctx.logWrite({
        method: 'GET',
        path,
        status: 200,
        outcome: 'found-existing',
        detail: `note ${existing.id} already on ticket ${ticketId}`,
      });
      return existing.id;
    }
  }
  const note = await ctx.api.post<{ id?: unknown }>(path, {
    text: `${text}\n\n${tag}`,
    detailDescriptionFlag: true,
    internalAnalysisFlag: false,
    resolutionFlag: false,
  });
  if (typeof note?.id !== 'number') throw new Error(`POST ${path} answered without a note id`);
  ctx.logWrite({
    method: 'POST',
    path,
    status: 201,
    outcome: 'ok',
    detail: `note appended to ticket ${ticketId}`,
  });
  return note.id;
}

const appendTicketNote: Effect = async (ctx) => {
  const p = parsePayload(ticketNotePayload, ctx);
  const target = await targetTicket(ctx, p, 'POST', 'note');
  if ('done' in target) return target.done;
  try {
    const noteId = await appendNote(ctx, target.ticketId, p.text, p.noteRef);
    return { result: { ticketId: target.ticketId, noteId } };
  } catch (e) {
    if (isNotFound(e))
      return ticketDeleted(
        ctx,
        p.trackId,
        target.ticketId,
        'POST',
        `/service/tickets/${target.ticketId}/notes`,
      );
    throw e;
  }
};

async function readTicket(ctx: EffectContext, ticketId: number): Promise<CwTicketStatus> {
  return ctx.api.get<CwTicketStatus>(`/service/tickets/${ticketId}`, {
    fields: 'id,board,status,closedFlag',
  });
}

/** The first status of a board matching `conditions`, by sortOrder. */
async function boardStatus(
  ctx: EffectContext,
  boardId: number,
  conditions: string,
): Promise<CwBoardStatus | undefined> {
  const rows = await ctx.api.list<CwBoardStatus>(`/service/boards/${boardId}/statuses`, {
    conditions,
    orderBy: 'sortOrder asc',
    fields: 'id,name,closedStatus',
    pageSize: 1,
  });
  return rows[0];
}

async function patchStatus(ctx: EffectContext, ticketId: number, statusId: number, detail: string) {
  const path = `/service/tickets/${ticketId}`;
  await ctx.api.patch(path, [{ op: 'replace', path: 'status', value: { id: statusId } }]);
  ctx.logWrite({ method: 'PATCH', path, status: 200, outcome: 'ok', detail });
}

const reopenTicket: Effect = async (ctx) => {
  const p = parsePayload(ticketReopenPayload, ctx);
  const target = await targetTicket(ctx, p, 'PATCH', 'reopen');
  if ('done' in target) return target.done;
  const { ticketId } = target;
  try {
    const ticket = await readTicket(ctx, ticketId);
    let reopened = false;
    if (ticket.closedFlag === true) {
      const boardId = ticket.board?.id;
      const sameBoard = p.boardId === undefined || p.boardId === null || p.boardId === boardId;
      let statusId = sameBoard ? p.status?.id : undefined;
      if (statusId === undefined) {
        if (boardId === undefined)
          throw new Error(`ticket ${ticketId} has no board to pick an open status from`);
        // Moved to another board (or no status in the rule): the board's default open status, else its first.
        const open =
          (await boardStatus(
            ctx,
            boardId,
            'closedStatus = false and inactive = false and defaultFlag = true',
          )) ?? (await boardStatus(ctx, boardId, 'closedStatus = false and inactive = false'));
        if (!open)
          throw new TicketPayloadError(
            `board ${boardId} of ticket ${ticketId} has no open status to reopen it with`,
          );
        statusId = open.id;
      }
      await patchStatus(ctx, ticketId, statusId, `ticket ${ticketId} reopened`);
      reopened = true;
    }
    const noteId = await appendNote(ctx, ticketId, p.text, p.noteRef);
    return {
      result: { ticketId, noteId, reopened },
      // The PSA now has the ticket open: the track learns it as any status report.
      apply: async (trx) => {
        await applyStatusReport(trx, p.trackId, { closed: false, now: ctx.now.getTime(), ticketId });
      },
    };
  } catch (e) {
    if (isNotFound(e))
      return ticketDeleted(ctx, p.trackId, ticketId, 'PATCH', `/service/tickets/${ticketId}`);
    throw e;
  }
};

const closeTicket: Effect = async (ctx) => {
  const p = parsePayload(ticketClosePayload, ctx);
  const target = await targetTicket(ctx, p, 'PATCH', 'close');
  if ('done' in target) return target.done;
  const { ticketId } = target;
  const path = `/service/tickets/${ticketId}`;
  try {
    const ticket = await readTicket(ctx, ticketId);
    if (ticket.closedFlag === true) {
      ctx.logWrite({
        method: 'PATCH',
        path,
        status: null,
        outcome: 'skipped',
        detail: `ticket ${ticketId} was already closed`,
      });
      return { result: { ticketId, closed: false } };
    }
    const boardId = ticket.board?.id ?? p.boardId;
    if (boardId === null || boardId === undefined)
      throw new Error(`ticket ${ticketId} has no board to pick a closed status from`);
    const sameBoard = p.boardId === undefined || p.boardId === null || p.boardId === boardId;
    let statusId = p.closedStatus && sameBoard ? p.closedStatus.id : undefined;
    if (statusId === undefined) {
      const closed = await boardStatus(ctx, boardId, 'closedStatus = true and inactive = false');
      if (!closed)
        throw new TicketPayloadError(`board ${boardId} of ticket ${ticketId} has no closed status`);
      statusId = closed.id;
    }
    await patchStatus(ctx, ticketId, statusId, `ticket ${ticketId} closed`);
    return {
      result: { ticketId, closed: true },
      // The lifecycle closed the track when it decided this; the closure time starts the reopen watch.
      apply: async (trx) => {
        await trx
          .updateTable('con_ticket_track')
          .set({ closed_at: ctx.now.toISOString() })
          .where('provider_id', '=', ctx.item.providerId)
          .where('id', '=', p.trackId)
          .where('generation', '=', p.generation)
          .where('state', 'in', ['closed', 'silenced'])
          .where('closed_at', 'is', null)
          .execute();
      },
    };
  } catch (e) {
    if (isNotFound(e)) return ticketDeleted(ctx, p.trackId, ticketId, 'PATCH', path);
    throw e;
  }
};

/** The ticket effects, by outbox item kind. */
export const ticketEffects: Effects = {
  'ticket.create': createTicket,
  'ticket.note': appendTicketNote,
  'ticket.reopen': reopenTicket,
  'ticket.close': closeTicket,
};
