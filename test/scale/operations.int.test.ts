// X-3 on both servers (SQLite and PostgreSQL): /healthz, /readyz (database and migrations),
// Prometheus /metrics with the HTTP, outbox, ingest, PSA-call and circuit series, request ids in the
// response and in every request log line, and the PSA's OpenAPI document from its endpoint table.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage } from '../../src/platform/db.js';
import { readinessCheck } from '../../src/platform/operations.js';
import { ARTICLE_ROLE } from '../../src/psa/catalog/index.js';
import { ENDPOINTS } from '../../src/psa/http/endpoints.js';
import { databaseKinds } from '../support/databases.js';
import { startTestPsa, type TestPsa } from '../support/psa-server.js';

describe.each(databaseKinds)('operations endpoints on %s', (db) => {
  let psa: TestPsa;
  beforeAll(async () => {
    psa = await startTestPsa({ db, logLevel: 'info' });
    // A saved integration runs the preflight: PSA calls by the console's client, a health row.
    const key = await psa.apiMemberWithKey('OpsProbe', ARTICLE_ROLE);
    const s = psa.running.console.services;
    const provider = await s.accounts.createProvider({ name: 'Ops MSP', kind: 'MSP' }, 'test');
    await s.integration.save(
      provider.id,
      {
        enabled: true,
        site: psa.hostPort,
        trustedCa: psa.ca,
        companyId: psa.companyId,
        clientId: psa.clientId,
        publicKey: key.publicKey,
        privateKey: key.privateKey,
      },
      'test',
    );
  });
  afterAll(async () => psa?.close());

  const servers = () => ({ psa: psa.running.psa.url, console: psa.running.console.url });

  it('answers /healthz and /readyz on both servers', async () => {
    for (const [name, url] of Object.entries(servers())) {
      const health = await psa.fetch(`${url}/healthz`);
      expect(health.status, name).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'ok' });
      const ready = await psa.fetch(`${url}/readyz`);
      expect(ready.status, name).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ready', ready: true, database: 'ok', migrations: 'ok' });
    }
  });

  it('serves Prometheus metrics on both servers', async () => {
    // Without a clientId: refused, and counted by route and status. (Bodies are read: an unread one
    // keeps its connection, and closing the server would wait for it.)
    await (await psa.fetch(`${psa.apiBase}/system/info`)).text();
    for (const [name, url] of Object.entries(servers())) {
      const res = await psa.fetch(`${url}/metrics`);
      expect(res.status, name).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/plain');
      const text = await res.text();
      expect(text).toMatch(
        /parasol_http_requests_total\{product="psa",route="\/:codebase\/apis\/3.0\/system\/info",method="GET",status="\d+"\} \d+/,
      );
      expect(text).toMatch(/parasol_psa_client_requests_total\{method="GET",status="200"\} [1-9]/);
      expect(text).toMatch(/parasol_outbox_items\{state="\w+"\} \d+|# TYPE parasol_outbox_items gauge/);
      expect(text).toContain('parasol_outbox_oldest_pending_seconds');
      expect(text).toMatch(/parasol_ingest_units\{status="done"\} 0/);
      expect(text).toMatch(/parasol_ingest_rows\{kind="accepted"\} 0/);
      expect(text).toMatch(/parasol_psa_circuit_open\{provider_id="\d+"\} 0/);
    }
  });

  it('keeps a sane x-request-id, makes one otherwise, and logs it on every request line', async () => {
    const kept = await psa.fetch(`${servers().console}/healthz`, {
      headers: { 'x-request-id': 'trace-42.a:b' },
    });
    expect(kept.headers.get('x-request-id')).toBe('trace-42.a:b');
    await kept.text();
    const made = await psa.fetch(`${servers().psa}/healthz`, {
      headers: { 'x-request-id': 'bad id with spaces' },
    });
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    await made.text();
    const lines = psa
      .logs()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const requestLines = lines.filter((l) => l.req !== undefined || l.res !== undefined);
    expect(requestLines.length).toBeGreaterThan(4);
    for (const l of requestLines) expect(l.reqId, JSON.stringify(l)).toEqual(expect.any(String));
    expect(requestLines.some((l) => l.reqId === 'trace-42.a:b')).toBe(true);
  });

  it('serves the PSA OpenAPI document generated from the endpoint table', async () => {
    const res = await psa.fetch(`${servers().psa}/openapi.json`);
    expect(res.status).toBe(200);
    // biome-ignore lint/suspicious/noExplicitAny: a JSON document checked field by field
    const doc = (await res.json()) as any;
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.servers[0].url).toBe(psa.apiBase);
    for (const e of ENDPOINTS)
      expect(doc.paths[e.path]?.[e.method.toLowerCase()], `${e.method} ${e.path}`).toBeDefined();
    const post = doc.paths['/service/tickets'].post;
    expect(post.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/Ticket');
    expect(post.description).toMatch(/Service Tickets, Add level/);
    expect(doc.components.schemas.Ticket.properties.summary).toMatchObject({
      type: 'string',
      maxLength: 100,
    });
    // Every $ref resolves.
    const refs = JSON.stringify(doc).match(/#\/components\/schemas\/[A-Za-z0-9_]+/g) ?? [];
    for (const ref of new Set(refs)) expect(doc.components.schemas[ref.split('/').pop()!], ref).toBeDefined();
    const consoleDoc = await psa.fetch(`${servers().console}/api/v1/openapi.json`);
    expect(consoleDoc.status).toBe(200);
    expect(((await consoleDoc.json()) as { openapi: string }).openapi).toMatch(/^3\./);
  });
});

describe('readiness', () => {
  it('is not ready while migrations are missing, and names them', async () => {
    const storage = await openStorage({
      dataDir: mkdtempSync(path.join(tmpdir(), 'parasol-ready-')),
      migrate: false,
    });
    try {
      const r = await readinessCheck(storage)();
      expect(r.ready).toBe(false);
      expect(r.database).toBe('ok');
      expect(r.migrations).toMatch(/^unknown|^not applied: 0001_psa_core/);
    } finally {
      await storage.close();
    }
  });
});
