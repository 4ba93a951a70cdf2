// Two-way ticket status (CON-10) against the built-in PSA over HTTPS: batched polling (150 open tracks
// in 2 requests, closed and deleted tickets learned, a human reopening noticed within a day, the
// closed-ticket policy applied through the lifecycle), and the PSA's signed callbacks — registered
// once through /system/callbacks, delivered to a receiver on loopback that hands them to
// handleCallback — closing a track without any polling; a wrong token is refused.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CALLBACK_DESCRIPTION,
  type CallbackOutcome,
  callbackBase,
  TicketStatusService,
} from '../../src/console/delivery/ticket-status.js';
import { ManualClock } from '../../src/platform/clock.js';
import { databaseKinds } from '../support/databases.js';
import { type Env, insertTrack, startEnv, trackRow } from './support.js';

const HOUR = 3_600_000;

interface Receiver {
  origin: string;
  outcomes: Array<{ status: number; outcome: CallbackOutcome }>;
  close(): Promise<void>;
}

/**
 * The console's callback route in miniature: POST /api/v1/psa-callbacks/:providerId/:token on
 * 127.0.0.1, body and query handed to handleCallback; 403 when refused, 200 otherwise.
 */
async function startReceiver(service: () => TicketStatusService): Promise<Receiver> {
  const outcomes: Receiver['outcomes'] = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      raw += chunk;
    });
    req.on('end', async () => {
      const url = new URL(req.url ?? '/', 'http://receiver');
      const match = /^\/api\/v1\/psa-callbacks\/(\d+)\/([^/]+)$/.exec(url.pathname);
      if (req.method !== 'POST' || !match) {
        res.writeHead(404).end();
        return;
      }
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        body = undefined;
      }
      try {
        const outcome = await service().handleCallback(
          Number(match[1]),
          decodeURIComponent(match[2]!),
          body,
          Object.fromEntries(url.searchParams),
        );
        const status = outcome.outcome === 'refused' ? 403 : 200;
        outcomes.push({ status, outcome });
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(outcome));
      } catch (e) {
        res.writeHead(500).end(String(e));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    outcomes,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('callbackBase', () => {
  it('takes https URLs, and plain http only on loopback', () => {
    expect(callbackBase('https://console.example.com/')).toBe('https://console.example.com');
    expect(callbackBase('https://console.example.com:8443/parasol/')).toBe(
      'https://console.example.com:8443/parasol',
    );
    expect(callbackBase('http://127.0.0.1:3000')).toBe('http://127.0.0.1:3000');
    expect(() => callbackBase('http://console.example.com')).toThrow(/https/);
    expect(() => callbackBase('https://console.example.com/?a=1')).toThrow(/query/);
    expect(() => callbackBase('console.example.com')).toThrow(/absolute/);
  });
});

describe.each(databaseKinds)('ticket status on %s', (db) => {
  let env: Env;
  let clock: ManualClock;
  let service: TicketStatusService;

  beforeAll(async () => {
    env = await startEnv(db);
    clock = new ManualClock(new Date());
    service = new TicketStatusService({ db: env.db, clock, clientFor: async () => env.article });
  });
  afterAll(async () => {
    await env?.close();
  });

  const newTicket = async (summary: string): Promise<number> => {
    const res = await env.rest('POST', '/service/tickets', {
      summary,
      company: { id: env.companyId },
      board: { id: env.boards.service },
    });
    expect(res.status).toBe(201);
    return res.body.id as number;
  };
  const setStatus = async (ticketId: number, closed: boolean) => {
    const status = env.statuses.get(env.boards.service)!.find((s) => s.closedStatus === closed)!;
    const res = await env.rest('PATCH', `/service/tickets/${ticketId}`, [
      { op: 'replace', path: 'status', value: { id: status.id } },
    ]);
    expect(res.status).toBe(200);
    expect(res.body.closedFlag).toBe(closed);
  };
  const clearTracks = () =>
    env.db.deleteFrom('con_ticket_track').where('provider_id', '=', env.providerId).execute();

  it('polls 150 open tracks in 2 requests and learns the closed and the deleted ones', async () => {
    await clearTracks();
    const tickets: number[] = [];
    for (let i = 0; i < 150; i += 10)
      tickets.push(...(await Promise.all(Array.from({ length: 10 }, (_, j) => newTicket(`Poll ${i + j}`)))));
    const tracks: number[] = [];
    for (const ticketId of tickets) tracks.push(await insertTrack(env, { psaTicketId: ticketId }));
    // A track whose ticket is still being created is not polled.
    await insertTrack(env, { psaTicketId: null });
    const closedIdx = [3, 40, 99, 100, 149];
    const deletedIdx = [7, 120];
    for (const i of closedIdx) await setStatus(tickets[i]!, true);
    for (const i of deletedIdx)
      expect((await env.rest('DELETE', `/service/tickets/${tickets[i]}`)).status).toBe(204);

    const before = env.requests.length;
    const summary = await service.pollProvider(env.providerId);
    const sent = env.requests.slice(before);
    expect(summary).toEqual({ tracks: 150, requests: 2, closed: 7, reopened: 0 });
    expect(sent.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      'GET /service/tickets 200',
      'GET /service/tickets 200',
    ]);
    const learned = [...closedIdx, ...deletedIdx];
    for (const [i, trackId] of tracks.entries()) {
      const row = await trackRow(env, trackId);
      if (learned.includes(i)) {
        expect(row.state, `track ${i}`).toBe('closed');
        expect(row.closed_at).toBe(clock.now().toISOString());
        expect(row.reason).toMatch(/closed in the PSA/);
      } else expect(row.state, `track ${i}`).toBe('open');
    }

    // Again: the 7 closed tracks are still watched (a human may reopen), nothing new is learned.
    expect(await service.pollProvider(env.providerId)).toEqual({
      tracks: 150,
      requests: 2,
      closed: 0,
      reopened: 0,
    });

    // A technician reopens one: the next poll notices and the track takes notes again.
    await setStatus(tickets[40]!, false);
    clock.advance(HOUR);
    expect(await service.pollProvider(env.providerId)).toEqual({
      tracks: 150,
      requests: 2,
      closed: 0,
      reopened: 1,
    });
    expect(await trackRow(env, tracks[40]!)).toMatchObject({ state: 'open', closed_at: null });

    // A day after their closure, closed tracks are no longer polled.
    clock.advance(24 * HOUR);
    expect(await service.pollProvider(env.providerId)).toEqual({
      tracks: 144,
      requests: 2,
      closed: 0,
      reopened: 0,
    });
  });

  it("applies the customer's closed-ticket policy (silence) through the lifecycle", async () => {
    await clearTracks();
    const at = new Date().toISOString();
    await env.db
      .insertInto('con_ticket_override')
      .values({
        provider_id: env.providerId,
        rule_id: env.ruleId,
        customer_id: env.customerId,
        settings: JSON.stringify({ closedPolicy: { mode: 'silence', hours: 6 } }),
        updated_at: at,
      })
      .execute();
    try {
      const ticketId = await newTicket('Silence policy');
      const trackId = await insertTrack(env, { psaTicketId: ticketId });
      await setStatus(ticketId, true);
      expect(await service.pollProvider(env.providerId)).toMatchObject({ tracks: 1, requests: 1, closed: 1 });
      const row = await trackRow(env, trackId);
      expect(row.state).toBe('silenced');
      expect(row.silenced_until).toBe(new Date(clock.now().getTime() + 6 * HOUR).toISOString());
    } finally {
      await env.db.deleteFrom('con_ticket_override').where('provider_id', '=', env.providerId).execute();
    }
  });

  it('sends nothing when no track has a ticket', async () => {
    await clearTracks();
    const before = env.requests.length;
    expect(await service.pollProvider(env.providerId)).toEqual({
      tracks: 0,
      requests: 0,
      closed: 0,
      reopened: 0,
    });
    expect(env.requests.length).toBe(before);
  });

  describe('callbacks', () => {
    let receiver: Receiver;
    let admin: TicketStatusService;

    beforeAll(async () => {
      // Registering needs System → Manage Hosted API, which the article's role does not have.
      admin = new TicketStatusService({ db: env.db, clock, clientFor: async () => env.adminClient });
      receiver = await startReceiver(() => admin);
    });
    afterAll(async () => {
      await receiver?.close();
    });

    const ours = async (prefix: string) => {
      const res = await env.rest('GET', '/system/callbacks?pageSize=1000');
      expect(res.status).toBe(200);
      return (
        res.body as Array<{ id: number; url: string; type: string; level: string; objectId: number }>
      ).filter((c) => c.url.startsWith(prefix));
    };

    it('the article role cannot register: refused, polling goes on', async () => {
      const result = await service.ensureCallback(env.providerId, receiver.origin);
      expect(result).toEqual({ outcome: 'refused', reason: expect.stringMatching(/Manage Hosted API/) });
    });

    it('registers one ticket callback, reuses it, and replaces a stale one', async () => {
      const prefix = `${receiver.origin}/api/v1/psa-callbacks/${env.providerId}/`;
      const first = await admin.ensureCallback(env.providerId, `${receiver.origin}/`);
      expect(first).toMatchObject({ outcome: 'registered', removed: [], url: `${prefix}{token}?recordId=` });
      const registered = await ours(prefix);
      expect(registered).toEqual([
        expect.objectContaining({
          id: first.outcome === 'registered' ? first.callbackId : -1,
          type: 'ticket',
          level: 'owner',
          objectId: 1,
          description: CALLBACK_DESCRIPTION,
        }),
      ]);
      const token = registered[0]!.url.slice(prefix.length).split('?')[0]!;
      expect(token.length).toBeGreaterThanOrEqual(40);
      const health = await env.db
        .selectFrom('con_integration_health')
        .selectAll()
        .where('provider_id', '=', env.providerId)
        .executeTakeFirstOrThrow();
      // Only the digest of the token is stored.
      expect(JSON.stringify(health)).not.toContain(token);
      expect(health.callback_psa_id).toBe(registered[0]!.id);

      const again = await admin.ensureCallback(env.providerId, receiver.origin);
      expect(again).toMatchObject({ outcome: 'unchanged', callbackId: registered[0]!.id, removed: [] });
      expect(await ours(prefix)).toHaveLength(1);

      // Someone edits the registration by hand (another URL token): replaced by a fresh one.
      const edited = await env.rest('PATCH', `/system/callbacks/${registered[0]!.id}`, [
        { op: 'replace', path: 'url', value: `${prefix}tampered?recordId=` },
      ]);
      expect(edited.status).toBe(200);
      const replaced = await admin.ensureCallback(env.providerId, receiver.origin);
      expect(replaced).toMatchObject({ outcome: 'registered', removed: [registered[0]!.id] });
      const now = await ours(prefix);
      expect(now).toHaveLength(1);
      expect(now[0]!.url).not.toContain('tampered');
    });

    it('closing a ticket in the PSA closes its track through the callback, without polling', async () => {
      await clearTracks();
      await admin.ensureCallback(env.providerId, receiver.origin);
      const ticketId = await newTicket('Callback closes me');
      const trackId = await insertTrack(env, { psaTicketId: ticketId });
      const untracked = await newTicket('Not a Parasol ticket');

      await setStatus(ticketId, true);
      await expect
        .poll(async () => (await trackRow(env, trackId)).state, { timeout: 10_000, interval: 50 })
        .toBe('closed');
      const polled = receiver.outcomes.find(
        (o) => o.outcome.outcome === 'polled' && o.outcome.ticketId === ticketId && o.outcome.closed === 1,
      );
      expect(polled).toMatchObject({ status: 200, outcome: { tracks: 1, requests: 1, closed: 1 } });
      // The untracked ticket's callback (added) is ignored without asking the PSA.
      await expect
        .poll(() =>
          receiver.outcomes.some((o) => o.outcome.outcome === 'ignored' && o.outcome.ticketId === untracked),
        )
        .toBe(true);

      // Reopened by a technician: the callback brings the track back.
      await setStatus(ticketId, false);
      await expect
        .poll(async () => (await trackRow(env, trackId)).state, { timeout: 10_000, interval: 50 })
        .toBe('open');
    });

    it('a wrong token is refused, and the payload is never trusted', async () => {
      await clearTracks();
      const ticketId = await newTicket('Forged callback target');
      const trackId = await insertTrack(env, { psaTicketId: ticketId });
      const forged = {
        Action: 'updated',
        Type: 'ticket',
        ID: ticketId,
        Entity: JSON.stringify({ closedFlag: true }),
      };
      const res = await fetch(`${receiver.origin}/api/v1/psa-callbacks/${env.providerId}/not-the-token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(forged),
      });
      expect(res.status).toBe(403);
      expect(await admin.handleCallback(env.providerId, '', forged)).toMatchObject({ outcome: 'refused' });
      // A provider without a registration refuses every token.
      expect(await admin.handleCallback(env.providerId + 1000, 'x', forged)).toEqual({
        outcome: 'refused',
        reason: 'no callback is registered for this provider',
      });
      expect((await trackRow(env, trackId)).state).toBe('open');

      // Even with the right token, the Entity's closedFlag is not believed: the PSA says open.
      const prefix = `${receiver.origin}/api/v1/psa-callbacks/${env.providerId}/`;
      const token = (await ours(prefix))[0]!.url.slice(prefix.length).split('?')[0]!;
      const outcome = await admin.handleCallback(env.providerId, token, forged);
      expect(outcome).toEqual({
        outcome: 'polled',
        ticketId,
        tracks: 1,
        requests: 1,
        closed: 0,
        reopened: 0,
      });
      expect((await trackRow(env, trackId)).state).toBe('open');
      expect(await admin.handleCallback(env.providerId, token, { Type: 'company', ID: 1 })).toMatchObject({
        outcome: 'ignored',
      });
      expect(await admin.handleCallback(env.providerId, token, {}, { id: 'abc' })).toMatchObject({
        outcome: 'ignored',
      });
      // The PSA cannot be reached now: deferred to polling, nothing changes.
      const offline = new TicketStatusService({
        db: env.db,
        clock,
        clientFor: async () => {
          throw new Error('the PSA integration is disabled');
        },
      });
      expect(await offline.handleCallback(env.providerId, token, {}, { id: String(ticketId) })).toEqual({
        outcome: 'deferred',
        ticketId,
        reason: 'the PSA integration is disabled',
      });
    });
  });
});
