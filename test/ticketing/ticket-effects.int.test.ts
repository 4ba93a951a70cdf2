// The ticket effects (CON-7, CON-9) against the built-in PSA over HTTPS with the article's role:
// exactly one ticket per marker, an ambiguous re-run adopts the ticket it already created, a note is
// appended once even when re-run, a ticket moved and edited by hand still gets its notes, reopen and
// close pick statuses of the ticket's current board, a deleted ticket closes its track.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noteTag, TicketPayloadError, ticketEffects } from '../../src/console/delivery/ticket-effects.js';
import { Outbox } from '../../src/console/engine/outbox.js';
import { DeliveryWorker } from '../../src/console/engine/worker.js';
import { ticketMarker } from '../../src/console/ticketing/index.js';
import { systemClock } from '../../src/platform/clock.js';
import { databaseKinds } from '../support/databases.js';
import { type Env, insertTrack, runEffect, startEnv, trackRow } from './support.js';

const effect = (kind: string) => ticketEffects[kind]!;

describe.each(databaseKinds)('ticket effects against the built-in PSA on %s', (db) => {
  let env: Env;

  beforeAll(async () => {
    env = await startEnv(db);
  });
  afterAll(async () => {
    await env?.close();
  });

  const createPayload = (trackId: number, generation = 1, over: Record<string, unknown> = {}) => ({
    trackId,
    generation,
    marker: ticketMarker(env.providerId, trackId, generation),
    company: { id: env.companyId },
    summary: `DNS security: host ${trackId} contacted command-and-control domains`,
    initialDescription: `Blocked requests from host ${trackId}.`,
    board: { id: env.boards.service },
    ...over,
  });

  const ticketsWithMarker = async (marker: string) => {
    const res = await env.rest(
      'GET',
      `/service/tickets?conditions=externalXRef="${marker}"&fields=id,summary`,
    );
    expect(res.status).toBe(200);
    return res.body as Array<{ id: number }>;
  };
  const notesOf = async (ticketId: number) => {
    const res = await env.rest('GET', `/service/tickets/${ticketId}/notes?pageSize=1000`);
    expect(res.status).toBe(200);
    return res.body as Array<{ id: number; text: string }>;
  };
  const ticket = async (ticketId: number) => (await env.rest('GET', `/service/tickets/${ticketId}`)).body;
  const closedStatusOf = (boardId: number) => env.statuses.get(boardId)!.find((s) => s.closedStatus)!;
  const openStatusOf = (boardId: number) => env.statuses.get(boardId)!.find((s) => !s.closedStatus)!;

  /** A track with its ticket created through the effect. */
  const openTrack = async () => {
    const trackId = await insertTrack(env);
    const { done } = await runEffect(env, effect('ticket.create'), 'ticket.create', createPayload(trackId));
    const ticketId = (done.result as { ticketId: number }).ticketId;
    return { trackId, ticketId };
  };

  it('creates exactly one ticket carrying the marker, and keeps its id on the track', async () => {
    const trackId = await insertTrack(env);
    const payload = createPayload(trackId, 1, {
      summary: `${'x'.repeat(120)}`,
      status: { id: openStatusOf(env.boards.service).id },
    });
    const before = env.requests.length;
    const { done, writes } = await runEffect(env, effect('ticket.create'), 'ticket.create', payload);
    const ticketId = (done.result as { ticketId: number }).ticketId;
    // Not ambiguous: no search, one POST.
    expect(env.requests.slice(before).map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      'POST /service/tickets 201',
    ]);
    expect(writes).toEqual([
      {
        method: 'POST',
        path: '/service/tickets',
        status: 201,
        outcome: 'ok',
        detail: `created ticket ${ticketId}`,
      },
    ]);
    expect(await ticketsWithMarker(payload.marker)).toEqual([expect.objectContaining({ id: ticketId })]);
    const created = await ticket(ticketId);
    expect(created).toMatchObject({
      id: ticketId,
      summary: 'x'.repeat(100),
      externalXRef: payload.marker,
      company: { id: env.companyId },
      board: { id: env.boards.service },
      status: { id: openStatusOf(env.boards.service).id },
      closedFlag: false,
    });
    // initialDescription became the first note.
    expect((await notesOf(ticketId)).map((n) => n.text)).toEqual([payload.initialDescription]);
    const row = await trackRow(env, trackId);
    expect(Number(row.psa_ticket_id)).toBe(ticketId);
    expect(row.marker).toBe(payload.marker);
  });

  it('an ambiguous re-run of a create that did succeed adopts the existing ticket (no duplicate)', async () => {
    const trackId = await insertTrack(env);
    const payload = createPayload(trackId);
    // The first attempt reached the PSA, then the worker died before its completion committed.
    const first = await runEffect(env, effect('ticket.create'), 'ticket.create', payload, { apply: false });
    const ticketId = (first.done.result as { ticketId: number }).ticketId;
    expect((await trackRow(env, trackId)).psa_ticket_id).toBeNull();
    // The ticket is edited by hand meanwhile: the marker still finds it.
    expect(
      (
        await env.rest('PATCH', `/service/tickets/${ticketId}`, [
          { op: 'replace', path: 'summary', value: 'Edited' },
        ])
      ).status,
    ).toBe(200);

    const before = env.requests.length;
    const again = await runEffect(env, effect('ticket.create'), 'ticket.create', payload, {
      ambiguous: true,
    });
    expect(env.requests.slice(before).map((r) => `${r.method} ${r.path}`)).toEqual(['GET /service/tickets']);
    expect(again.done.result).toEqual({ ticketId });
    expect(again.writes).toEqual([
      expect.objectContaining({ method: 'GET', outcome: 'found-existing', status: 200 }),
    ]);
    expect(await ticketsWithMarker(payload.marker)).toHaveLength(1);
    expect(Number((await trackRow(env, trackId)).psa_ticket_id)).toBe(ticketId);
  });

  it('an ambiguous create that never reached the PSA creates the ticket once', async () => {
    const trackId = await insertTrack(env);
    const payload = createPayload(trackId);
    const { done, writes } = await runEffect(env, effect('ticket.create'), 'ticket.create', payload, {
      ambiguous: true,
    });
    expect(writes.map((w) => w.outcome)).toEqual(['ok']);
    expect(await ticketsWithMarker(payload.marker)).toEqual([
      expect.objectContaining({ id: (done.result as { ticketId: number }).ticketId }),
    ]);
  });

  it('never overwrites the ticket id of a newer generation', async () => {
    const trackId = await insertTrack(env);
    const payload = createPayload(trackId, 1);
    const first = await runEffect(env, effect('ticket.create'), 'ticket.create', payload, { apply: false });
    // Meanwhile the track moved on to generation 2 with its own ticket.
    await env.db
      .updateTable('con_ticket_track')
      .set({ generation: 2, psa_ticket_id: 999_999 })
      .where('id', '=', trackId)
      .execute();
    await env.db.transaction().execute((trx) => first.done.apply!(trx));
    const row = await trackRow(env, trackId);
    expect(Number(row.psa_ticket_id)).toBe(999_999);
    expect(Number(row.generation)).toBe(2);
  });

  it('appends a note once, even when re-run after an ambiguous failure', async () => {
    const { trackId, ticketId } = await openTrack();
    const payload = {
      trackId,
      generation: 1,
      text: 'Still active: 40 blocked requests.',
      noteRef: `${trackId}.1.w2`,
    };
    const first = await runEffect(env, effect('ticket.note'), 'ticket.note', payload);
    expect(first.writes).toEqual([
      expect.objectContaining({ method: 'POST', path: `/service/tickets/${ticketId}/notes`, outcome: 'ok' }),
    ]);
    const again = await runEffect(env, effect('ticket.note'), 'ticket.note', payload, { ambiguous: true });
    expect(again.writes).toEqual([expect.objectContaining({ outcome: 'found-existing', method: 'GET' })]);
    expect(again.done.result).toEqual(first.done.result);
    const tagged = (await notesOf(ticketId)).filter((n) => n.text.includes(noteTag(payload.noteRef)));
    expect(tagged).toHaveLength(1);
    expect(tagged[0]!.text).toBe(`${payload.text}\n\n${noteTag(payload.noteRef)}`);
    // A different window's note is a new note.
    await runEffect(
      env,
      effect('ticket.note'),
      'ticket.note',
      { ...payload, noteRef: `${trackId}.1.w3` },
      {
        ambiguous: true,
      },
    );
    expect(await notesOf(ticketId)).toHaveLength(3);
  });

  it('a ticket moved to another board and its summary edited by hand still gets the note, no duplicate', async () => {
    const { trackId, ticketId } = await openTrack();
    const moved = await env.rest('PATCH', `/service/tickets/${ticketId}`, [
      // As in ConnectWise's screen, moving a ticket picks a status of the new board.
      { op: 'replace', path: 'board', value: { id: env.boards.security } },
      { op: 'replace', path: 'status', value: { id: openStatusOf(env.boards.security).id } },
      { op: 'replace', path: 'summary', value: 'Investigating infected laptop (renamed by a technician)' },
    ]);
    expect(moved.body).toMatchObject({ board: { id: env.boards.security } });
    expect(moved.status).toBe(200);
    expect(moved.body.board.id).toBe(env.boards.security);
    const { done } = await runEffect(env, effect('ticket.note'), 'ticket.note', {
      trackId,
      generation: 1,
      text: 'Still active in the next window.',
      noteRef: `${trackId}.1.w2`,
    });
    expect((done.result as { ticketId: number }).ticketId).toBe(ticketId);
    expect((await notesOf(ticketId)).some((n) => n.text.startsWith('Still active in the next window.'))).toBe(
      true,
    );
    expect(await ticketsWithMarker(ticketMarker(env.providerId, trackId, 1))).toHaveLength(1);
  });

  it('skips a note for an older generation of the track', async () => {
    const { trackId, ticketId } = await openTrack();
    await env.db.updateTable('con_ticket_track').set({ generation: 2 }).where('id', '=', trackId).execute();
    const { done, writes } = await runEffect(env, effect('ticket.note'), 'ticket.note', {
      trackId,
      generation: 1,
      text: 'late',
      noteRef: `${trackId}.1.late`,
    });
    expect(done.result).toEqual({ skipped: 'generation-changed' });
    expect(writes.map((w) => w.outcome)).toEqual(['skipped']);
    expect(await notesOf(ticketId)).toHaveLength(1);
  });

  it('reopens a closed ticket with the rule status and appends the note once', async () => {
    const { trackId, ticketId } = await openTrack();
    const closed = closedStatusOf(env.boards.service);
    await env.rest('PATCH', `/service/tickets/${ticketId}`, [
      { op: 'replace', path: 'status', value: { id: closed.id } },
    ]);
    expect((await ticket(ticketId)).closedFlag).toBe(true);
    // A poll learned the closure after the lifecycle decided to reopen: the reopen's completion
    // tells the track the ticket is open again.
    await env.db
      .updateTable('con_ticket_track')
      .set({ state: 'closed', closed_at: new Date().toISOString() })
      .where('id', '=', trackId)
      .execute();
    const status = openStatusOf(env.boards.service);
    const payload = {
      trackId,
      generation: 1,
      status: { id: status.id },
      text: 'Activity again after the ticket was closed.',
      noteRef: `${trackId}.1.reopen`,
    };
    const first = await runEffect(env, effect('ticket.reopen'), 'ticket.reopen', payload);
    expect(first.done.result).toMatchObject({ ticketId, reopened: true });
    expect(first.writes.map((w) => `${w.method} ${w.outcome}`)).toEqual(['PATCH ok', 'POST ok']);
    expect(await ticket(ticketId)).toMatchObject({ closedFlag: false, status: { id: status.id } });
    // Re-run after a lost answer: nothing to reopen, the note is found.
    const again = await runEffect(env, effect('ticket.reopen'), 'ticket.reopen', payload, {
      ambiguous: true,
    });
    expect(again.done.result).toMatchObject({ ticketId, reopened: false });
    expect(again.writes.map((w) => w.outcome)).toEqual(['found-existing']);
    expect((await notesOf(ticketId)).filter((n) => n.text.includes(noteTag(payload.noteRef)))).toHaveLength(
      1,
    );
    expect(await trackRow(env, trackId)).toMatchObject({ state: 'open', closed_at: null });
  });

  it("reopens a ticket moved to another board with that board's open status", async () => {
    const { trackId, ticketId } = await openTrack();
    const closed = closedStatusOf(env.boards.security);
    await env.rest('PATCH', `/service/tickets/${ticketId}`, [
      { op: 'replace', path: 'board', value: { id: env.boards.security } },
      { op: 'replace', path: 'status', value: { id: closed.id } },
    ]);
    const { done } = await runEffect(env, effect('ticket.reopen'), 'ticket.reopen', {
      trackId,
      generation: 1,
      status: { id: openStatusOf(env.boards.service).id },
      boardId: env.boards.service,
      text: 'Activity again.',
      noteRef: `${trackId}.1.r`,
    });
    expect(done.result).toMatchObject({ reopened: true });
    const statuses = env.statuses.get(env.boards.security)!;
    const expected =
      statuses.find((s) => s.defaultFlag && !s.closedStatus) ?? statuses.find((s) => !s.closedStatus)!;
    expect(await ticket(ticketId)).toMatchObject({
      closedFlag: false,
      board: { id: env.boards.security },
      status: { id: expected.id },
    });
  });

  it("closes a ticket with the board's first closed status, once", async () => {
    const { trackId, ticketId } = await openTrack();
    await env.db.updateTable('con_ticket_track').set({ state: 'closed' }).where('id', '=', trackId).execute();
    const payload = { trackId, generation: 1, boardId: env.boards.service };
    const first = await runEffect(env, effect('ticket.close'), 'ticket.close', payload);
    expect(first.done.result).toEqual({ ticketId, closed: true });
    expect(await ticket(ticketId)).toMatchObject({
      closedFlag: true,
      status: { id: closedStatusOf(env.boards.service).id },
    });
    expect((await trackRow(env, trackId)).closed_at).not.toBeNull();
    const again = await runEffect(env, effect('ticket.close'), 'ticket.close', payload, { ambiguous: true });
    expect(again.done.result).toEqual({ ticketId, closed: false });
    expect(again.writes.map((w) => w.outcome)).toEqual(['skipped']);
  });

  it('closes with the rule’s closed status when given', async () => {
    const { trackId, ticketId } = await openTrack();
    const closedStatuses = env.statuses.get(env.boards.service)!.filter((s) => s.closedStatus);
    const wanted = closedStatuses[closedStatuses.length - 1]!;
    await runEffect(env, effect('ticket.close'), 'ticket.close', {
      trackId,
      generation: 1,
      closedStatus: { id: wanted.id },
      boardId: env.boards.service,
    });
    expect(await ticket(ticketId)).toMatchObject({ closedFlag: true, status: { id: wanted.id } });
  });

  it('a ticket deleted in the PSA closes its track instead of failing again and again', async () => {
    const { trackId, ticketId } = await openTrack();
    expect((await env.rest('DELETE', `/service/tickets/${ticketId}`)).status).toBe(204);
    const { done, writes } = await runEffect(env, effect('ticket.note'), 'ticket.note', {
      trackId,
      generation: 1,
      text: 'Still active.',
      noteRef: `${trackId}.1.gone`,
    });
    expect(done.result).toEqual({ ticketId, deleted: true });
    expect(writes).toEqual([expect.objectContaining({ status: 404, outcome: 'skipped' })]);
    const row = await trackRow(env, trackId);
    expect(row.state).toBe('closed');
    expect(row.closed_at).not.toBeNull();
    // Closing it is no error either.
    const close = await runEffect(env, effect('ticket.close'), 'ticket.close', { trackId, generation: 1 });
    expect(close.done.result).toEqual({ ticketId, deleted: true });
  });

  it('refuses a payload it cannot act on, naming the field', async () => {
    await expect(
      runEffect(env, effect('ticket.create'), 'ticket.create', { trackId: 1, generation: 1, marker: 'a"b' }),
    ).rejects.toThrow(TicketPayloadError);
    await expect(
      runEffect(env, effect('ticket.note'), 'ticket.note', {
        trackId: 'x',
        generation: 1,
        text: 't',
        noteRef: 'r',
      }),
    ).rejects.toThrow(/trackId/);
  });

  it('through the delivery worker: the create, then the notes behind it on the track subject', async () => {
    const trackId = await insertTrack(env);
    const storage = env.psa.running.storage;
    const outbox = new Outbox(storage.db, storage.dialect);
    const subject = `track:${trackId}`;
    const base = { providerId: env.providerId, customerId: env.customerId, subject };
    const notes = ['w2', 'w3'].map((w) => ({
      ...base,
      kind: 'ticket.note',
      payload: { trackId, generation: 1, text: `Still active (${w}).`, noteRef: `${trackId}.1.${w}` },
    }));
    const ids = await outbox.enqueue(
      storage.db,
      [{ ...base, kind: 'ticket.create', payload: createPayload(trackId) }, ...notes],
      Date.now(),
    );
    const worker = new DeliveryWorker({
      storage,
      clock: systemClock,
      effects: ticketEffects,
      clientFor: async () => env.newArticleClient(),
    });
    // One item of a subject at a time, in order: three batches.
    for (let i = 0; i < 3; i++) expect(await worker.runOnce()).toBe(1);
    expect(await worker.runOnce()).toBe(0);

    const rows = await storage.db
      .selectFrom('con_outbox')
      .select(['id', 'state', 'result'])
      .where('id', 'in', ids)
      .orderBy('id')
      .execute();
    expect(rows.map((r) => r.state)).toEqual(['done', 'done', 'done']);
    const ticketId = Number((await trackRow(env, trackId)).psa_ticket_id);
    expect(await ticketsWithMarker(ticketMarker(env.providerId, trackId, 1))).toEqual([
      expect.objectContaining({ id: ticketId }),
    ]);
    expect((await notesOf(ticketId)).map((n) => n.text)).toEqual([
      `Blocked requests from host ${trackId}.`,
      `Still active (w2).\n\n${noteTag(`${trackId}.1.w2`)}`,
      `Still active (w3).\n\n${noteTag(`${trackId}.1.w3`)}`,
    ]);
    const writes = await storage.db
      .selectFrom('con_psa_write')
      .select(['method', 'path', 'outcome', 'detail'])
      .where('outbox_id', 'in', ids)
      .orderBy('id')
      .execute();
    expect(writes).toEqual([
      { method: 'POST', path: '/service/tickets', outcome: 'ok', detail: `created ticket ${ticketId}` },
      {
        method: 'POST',
        path: `/service/tickets/${ticketId}/notes`,
        outcome: 'ok',
        detail: `note appended to ticket ${ticketId}`,
      },
      {
        method: 'POST',
        path: `/service/tickets/${ticketId}/notes`,
        outcome: 'ok',
        detail: `note appended to ticket ${ticketId}`,
      },
    ]);
  });

  it('through the delivery worker: a worker that died after its POST leaves no duplicate', async () => {
    const trackId = await insertTrack(env);
    const storage = env.psa.running.storage;
    const outbox = new Outbox(storage.db, storage.dialect);
    const payload = createPayload(trackId);
    const [id] = await outbox.enqueue(
      storage.db,
      [
        {
          providerId: env.providerId,
          customerId: env.customerId,
          subject: `track:${trackId}`,
          kind: 'ticket.create',
          payload,
        },
      ],
      Date.now(),
    );
    // The dead worker claimed the item, created the ticket, and died before completing it.
    const [claimed] = await outbox.claim('dead-worker', 1, Date.now(), 1);
    expect(claimed).toMatchObject({ id, ambiguous: false });
    const first = await runEffect(env, effect('ticket.create'), 'ticket.create', payload, { apply: false });
    const ticketId = (first.done.result as { ticketId: number }).ticketId;
    await new Promise((r) => setTimeout(r, 5)); // its 1 ms lease runs out

    const worker = new DeliveryWorker({
      storage,
      clock: systemClock,
      effects: ticketEffects,
      clientFor: async () => env.newArticleClient(),
    });
    expect(await worker.runOnce()).toBe(1);
    const row = await storage.db
      .selectFrom('con_outbox')
      .select(['state', 'attempts', 'ambiguous'])
      .where('id', '=', id!)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ state: 'done', attempts: 2, ambiguous: 1 });
    expect(await ticketsWithMarker(payload.marker)).toEqual([expect.objectContaining({ id: ticketId })]);
    expect(Number((await trackRow(env, trackId)).psa_ticket_id)).toBe(ticketId);
    const writes = await storage.db
      .selectFrom('con_psa_write')
      .select(['method', 'outcome'])
      .where('outbox_id', '=', id!)
      .execute();
    expect(writes).toEqual([{ method: 'GET', outcome: 'found-existing' }]);
  });
});
