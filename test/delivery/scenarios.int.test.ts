// The ticketing scenarios of issue 5, end to end against the built-in PSA over HTTPS: events posted
// to the console's NDJSON endpoint (the streaming path) → aggregates and ticket decisions in the
// same commit → outbox → delivery worker → PSA tickets and notes, checked through the PSA's REST API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { delivery } from '../../src/console/delivery/index.js';
import { ingestion } from '../../src/console/ingest/index.js';
import { remoteSources } from '../../src/console/sources-remote/index.js';
import { ARTICLE_ROLE } from '../../src/psa/catalog/index.js';
import { psaRest } from '../console/support.js';
import { databaseKinds } from '../support/databases.js';
import { startTestPsa, type TestKey, type TestPsa } from '../support/psa-server.js';

interface Ticket {
  id: number;
  summary: string;
  externalXRef?: string;
  board: { id: number; name: string };
  status: { id: number; name: string };
  closedFlag?: boolean;
}

/** The rule's windows are four hours from midnight UTC: W(n) starts at 00:00 + 4n hours. */
const DAY = Date.parse('2026-11-20T00:00:00Z');
const windowAt = (n: number, minute = 5) => DAY + n * 4 * 3_600_000 + minute * 60_000;

describe.each(databaseKinds)('ticketing scenarios against the built-in PSA on %s', (db) => {
  let psa: TestPsa;
  let admin: TestKey;
  let integrationKey: TestKey;
  let providerId: number;
  let token: string;
  const customers: Record<string, number> = {};

  const services = () => psa.running.console.services;
  // biome-ignore lint/suspicious/noExplicitAny: the PSA's JSON answers, asserted field by field
  const rest = (method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> =>
    psaRest(psa, admin.authorization, method, path, body);

  /** Posts NDJSON events for one organization, as a collector would. */
  async function post(org: string, identity: string, times: number[], category = 'Command and Control') {
    const lines = times.map((ts, i) =>
      JSON.stringify({
        ts,
        orgId: org,
        identity,
        identityType: 'roaming-computer',
        domain: `c2-${i % 3}.evil.example`,
        action: 'blocked',
        categories: [category],
      }),
    );
    const res = await psa.fetch(`${psa.running.console.url}/api/v1/ingest/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
      body: `${lines.join('\n')}\n`,
    });
    expect(res.status, await res.clone().text()).toBe(200);
  }

  const many = (n: number, window: number) => Array.from({ length: n }, (_, i) => windowAt(window, 1 + i));

  /** Waits until the provider's outbox holds nothing pending or running. */
  async function drained(deadlineMs = 20_000) {
    const until = Date.now() + deadlineMs;
    for (;;) {
      const h = await delivery(services()).activity.integration(providerId);
      if (h.pending === 0) return h;
      if (Date.now() > until) throw new Error(`outbox not drained: ${JSON.stringify(h)}`);
      delivery(services()).wake();
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async function tickets(customer: string): Promise<Ticket[]> {
    const tracks = await delivery(services()).tracks(providerId, { customerId: customers[customer] });
    const prefix = `parasol:t:${providerId}:`;
    const res = await rest(
      'GET',
      `/service/tickets?conditions=${encodeURIComponent(`externalXRef like "${prefix}%"`)}&pageSize=1000`,
    );
    expect(res.status).toBe(200);
    const trackIds = new Set(tracks.map((t) => String(t.id)));
    return (res.body as Ticket[]).filter((t) => trackIds.has(t.externalXRef!.split(':')[3]!));
  }

  /** The notes the console appended (the PSA also keeps the initial description as a note). */
  const notes = async (ticketId: number): Promise<Array<{ text: string }>> =>
    (
      (await rest('GET', `/service/tickets/${ticketId}/notes?pageSize=1000`)).body as Array<{ text: string }>
    ).filter((n) => n.text.includes('[parasol n:'));

  async function statusNamed(boardId: number, name: string): Promise<number> {
    const res = await rest('GET', `/service/boards/${boardId}/statuses?pageSize=100`);
    return (res.body as Array<{ id: number; name: string }>).find((s) => s.name === name)!.id;
  }

  beforeAll(async () => {
    psa = await startTestPsa({ db, logLevel: 'warn', delivery: true });
    admin = await psa.adminKey();
    integrationKey = await psa.apiMemberWithKey('UmbrellaApi', ARTICLE_ROLE);
    const s = services();
    providerId = (await s.accounts.createProvider({ name: 'Scenario MSP', kind: 'MSP' }, 'test')).id;
    // MSP Settings → PSA Integration Details, with the article's key pair; Save runs the preflight.
    const saved = await s.integration.save(
      providerId,
      {
        enabled: true,
        site: psa.hostPort,
        trustedCa: psa.ca,
        companyId: psa.companyId,
        clientId: psa.clientId,
        publicKey: integrationKey.publicKey,
        privateKey: integrationKey.privateKey,
      },
      'admin@scenario.test',
    );
    expect(saved.preflight?.ok, JSON.stringify(saved.preflight)).toBe(true);
    const companies: Record<string, string | null> = {
      Acme: 'AcmeCorp',
      Globex: 'Globex',
      Initech: 'Initech',
      Dental: 'UmbrellaDental',
      Unmapped: null,
    };
    for (const [name, company] of Object.entries(companies)) {
      const c = await s.accounts.createCustomer(providerId, { name, seats: 10 }, 'test');
      customers[name] = c.id;
      if (company) await s.mapping.setMapping(providerId, c.id, { psaCompanyIdentifier: company }, 'test');
      await ingestion(s).addBinding(providerId, c.id, { kind: 'ndjson-org', value: `org-${name}` }, 'test');
    }
    token = (await remoteSources(s).tokens.create(providerId, { name: 'collector' }, 'test')).token;
    // The default rule (command-and-control, more than 10 blocks in four hours) on the service board;
    // Globex reopens closed tickets, Initech stays silent for 6 hours after a closure.
    const rules = delivery(s).rules;
    const [rule] = await rules.listRules(providerId);
    const boards = (await rest('GET', '/service/boards?pageSize=100')).body as Array<{
      id: number;
      name: string;
    }>;
    const board = boards.find((b) => b.name === 'Service Board')!;
    await rules.updateRule(
      providerId,
      rule!.id,
      { settings: { board: { id: board.id, name: board.name } } },
      'test',
    );
    await rules.setOverride(
      providerId,
      rule!.id,
      customers.Globex!,
      { closedPolicy: { mode: 'reopen' } },
      'test',
    );
    await rules.setOverride(
      providerId,
      rule!.id,
      customers.Initech!,
      { closedPolicy: { mode: 'silence', hours: 6 } },
      'test',
    );
  });
  afterAll(async () => psa?.close());

  it('threshold crossed → exactly one ticket, raised while the window is still open', async () => {
    await post('org-Acme', 'LAPTOP-ACME-1', many(8, 0));
    await drained();
    expect(await tickets('Acme')).toHaveLength(0); // 8 blocks: not more than 10 yet
    await post(
      'org-Acme',
      'LAPTOP-ACME-1',
      many(3, 0).map((t) => t + 30 * 60_000),
    );
    await drained();
    const [ticket, ...others] = await tickets('Acme');
    expect(others).toHaveLength(0);
    expect(ticket!.summary).toContain('LAPTOP-ACME-1');
    expect(ticket!.board.name).toBe('Service Board');
    expect(ticket!.externalXRef).toMatch(new RegExp(`^parasol:t:${providerId}:\\d+:1$`));
  });

  it('more activity in the same window → no new ticket, no note', async () => {
    await post(
      'org-Acme',
      'LAPTOP-ACME-1',
      many(20, 0).map((t) => t + 60 * 60_000),
    );
    await drained();
    const all = await tickets('Acme');
    expect(all).toHaveLength(1);
    expect(await notes(all[0]!.id)).toHaveLength(0);
  });

  it('next window while open → one note appended', async () => {
    await post('org-Acme', 'LAPTOP-ACME-1', many(2, 1));
    await post(
      'org-Acme',
      'LAPTOP-ACME-1',
      many(2, 1).map((t) => t + 60_000),
    );
    await drained();
    const all = await tickets('Acme');
    expect(all).toHaveLength(1);
    const n = await notes(all[0]!.id);
    expect(n).toHaveLength(1);
    expect(n[0]!.text).toContain('LAPTOP-ACME-1');
  });

  it('ticket moved to another board and its summary edited → the next window still appends to it', async () => {
    const [ticket] = await tickets('Acme');
    const boards = (await rest('GET', '/service/boards?pageSize=100')).body as Array<{
      id: number;
      name: string;
    }>;
    const security = boards.find((b) => b.name === 'Security Operations')!;
    const moved = await rest('PATCH', `/service/tickets/${ticket!.id}`, [
      { op: 'replace', path: 'board', value: { id: security.id } },
      { op: 'replace', path: 'status', value: { id: await statusNamed(security.id, 'In Progress') } },
      { op: 'replace', path: 'summary', value: 'Investigating a laptop (edited by a technician)' },
    ]);
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    await post('org-Acme', 'LAPTOP-ACME-1', many(1, 2));
    await drained();
    const all = await tickets('Acme');
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ summary: 'Investigating a laptop (edited by a technician)' });
    expect(all[0]!.board.name).toBe('Security Operations');
    expect(await notes(all[0]!.id)).toHaveLength(2);
  });

  /** Raises a ticket for the customer in window `w`, closes it in the PSA, and lets the console learn it. */
  async function raiseAndClose(customer: string, identity: string, w: number): Promise<Ticket> {
    await post(`org-${customer}`, identity, many(11, w));
    await drained();
    const [ticket] = await tickets(customer);
    const closed = await rest('PATCH', `/service/tickets/${ticket!.id}`, [
      { op: 'replace', path: 'status', value: { id: await statusNamed(ticket!.board.id, 'Closed') } },
    ]);
    expect(closed.status).toBe(200);
    const polled = await delivery(services()).ticketStatus.pollProvider(providerId);
    expect(polled.closed).toBeGreaterThanOrEqual(1);
    return ticket!;
  }

  it('ticket closed → the next activity opens a new ticket (default policy)', async () => {
    const first = await raiseAndClose('Dental', 'FRONT-DESK', 0);
    await post('org-Dental', 'FRONT-DESK', many(11, 1));
    await drained();
    const all = await tickets('Dental');
    expect(all.map((t) => t.externalXRef!.split(':')[4]).sort()).toEqual(['1', '2']);
    expect(all.find((t) => t.id === first.id)!.closedFlag).toBe(true);
  });

  it('ticket closed → reopened, with a note, under the reopen policy', async () => {
    const first = await raiseAndClose('Globex', 'GLOBEX-SRV', 0);
    await post('org-Globex', 'GLOBEX-SRV', many(11, 1));
    await drained();
    const all = await tickets('Globex');
    expect(all).toHaveLength(1);
    expect(all[0]!.id).toBe(first.id);
    expect(all[0]!.closedFlag).toBe(false);
    expect(await notes(first.id)).toHaveLength(1);
  });

  it('ticket closed → silence for the policy’s hours: no ticket, the reason is kept', async () => {
    await raiseAndClose('Initech', 'INITECH-PC', 0);
    await post('org-Initech', 'INITECH-PC', many(11, 1));
    await drained();
    expect(await tickets('Initech')).toHaveLength(1);
    const [track] = await delivery(services()).tracks(providerId, { customerId: customers.Initech });
    expect(track).toMatchObject({ state: 'silenced' });
  });

  it('unmapped customer → no ticket, and a visible reason', async () => {
    await post('org-Unmapped', 'ORPHAN-PC', many(15, 0));
    await drained();
    expect(await tickets('Unmapped')).toHaveLength(0);
    const health = await delivery(services()).activity.customers(providerId);
    const unmapped = health.find((h) => h.customerId === customers.Unmapped)!;
    expect(unmapped.mappingState).toBe('unmapped');
    // The mapping's words or the ticket decision's, whichever is newer (they may share a timestamp).
    expect(unmapped.lastError?.message).toMatch(/not mapped to a PSA company/i);
    const [track] = await delivery(services()).tracks(providerId, { customerId: customers.Unmapped });
    expect(track).toMatchObject({ state: 'none', psaTicketId: null });
    expect(track!.reason).toMatch(/not mapped/);
  });

  it('credentials revoked → circuit open, nothing lost; after fixing, everything pending is delivered', async () => {
    const s = services();
    await psa.running.psa.services.admin.revokeKey(integrationKey.memberId, integrationKey.keyId, 'test');
    await post('org-Acme', 'LAPTOP-ACME-2', many(12, 3));
    await post('org-Acme', 'LAPTOP-ACME-3', many(12, 3));
    const until = Date.now() + 20_000;
    let health = await delivery(s).activity.integration(providerId);
    while (health.circuit !== 'open' && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 50));
      health = await delivery(s).activity.integration(providerId);
    }
    expect(health.circuit).toBe('open');
    expect(health.circuitReason).toMatch(/credentials rejected/);
    expect(health.pending).toBe(2);
    expect(health.failed).toBe(0);
    // The admin creates a new key in the PSA and saves it in PSA Integration Details.
    const fresh = await psa.running.psa.services.admin.createKey(
      integrationKey.memberId,
      { description: 'rotated' },
      'test',
    );
    const saved = await s.integration.save(
      providerId,
      {
        enabled: true,
        site: psa.hostPort,
        trustedCa: psa.ca,
        companyId: psa.companyId,
        clientId: psa.clientId,
        publicKey: fresh.publicKey,
        privateKey: fresh.privateKey,
      },
      'admin@scenario.test',
    );
    expect(saved.preflight?.ok).toBe(true);
    expect((await drained()).circuit).toBe('closed');
    const identities = (await tickets('Acme')).map((t) => t.summary);
    expect(identities.some((x) => x.includes('LAPTOP-ACME-2'))).toBe(true);
    expect(identities.some((x) => x.includes('LAPTOP-ACME-3'))).toBe(true);
    expect(await tickets('Acme')).toHaveLength(3);
  });

  it('every PSA write is in the write log, without secrets', async () => {
    const log = await delivery(services()).activity.writeLog(providerId, { limit: 1000 });
    expect(
      log.filter((w) => w.method === 'POST' && w.path === '/service/tickets' && w.outcome === 'ok').length,
    ).toBe(7);
    const text = JSON.stringify(log);
    expect(text).not.toContain(integrationKey.privateKey);
  });
});
