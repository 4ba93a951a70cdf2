import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.js';
import { FakeConnectWise, type FakeFailure } from '../psa-client/fake.js';
import { ConnectWiseError } from '../psa-client/types.js';
import { PROBES, REQUIREMENTS } from './requirements.js';
import { FIX, fixForError, type PreflightResult, runPreflight } from './run.js';

const settings = {
  site: 'na.myconnectwise.net',
  companyId: 'acme',
  publicKey: 'pUbLiCkEy1234567',
  privateKey: 'pRiVaTeKeY-0123456789abcdef-secret',
  clientId: '8d3e5b9a-4c1f-4e2a-9b7d-2f6a1c0e5d43',
};
const basic = Buffer.from(`${settings.companyId}+${settings.publicKey}:${settings.privateKey}`).toString(
  'base64',
);

const LEVELS = [
  ['Companies', 'Company Maintenance', { addLevel: 'None', editLevel: 'None', inquireLevel: 'All' }],
  ['Companies', 'Configurations', { addLevel: 'All', editLevel: 'All', inquireLevel: 'All' }],
  ['Service Desk', 'Service Tickets', { addLevel: 'All', editLevel: 'All', inquireLevel: 'All' }],
  ['System', 'Table Setup', { addLevel: 'All', editLevel: 'All', inquireLevel: 'All' }],
] as const;

/**
 * A ConnectWise holding the article role: the security summary seeded, and the probes' writes
 * refused by validation as a real PSA does (the fake itself would store an empty record; PATCH of
 * record 0 already answers 404).
 */
function psa(
  options: {
    levels?: Record<string, Record<string, string>>;
    items?: string[];
    summary?: boolean;
    /** Requests refused with 403 (exact method and path). */
    refuse?: Array<readonly [string, string]>;
    /** Paths answering 500 to every method. */
    broken?: string[];
  } = {},
): FakeConnectWise {
  const fake = new FakeConnectWise({
    seed: { '/company/companies': [{ identifier: 'AcmeCorp', name: 'Acme' }] },
  });
  // The first matching failure wins: refusals and breakdowns before the validation answer.
  for (const [method, path] of options.refuse ?? []) refuse(fake, method, path);
  for (const path of options.broken ?? []) fake.failNext((c) => c.path === path, { status: 500 }, 1e9);
  if (options.summary !== false) {
    fake.seed(
      '/system/mySecurity',
      LEVELS.map(([moduleName, moduleFunctionName, levels]) => ({
        moduleName,
        moduleFunctionName,
        deleteLevel: 'None',
        ...levels,
        ...options.levels?.[moduleFunctionName],
      })),
    );
    fake.seed(
      '/system/mySecurity/customizeItems',
      (options.items ?? ['Company/Configuration', 'Service/Priority', 'Service/ServiceBoard']).map(
        (itemIdentifier) => ({
          customizeIdentifier: 'SystemTableSetup',
          itemIdentifier,
        }),
      ),
    );
  } else {
    fake.deny('GET', '/system/mySecurity', 403, 'You do not have access to System → My Security.');
  }
  fake.failNext(
    (c) => c.method === 'POST',
    { status: 400, code: 'InvalidObject', message: 'object is invalid' },
    1e9,
  );
  return fake;
}

/** Refuses exactly `method path` (not the paths below it) with a 403, before any later failure. */
function refuse(fake: FakeConnectWise, method: string, path: string): void {
  fake.failNext(
    (c) => c.method === method && c.path === path,
    { status: 403, code: 'Forbidden', message: `You do not have access to ${path}.` },
    1e9,
  );
}

const step = (r: PreflightResult, id: string) => r.steps.find((s) => s.id === id)!;
const failed = (r: PreflightResult) => r.steps.filter((s) => s.status === 'fail').map((s) => s.id);

