// Unit tests of FakeConnectWise beyond the shared contract: its conditions subset (and the clear
// refusal of anything else), references, child collections, injected failures and denials.
import { beforeEach, describe, expect, it } from 'vitest';
import { FakeConnectWise, parseFakeConditions } from './fake.js';
import { ConnectWiseError } from './types.js';

// biome-ignore lint/suspicious/noExplicitAny: records are read loosely, as the JSON they are
type Doc = Record<string, any>;

async function rejection(p: Promise<unknown>): Promise<ConnectWiseError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ConnectWiseError) return e;
    throw e;
  }
  throw new Error('expected a ConnectWiseError');
}

describe('FakeConnectWise', () => {
  let fake: FakeConnectWise;
  beforeEach(() => {
    fake = new FakeConnectWise({
      now: () => new Date('2026-02-01T10:00:00.123Z'),
      seed: {
        '/company/companies': [
          { id: 1, identifier: 'AcmeCorp', name: 'Acme Corp', status: { id: 1, name: 'Active' } },
          { id: 2, identifier: 'Beta', name: 'Beta Ltd', status: { id: 2, name: 'Inactive' } },
          { id: 5, identifier: 'Gamma', name: 'Gamma Inc', status: { id: 1, name: 'Active' } },
        ],
        '/service/boards': [{ id: 7, name: 'Service Board' }],
        '/service/boards/7/statuses': [
          { id: 1, name: 'New' },
          { id: 2, name: 'Closed', closedStatus: true },
        ],
      },
    });
  });

  it('filters with the supported conditions', async () => {
    const ids = async (conditions: string) =>
      (await fake.list<Doc>('/company/companies', { conditions })).map((r) => r.id);
    expect(await ids('identifier = "acmecorp"')).toEqual([1]);
    expect(await ids("identifier != 'Beta'")).toEqual([1, 5]);
    expect(await ids('status/name = "Active" and id != 1')).toEqual([5]);
    expect(await ids('id in (2, 5, 9)')).toEqual([2, 5]);
    expect(await ids('name like "*Co*"')).toEqual([1]);
    expect(await ids('name like "g%"')).toEqual([5]);
    expect(await ids('website = null')).toEqual([1, 2, 5]);
    expect(await fake.count('/company/companies', 'status/id = 1')).toBe(2);
    expect(await fake.get('/company/companies/count', { conditions: 'id = 2' })).toEqual({ count: 1 });
  });

  it('refuses anything outside its subset with a clear error', () => {
    for (const unsupported of [
      'id = 1 or id = 2',
      '(id = 1)',
      'id > 3',
      'name contains "x"',
      'id not in (1)',
      'lastUpdated > [2026-01-01T00:00:00Z]',
    ])
      expect(() => parseFakeConditions(unsupported), unsupported).toThrow(/FakeConnectWise supports only/);
  });

  it('orders, projects and pages', async () => {
    const page1 = await fake.list<Doc>('/company/companies', {
      orderBy: 'name desc',
      pageSize: 2,
      fields: 'id,status/name',
    });
    expect(page1).toEqual([
      { id: 5, status: { name: 'Active' } },
      { id: 2, status: { name: 'Inactive' } },
    ]);
    expect(
      await fake.list('/company/companies', { orderBy: 'name desc', pageSize: 2, page: 2, fields: 'id' }),
    ).toEqual([{ id: 1 }]);
    expect(await fake.list('/company/companies', { page: 9 })).toEqual([]);
    expect((await fake.listAll<Doc>('/company/companies', { pageSize: 1 })).map((r) => r.id)).toEqual([
      1, 2, 5,
    ]);
  });

  it('creates records with the next id and _info, resolving references by name or identifier', async () => {
    const ticket = await fake.post<Doc>('/service/tickets', {
      summary: 'DNS threat',
      company: { identifier: 'gamma' },
      board: { name: 'service board' },
      status: { name: 'New' },
    });
    expect(ticket).toMatchObject({
      id: 1,
      company: { id: 5, identifier: 'Gamma', name: 'Gamma Inc' },
      board: { id: 7, name: 'Service Board' },
      status: { id: 1, name: 'New' },
      _info: { dateEntered: '2026-02-01T10:00:00Z', lastUpdated: '2026-02-01T10:00:00Z' },
    });
    const bad = await rejection(
      fake.post('/service/tickets', { summary: 'x', company: { identifier: 'Nope' } }),
    );
    expect(bad).toMatchObject({ status: 400, code: 'InvalidObject', errors: [{ field: 'company' }] });
    const company = await fake.post<Doc>('/company/companies', { identifier: 'Delta', name: 'Delta' });
    expect(company.id).toBe(6);
  });

  it('keeps child collections under their parent', async () => {
    const status = await fake.post<Doc>('/service/boards/7/statuses', { name: 'Waiting' });
    expect(status.id).toBe(3);
    expect((await fake.listAll<Doc>('/service/boards/7/statuses')).map((s) => s.name)).toEqual([
      'New',
      'Closed',
      'Waiting',
    ]);
    expect(await rejection(fake.post('/service/boards/99/statuses', { name: 'x' }))).toMatchObject({
      status: 404,
    });
  });

  it('patches, replaces and deletes', async () => {
    const patched = await fake.patch<Doc>('/company/companies/2', [
      { op: 'replace', path: 'name', value: 'Beta Group' },
      { op: 'remove', path: '/status' },
    ]);
    expect(patched).toMatchObject({ id: 2, identifier: 'Beta', name: 'Beta Group' });
    expect(patched.status).toBeUndefined();
    expect(
      await rejection(fake.patch('/company/companies/2', [{ op: 'replace', path: 'status/id', value: 1 }])),
    ).toMatchObject({
      status: 400,
    });
    const replaced = await fake.put<Doc>('/company/companies/2', { identifier: 'Beta', name: 'Only name' });
    expect(replaced).toMatchObject({
      id: 2,
      name: 'Only name',
      _info: { dateEntered: '2026-02-01T10:00:00Z' },
    });
    expect(
      await rejection(fake.put('/company/companies/2', { identifier: 'AcmeCorp', name: 'x' })),
    ).toMatchObject({
      status: 400,
      errors: [{ code: 'ObjectExists', field: 'identifier' }],
    });
    await fake.delete('/company/companies/2');
    expect(await rejection(fake.get('/company/companies/2'))).toMatchObject({
      kind: 'http',
      status: 404,
      code: 'NotFound',
    });
    expect(await rejection(fake.delete('/company/companies/2'))).toMatchObject({ status: 404 });
  });

  it('fails the next matching call as told, then recovers', async () => {
    fake.failNext('/company/companies', { status: 429, retryAfterSeconds: 7 });
    fake.failNext((call) => call.method === 'POST', { kind: 'timeout' }, 2);
    expect(await rejection(fake.get('/company/companies/1'))).toMatchObject({
      kind: 'http',
      status: 429,
      code: 'TooManyRequests',
      retryAfterSeconds: 7,
    });
    expect(await fake.get<Doc>('/company/companies/1')).toMatchObject({ id: 1 });
    expect(await rejection(fake.post('/service/boards', { name: 'A' }))).toMatchObject({ kind: 'timeout' });
    expect(await rejection(fake.post('/service/boards', { name: 'A' }))).toMatchObject({ kind: 'timeout' });
    expect(await fake.post<Doc>('/service/boards', { name: 'A' })).toMatchObject({ id: 8 });
    expect(fake.calls.map((c) => c.method)).toEqual(['GET', 'GET', 'POST', 'POST', 'POST']);
  });

  it('simulates permissions and an unknown company', async () => {
    const lift = fake.deny(
      'POST',
      '/service/tickets',
      403,
      'You do not have access to Service Tickets (Add).',
    );
    expect(await rejection(fake.post('/service/tickets', { summary: 'x' }))).toMatchObject({
      status: 403,
      code: 'Forbidden',
      cwMessage: 'You do not have access to Service Tickets (Add).',
    });
    expect(await fake.list('/service/tickets')).toEqual([]);
    lift();
    fake.deny('*', '/company', 401);
    expect(await rejection(fake.count('/company/companies'))).toMatchObject({
      status: 401,
      code: 'Unauthorized',
    });
    expect((await fake.discover()).Codebase).toBe('v4_6_release/');
    fake.companyInfo = null;
    expect(await rejection(fake.discover())).toMatchObject({ kind: 'unknown-company' });
  });
});
