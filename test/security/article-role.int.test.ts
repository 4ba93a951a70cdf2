// PSA-5 end to end: the article's least-privilege role built step by step with the CLI (as an MSP
// admin would type it), an API member and key made with the CLI, then every call the DNS-security
// integration makes succeeds over HTTPS with that key, and everything outside the role is refused
// with a 403 naming the missing function and level or Table Setup table.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/platform/clock.js';
import { ARTICLE_ROLE, CUSTOMIZE, presetToSnapshot } from '../../src/psa/catalog/index.js';
import { databaseKinds } from '../support/databases.js';
import { startTestPsa, type TestPsa } from '../support/psa-server.js';
import { basic, type CallResult, cli, cliOk, ok, rest } from './support.js';

interface Created {
  id: number;
}

function expectForbidden(r: CallResult, text: string): void {
  expect(r.status, r.text).toBe(403);
  expect(r.body).toEqual({ code: 'Forbidden', message: expect.any(String), errors: null });
  expect((r.body as { message: string }).message).toContain(text);
}

describe.each(databaseKinds)('the article role built with the CLI, on %s', (db) => {
  let psa: TestPsa;
  const clock = new ManualClock('2026-03-01T09:00:00Z');
  let auth: string;

  /** `psa key create … --json` → the Authorization header for the new key. */
  async function cliKey(member: string, description: string): Promise<string> {
    const out = await cliOk(psa, ['psa', 'key', 'create', member, '--description', description, '--json']);
    const key = JSON.parse(out) as { publicKey: string; privateKey: string };
    expect(key.privateKey).toMatch(/^[A-Za-z0-9]{32,}$/);
    return basic(psa.companyId, key.publicKey, key.privateKey);
  }

  beforeAll(async () => {
    psa = await startTestPsa({ db, clock });
    const role = 'Umbrella2';
    await cliOk(psa, ['psa', 'role', 'create', role]);
    const set = (fn: string, ...levels: string[]) => cliOk(psa, ['psa', 'role', 'set', role, fn, ...levels]);
    await set('Companies/CompanyMaintenance', '--inquire', 'All');
    await set('Companies/Configurations', '--add', 'All', '--edit', 'All', '--inquire', 'All');
    await set(
      'ServiceDesk/ServiceTickets',
      '--add',
      'All',
      '--edit',
      'All',
      '--inquire',
      'All',
      '--delete',
      'None',
    );
    await set('System/TableSetup', '--add', 'All', '--edit', 'All', '--inquire', 'All');
    await cliOk(psa, [
      'psa',
      'role',
      'allow',
      role,
      'Company/Configuration',
      'Service/Priority',
      'Service/ServiceBoard',
    ]);
    await cliOk(psa, [
      'psa',
      'api-member',
      'create',
      'umbrella2',
      '--role',
      role,
      '--name',
      'Umbrella Integration',
    ]);
    auth = await cliKey('umbrella2', 'Umbrella PSA Integration');
  });
  afterAll(async () => psa?.close());

  it('the CLI built exactly the preset ARTICLE_ROLE (levels and allow-list)', async () => {
    const shown = JSON.parse(await cliOk(psa, ['psa', 'role', 'show', 'Umbrella2', '--json'])) as {
      adminFlag: boolean;
      levels: Record<string, Record<string, string>>;
      allowLists: Record<string, string[]>;
    };
    const preset = presetToSnapshot(ARTICLE_ROLE);
    expect(shown.adminFlag).toBe(false);
    const granted = Object.fromEntries(
      Object.entries(shown.levels).filter(([, l]) => Object.values(l).some((v) => v !== 'None')),
    );
    expect(granted).toEqual(Object.fromEntries(preset.levels));
    expect(shown.allowLists[CUSTOMIZE.systemTableSetup]).toEqual(
      [...(preset.allowed.get(CUSTOMIZE.systemTableSetup) ?? [])].sort(),
    );
  });

  it('every call the integration needs succeeds', async () => {
    const call = (method: string, path: string, body?: unknown) =>
      rest(psa, method, path, { auth, ...(body !== undefined ? { body } : {}) });
    const companies = await ok<Array<{ id: number; identifier: string }>>(call('GET', '/company/companies'));
    const acme = companies.find((c) => c.identifier === 'AcmeCorp')!;
    expect(acme).toBeDefined();
    const priorities = await ok<Array<{ id: number; name: string }>>(call('GET', '/service/priorities'));
    expect(priorities.length).toBeGreaterThan(0);
    const boards = await ok<Array<{ id: number; name: string }>>(call('GET', '/service/boards'));
    const board = boards.find((b) => b.name === 'Security Operations')!;
    const statuses = await ok<Array<{ id: number; name: string }>>(
      call('GET', `/service/boards/${board.id}/statuses`),
    );
    expect(statuses.map((s) => s.name)).toContain('In Progress');

    const type = await ok<Created>(
      call('POST', '/company/configurations/types', { name: 'Umbrella Roaming Client' }),
    );
    const question = await ok<Created>(
      call('POST', `/company/configurations/types/${type.id}/questions`, {
        question: 'Umbrella device id',
        fieldType: 'Text',
        entryType: 'EntryField',
      }),
    );
    const config = await ok<Created & { questions: Array<{ questionId: number; answer?: unknown }> }>(
      call('POST', '/company/configurations', {
        name: 'LAPTOP-042',
        type: { id: type.id },
        company: { id: acme.id },
        questions: [{ questionId: question.id, answer: 'device-42' }],
      }),
    );
    expect(config.questions).toContainEqual(
      expect.objectContaining({ questionId: question.id, answer: 'device-42' }),
    );
    const patchedConfig = await ok<{ name: string }>(
      call('PATCH', `/company/configurations/${config.id}`, [
        { op: 'replace', path: 'name', value: 'LAPTOP-042b' },
      ]),
    );
    expect(patchedConfig.name).toBe('LAPTOP-042b');

    const ticket = await ok<Created>(
      call('POST', '/service/tickets', {
        summary: 'Umbrella: malware blocked on LAPTOP-042',
        company: { id: acme.id },
        board: { id: board.id },
        priority: { id: priorities[0]!.id },
        initialDescription: 'Blocked a request to a known command-and-control domain.',
      }),
    );
    const inProgress = statuses.find((s) => s.name === 'In Progress')!;
    const patched = await ok<{ status: { id: number } }>(
      call('PATCH', `/service/tickets/${ticket.id}`, [
        { op: 'replace', path: 'status', value: { id: inProgress.id } },
      ]),
    );
    expect(patched.status.id).toBe(inProgress.id);
    await ok(call('POST', `/service/tickets/${ticket.id}/notes`, { text: 'Blocked again 5 minutes later.' }));
    const notes = await ok<unknown[]>(call('GET', `/service/tickets/${ticket.id}/notes`));
    expect(notes).toHaveLength(2);
  });

  it('refuses deleting a ticket, agreements and sources, naming what is missing', async () => {
    expectForbidden(
      await rest(psa, 'DELETE', '/service/tickets/123456', { auth }),
      'Service Desk → Service Tickets (Delete)',
    );
    expectForbidden(
      await rest(psa, 'GET', '/finance/agreements', { auth }),
      'Finance → Agreements (Inquire)',
    );
    expectForbidden(await rest(psa, 'GET', '/service/sources', { auth }), "'Service / Source'");
    // The refused delete changed nothing.
    expect((await rest(psa, 'GET', '/service/tickets/123456', { auth })).status).toBe(200);
  });

  it('taking Service / Priority off the allow-list with the CLI refuses priorities', async () => {
    const body = { name: 'Umbrella P0', color: 'Red', sortOrder: 0 };
    expect((await rest(psa, 'GET', '/service/priorities', { auth })).status).toBe(200);

    const out = await cliOk(psa, [
      'psa',
      'role',
      'allow',
      'Umbrella2',
      'Company/Configuration',
      'Service/ServiceBoard',
    ]);
    expect(out).not.toContain('Service/Priority');

    // The CLI changed the role through its OWN services instance (as a separate `parasol` process
    // would), so the server's key cache was not told: it may keep the role it verified for `auth`
    // until the entry's TTL (5 s) runs out. A key the server has never seen is verified from the
    // database, so it sees the new allow-list at once.
    const fresh = await cliKey('umbrella2', 'after the allow-list change');
    expectForbidden(
      await rest(psa, 'POST', '/service/priorities', { auth: fresh, body }),
      "'Service / Priority'",
    );
    expectForbidden(await rest(psa, 'GET', '/service/priorities', { auth: fresh }), "'Service / Priority'");

    // The old key follows once its cache entry expires (the server runs on a manual clock, so no
    // sleeping): the TTL is the bound on how long another process's change can go unseen.
    clock.advance(5_001);
    expectForbidden(await rest(psa, 'POST', '/service/priorities', { auth, body }), "'Service / Priority'");
    // Boards and configuration types stay allowed.
    expect((await rest(psa, 'GET', '/service/boards', { auth })).status).toBe(200);
    expect((await rest(psa, 'GET', '/company/configurations/types', { auth })).status).toBe(200);
  });

  it('the CLI refuses a level the function does not offer and an unknown table, changing nothing', async () => {
    const bad = await cli(psa, ['psa', 'role', 'allow', 'Umbrella2', 'Service/NoSuchTable']);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('Service/NoSuchTable');
    const my = await cli(psa, ['psa', 'role', 'set', 'Umbrella2', 'System/TableSetup', '--delete', 'My']);
    expect(my.code).toBe(1);
    expect(my.err).toContain('My');
    const shown = JSON.parse(await cliOk(psa, ['psa', 'role', 'show', 'Umbrella2', '--json'])) as {
      allowLists: Record<string, string[]>;
      levels: Record<string, Record<string, string>>;
    };
    expect(shown.allowLists[CUSTOMIZE.systemTableSetup]).toEqual([
      'Company/Configuration',
      'Service/ServiceBoard',
    ]);
    expect(shown.levels['System/TableSetup']).toEqual({
      add: 'All',
      edit: 'All',
      delete: 'None',
      inquire: 'All',
    });
  });
});