describe('runPreflight', () => {
  it('passes every step against a PSA granting the article role, sending only harmless requests', async () => {
    const fake = psa();
    const clock = new ManualClock('2026-03-01T10:00:00Z');
    const r = await runPreflight(fake, settings, clock);
    expect(r).toMatchObject({ ok: true, checkedAt: '2026-03-01T10:00:00.000Z' });
    expect(r.steps.map((s) => `${s.id}:${s.status}`)).toEqual([
      'settings:pass',
      'discovery:pass',
      'authentication:pass',
      ...REQUIREMENTS.map((q) => `${q.id}:pass`),
    ]);
    expect(r.steps.map((s) => s.label).slice(3)).toEqual(REQUIREMENTS.map((q) => q.label));
    expect(fake.calls.map((c) => `${c.method} ${c.path}`).slice(0, 2)).toEqual([
      'GET /login/companyinfo',
      'GET /system/info',
    ]);
    const writes = fake.calls.filter((c) => c.method !== 'GET');
    expect(writes.map((c) => [c.method, c.path, c.body])).toEqual(
      PROBES.filter((p) => p.method !== 'GET').map((p) => [p.method, p.path, p.body]),
    );
    for (const c of fake.calls.filter((x) => x.method === 'GET' && PROBES.some((p) => p.path === x.path)))
      expect(c.query).toMatchObject({ pageSize: 1 });
    expect(fake.records('/company/configurations')).toEqual([]);
    expect(fake.records('/service/tickets')).toEqual([]);
    expect(fake.records('/company/configurations/types')).toEqual([]);
  });

  it.each([
    [
      'companyMaintenance.inquire',
      'GET',
      '/company/companies',
      { 'Company Maintenance': { inquireLevel: 'None' } },
    ],
    ['configurations.add', 'POST', '/company/configurations', { Configurations: { addLevel: 'None' } }],
    ['serviceTickets.edit', 'PATCH', '/service/tickets/0', { 'Service Tickets': { editLevel: 'None' } }],
    ['tableSetup.inquire', 'GET', '/service/priorities', { 'Table Setup': { inquireLevel: 'None' } }],
  ] as const)('fails only %s when the PSA denies it', async (id, method, path, levels) => {
    const refused: Array<readonly [string, string]> = [[method, path]];
    if (id === 'tableSetup.inquire')
      refused.push(['GET', '/company/configurations/types'], ['GET', '/service/boards']);
    const fake = psa({ levels, refuse: refused });
    const r = await runPreflight(fake, settings);
    expect(r.ok).toBe(false);
    expect(failed(r)).toEqual([id]);
    expect(step(r, id).fix).toMatch(/set \w+ Level to All \(it is None\)$/);
    expect(step(r, id).detail).toContain(`${method} ${path}`);
  });

  it('names the allow-list item to move, in the admin words', async () => {
    const fake = psa({
      items: ['Company/Configuration', 'Service/ServiceBoard'],
      refuse: [['GET', '/service/priorities']],
    });
    const r = await runPreflight(fake, settings);
    expect(failed(r)).toEqual(['tableSetup.allow.priority']);
    expect(step(r, 'tableSetup.allow.priority').fix).toBe(
      'System → Table Setup → customize: allow Service / Priority',
    );
  });

  it('flags a level of My', async () => {
    const r = await runPreflight(psa({ levels: { Configurations: { inquireLevel: 'My' } } }), settings);
    expect(failed(r)).toEqual(['configurations.inquire']);
    expect(step(r, 'configurations.inquire').fix).toBe(
      'Companies → Configurations: set Inquire Level to All (it is My)',
    );
  });

  it('falls back to the probes when the security summary is refused', async () => {
    const fake = psa({
      summary: false,
      refuse: [
        ['GET', '/service/priorities'],
        ['GET', '/service/boards'],
      ],
      broken: ['/company/configurations/types', '/company/configurations/types/0'],
    });
    const r = await runPreflight(fake, settings);
    // Priorities and boards refused, the configuration type tells nothing: Table Setup Inquire or
    // both items — the PSA does not say which.
    expect(failed(r)).toEqual([
      'tableSetup.inquire',
      'tableSetup.allow.priority',
      'tableSetup.allow.serviceBoard',
    ]);
    expect(step(r, 'tableSetup.allow.priority').fix).toMatch(
      /^one of these is missing, and the PSA does not say which: /,
    );
    expect(step(r, 'tableSetup.allow.priority').fix).toContain(
      'System → Table Setup: set Inquire Level to All',
    );
    expect(step(r, 'tableSetup.allow.configuration').status).toBe('skipped');
    expect(step(r, 'configurations.add').status).toBe('pass');
  });

  it('takes a 403 on /system/info as accepted keys', async () => {
    const fake = psa({ refuse: [['GET', '/system/info']] });
    const r = await runPreflight(fake, settings);
    expect(step(r, 'authentication').status).toBe('pass');
    expect(r.ok).toBe(true);
  });
});

describe('settings', () => {
  it('reports a missing clientId without calling the PSA, and skips the rest', async () => {
    const fake = psa();
    const r = await runPreflight(fake, { ...settings, clientId: ' ' });
    expect(step(r, 'settings')).toMatchObject({
      status: 'fail',
      fix: 'clientId missing — register an integration at developer.connectwise.com (ClientID) and paste its GUID here',
    });
    expect(r.steps.slice(1).every((s) => s.status === 'skipped')).toBe(true);
    expect(r.steps).toHaveLength(3 + REQUIREMENTS.length);
    expect(fake.calls).toEqual([]);
  });

  it('names every missing field', async () => {
    const r = await runPreflight(psa(), {
      site: '',
      companyId: '',
      publicKey: '',
      privateKey: '',
      clientId: '',
    });
    const fix = step(r, 'settings').fix!;
    for (const f of [
      FIX.siteMissing,
      FIX.companyIdMissing,
      FIX.publicKeyMissing,
      FIX.privateKeyMissing,
      FIX.clientIdMissing,
    ])
      expect(fix).toContain(f);
  });

  it('refuses a site that is not a host', async () => {
    const r = await runPreflight(psa(), { ...settings, site: 'ftp://psa.example.com' });
    expect(step(r, 'settings').fix).toBe(FIX.siteInvalid);
  });
});

