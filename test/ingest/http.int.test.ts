// The console API over HTTPS for ingestion: bindings changed by an admin (CSRF, audit), and the
// aggregates read back per customer (daily, top domains, identities, windows), tenant-scoped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestion } from '../../src/console/ingest/index.js';
import { cwDate } from '../../src/platform/clock.js';
import { type ConsoleSession, call, openSession } from '../console/support.js';
import { startTestPsa, type TestPsa } from '../support/psa-server.js';
import { ORG_A, tempDir, writeLogFiles } from './support.js';

describe('ingestion through the console API', () => {
  let psa: TestPsa;
  let admin: ConsoleSession;
  let reader: ConsoleSession;
  let providerId: number;
  let customerId: number;

  beforeAll(async () => {
    psa = await startTestPsa({ db: 'sqlite' });
    const { store, clock } = psa.running.console.services;
    const at = cwDate(clock.now());
    providerId = await store.createProvider({ name: 'Ingest MSP', kind: 'MSP', at });
    for (const [email, role] of [
      ['ingest-admin@msp.test', 'admin'],
      ['ingest-reader@msp.test', 'read-only'],
    ] as const) {
      await store.createUser({ providerId, email, name: email, role, passwordHash: 'x', at });
    }
    customerId = await store.createCustomer({ providerId, name: 'Ingest Customer', seats: 5, at });
    admin = await openSession(psa, 'ingest-admin@msp.test');
    reader = await openSession(psa, 'ingest-reader@msp.test');
  });
  afterAll(async () => {
    await psa.close();
  });

  it('binds an org by API, ingests, and serves the aggregates', async () => {
    const path = `/api/v1/customers/${customerId}/bindings`;
    const denied = await call(psa, reader, 'POST', path, { body: { kind: 'umbrella-org', value: ORG_A } });
    expect(denied.status).toBe(403);
    const created = await call<{ id: number; kind: string; value: string }>(psa, admin, 'POST', path, {
      body: { kind: 'umbrella-org', value: ORG_A },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({ customerId, kind: 'umbrella-org', value: ORG_A });
    const twice = await call(psa, admin, 'POST', path, { body: { kind: 'umbrella-org', value: ORG_A } });
    expect(twice.status).toBe(409);
    const bad = await call<{ issues: unknown[] }>(psa, admin, 'POST', path, {
      body: { kind: 'x', value: '' },
    });
    expect(bad.status).toBe(400);
    expect((await call(psa, reader, 'GET', path)).body).toEqual([created.body]);

    const logs = tempDir();
    await writeLogFiles(logs, { files: 2, rows: 1000, orgIds: [ORG_A] });
    const summary = await ingestion(psa.running.console.services).ingestPath(providerId, logs, {
      concurrency: 0,
    });
    expect(summary).toMatchObject({ ingested: 2, rows: 2000, unrouted: 0 });

    const base = `/api/v1/customers/${customerId}`;
    const daily = await call<Array<{ day: string; requests: number }>>(
      psa,
      reader,
      'GET',
      `${base}/daily?from=2026-01-05&to=2026-01-05`,
    );
    expect(daily.status).toBe(200);
    expect(daily.body).toEqual([expect.objectContaining({ day: '2026-01-05', requests: 2000 })]);
    expect((await call(psa, reader, 'GET', `${base}/daily?from=yesterday`)).status).toBe(400);

    const top = await call<Array<{ action: string; domains: Array<{ domain: string; count: number }> }>>(
      psa,
      reader,
      'GET',
      `${base}/top-domains?action=allowed&limit=5`,
    );
    expect(top.status).toBe(200);
    expect(top.body).toHaveLength(1);
    expect(top.body[0]!.domains).toHaveLength(5);

    const identities = await call<Array<{ label: string; requests: number }>>(
      psa,
      reader,
      'GET',
      `${base}/identities`,
    );
    expect(identities.body.reduce((n, i) => n + i.requests, 0)).toBe(2000);

    const windows = await call<Array<{ category: string; total: number; windowStart: string }>>(
      psa,
      reader,
      'GET',
      `${base}/windows?category=*&from=2026-01-05T00:00:00Z&to=2026-01-06T00:00:00Z`,
    );
    expect(windows.body.reduce((n, w) => n + w.total, 0)).toBe(2000);

    const removed = await call(psa, admin, 'DELETE', `${path}/${created.body.id}`);
    expect(removed.status).toBe(204);
    expect((await call(psa, admin, 'DELETE', `${path}/${created.body.id}`)).status).toBe(404);
    const audit = await psa.running.console.services.store.listAudit(providerId);
    expect(audit.filter((a) => a.action.startsWith('binding.')).map((a) => a.actor)).toEqual([
      'ingest-admin@msp.test',
      'ingest-admin@msp.test',
    ]);
  });
});