describe('discovery and authentication failures', () => {
  const discovery: Array<[string, FakeFailure, string]> = [
    ['dns', { kind: 'dns' }, FIX.dns],
    ['network', { kind: 'network' }, FIX.network],
    ['timeout', { kind: 'timeout' }, FIX.network],
    ['tls', { kind: 'tls' }, FIX.tls],
    [
      'plain HTTP on an HTTPS port',
      new ConnectWiseError({
        kind: 'tls',
        message: 'wrong version number',
        attempts: 1,
        systemCode: 'ERR_SSL_WRONG_VERSION_NUMBER',
      }),
      FIX.plainHttp,
    ],
    ['malformed answer', { kind: 'malformed-response' }, FIX.notConnectWise],
    ['404', { status: 404 }, FIX.notConnectWise],
  ];

  it.each(discovery)('discovery: %s', async (_name, failure, fix) => {
    const fake = psa();
    fake.failNext('/login/companyinfo', failure);
    const r = await runPreflight(fake, settings);
    expect(step(r, 'discovery')).toMatchObject({ status: 'fail', fix });
    expect(r.steps.slice(2).every((s) => s.status === 'skipped')).toBe(true);
    expect(fake.calls).toHaveLength(1);
  });

  it('discovery: unknown company id', async () => {
    const fake = psa();
    fake.companyInfo = null;
    const r = await runPreflight(fake, settings);
    expect(step(r, 'discovery').fix).toBe(FIX.unknownCompany);
  });

  const auth: Array<[string, string, string]> = [
    ['clientId', 'clientId is not a registered client id.', FIX.clientIdRejected],
    ['clientId header', 'clientId header is required.', FIX.clientIdRejected],
    ['revoked', 'This API key has been revoked; create a new key for the member.', FIX.keyRevoked],
    ['inactive member', 'The member these API keys belong to is inactive.', FIX.memberInactive],
    ['inactive role', "The member's security role is inactive.", FIX.roleInactive],
    ['bad keys', 'Your credentials are invalid.', FIX.keysRejected],
    ['no message', '', FIX.keysRejected],
  ];

  it.each(auth)('authentication: 401 %s', async (_name, message, fix) => {
    const fake = psa();
    fake.failNext('/system/info', { status: 401, code: 'Unauthorized', message });
    const r = await runPreflight(fake, settings);
    expect(step(r, 'discovery').status).toBe('pass');
    expect(step(r, 'authentication')).toMatchObject({ status: 'fail', fix });
    expect(r.steps.slice(3).every((s) => s.status === 'skipped')).toBe(true);
  });

  it('gives each cause its own message', () => {
    const all = [
      FIX.dns,
      FIX.network,
      FIX.tls,
      FIX.unknownCompany,
      FIX.clientIdMissing,
      FIX.clientIdRejected,
      FIX.keyRevoked,
      FIX.memberInactive,
      FIX.keysRejected,
    ];
    expect(new Set(all).size).toBe(all.length);
    expect(
      FIX.keysRejected.startsWith(
        'keys rejected — the private key is shown only once in ConnectWise; create a new key',
      ),
    ).toBe(true);
    expect(FIX.keyRevoked).toBe('key revoked — create a new key: System → Members → API Members → API Keys');
  });

  it('maps other answers to what the PSA said', () => {
    const e = (status: number) => new ConnectWiseError({ kind: 'http', message: 'x', status, attempts: 1 });
    expect(fixForError(e(503), 'authentication')).toMatch(/HTTP 503.*try again later/);
    expect(fixForError(e(429), 'authentication')).toBe(FIX.throttled);
    expect(
      fixForError(new ConnectWiseError({ kind: 'budget-exhausted', message: 'x', attempts: 0 }), 'discovery'),
    ).toBe(FIX.budget);
    expect(fixForError(new Error('boom'), 'discovery')).toMatch(/^unexpected error/);
  });
});

describe('secrets', () => {
  it('never puts the private key or the Authorization header in the result', async () => {
    const fake = psa();
    const leak = `Authorization: Basic ${basic}; key ${settings.privateKey}`;
    fake.failNext(
      '/system/info',
      new ConnectWiseError({ kind: 'http', status: 401, message: leak, cwMessage: leak, attempts: 1 }),
    );
    const r = await runPreflight(fake, settings);
    const json = JSON.stringify(r);
    expect(step(r, 'authentication').status).toBe('fail');
    expect(step(r, 'authentication').detail).toContain('[redacted]');
    expect(json).not.toContain(settings.privateKey);
    expect(json).not.toContain(basic);
  });

  it('scrubs refusal messages of the probes too', async () => {
    const fake = new FakeConnectWise();
    fake.failNext((c) => c.method === 'POST' && c.path === '/service/tickets', {
      status: 403,
      message: `denied for ${settings.privateKey}`,
    });
    fake.failNext((c) => c.method === 'POST', { status: 400 }, 1e9);
    fake.deny('GET', '/system/mySecurity');
    const r = await runPreflight(fake, settings);
    expect(failed(r)).toEqual(['serviceTickets.add']);
    expect(JSON.stringify(r)).not.toContain(settings.privateKey);
  });
});
