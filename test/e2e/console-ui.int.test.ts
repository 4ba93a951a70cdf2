// The console UI in real Chromium (CON-12, X-4, X-6), one browser for the file: the threshold
// simulator's count for a rule equals the tickets the engine then raises on the same events; every
// page in the six languages without a missing key; sign-in required on every page; a read-only user
// cannot change settings (controls disabled, 403 from the API), every page at 1280×800 and at phone
// width without a horizontal scroll; the preflight's exact fix when the role lacks "Service / Priority".
// Screenshots in test-results/screenshots (console-*.png).
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { delivery } from '../../src/console/delivery/index.js';
import { ingestion } from '../../src/console/ingest/index.js';
import { remoteSources } from '../../src/console/sources-remote/index.js';
import { ARTICLE_ROLE, CUSTOMIZE, TABLE } from '../../src/psa/catalog/index.js';
import { call, openSession, psaRest } from '../console/support.js';
import { startTestPsa, type TestKey, type TestPsa } from '../support/psa-server.js';
import { expectNoHorizontalOverflow, newPage } from './browser-steps.js';
import {
  c2Calls,
  consoleProvider,
  consoleSignedIn,
  DAY_MS,
  dayText,
  drained,
  everydayTraffic,
  HOUR_MS,
  postEvents,
  type SampleEvent,
  utcMidnight,
} from './console-support.js';
import { closeBrowser, screenshotPath } from './psa-support.js';

const LANGUAGES = ['en', 'pt-BR', 'es', 'it', 'de', 'nl'] as const;
const ADMIN = 'admin@contoso.example';
const VIEWER = 'viewer@contoso.example';
const VIEWER_PASSWORD = 'viewer password 1';

type Tree = { [key: string]: string | Tree };
const catalogue = (lang: string): Tree =>
  JSON.parse(readFileSync(`web/i18n/locales/${lang}/console.json`, 'utf8')) as Tree;
const text = (tree: Tree, key: string, vars: Record<string, string> = {}): string => {
  const value = key.split('.').reduce<Tree | string>((node, k) => (node as Tree)[k]!, tree) as string;
  return value.replace(/\{\{(\w+)\}\}/g, (_, name: string) => vars[name] ?? '');
};
const keyPattern = (key: string) =>
  new RegExp(`(?<![\\w.-])${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w.-])`);
function keysOf(tree: Tree, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([k, v]) =>
    typeof v === 'string' ? [`${prefix}${k}`] : keysOf(v, `${prefix}${k}.`),
  );
}

let psa: TestPsa;
let providerId: number;
let goodKey: TestKey;
const customers: Record<string, number> = {};

const services = () => psa.running.console.services;
const consoleUrl = () => psa.running.console.url;

/** A page of the console with a signed-in session (no password check: see openSession). */
async function consolePage(
  email: string,
  options: { locale?: string; width?: number; height?: number } = {},
) {
  const p = await newPage(consoleUrl(), options);
  await consoleSignedIn(psa, p.context, email);
  const errors: string[] = [];
  p.page.on('pageerror', (e) => errors.push(e.message));
  return { ...p, errors };
}

/**
 * Goes to a screen of the app (routing in the fragment: the same document, no reload), waits for its
 * heading (when given) and until nothing on it is loading any more.
 */
async function open(page: Page, hash: string, options: { heading?: string; loading?: string } = {}) {
  await page.goto(`${consoleUrl()}/${hash}`);
  if (options.heading)
    await page.getByRole('heading', { name: options.heading, exact: true, level: 1 }).waitFor();
  else await page.locator('main h1').first().waitFor();
  await page
    .getByText(options.loading ?? 'Loading…', { exact: true })
    .first()
    .waitFor({ state: 'detached' });
}

beforeAll(async () => {
  psa = await startTestPsa({ demo: true, delivery: true, logLevel: 'warn' });
  providerId = await consoleProvider(psa, { name: 'Contoso MSSP', kind: 'MSSP' }, [
    { email: ADMIN, name: 'Ada Admin', role: 'admin', password: 'admin password 1' },
    { email: VIEWER, name: 'Victor Viewer', role: 'read-only', password: VIEWER_PASSWORD },
  ]);
  const s = services();
  goodKey = await psa.apiMemberWithKey('ParasolApi', ARTICLE_ROLE);
  const saved = await s.integration.save(
    providerId,
    {
      enabled: true,
      site: psa.hostPort,
      trustedCa: psa.ca,
      companyId: psa.companyId,
      clientId: psa.clientId,
      publicKey: goodKey.publicKey,
      privateKey: goodKey.privateKey,
    },
    ADMIN,
  );
  expect(saved.preflight?.ok).toBe(true);
  for (const [name, company] of [
    ['Acme', 'AcmeCorp'],
    ['Globex', 'Globex'],
    ['Initech', 'Initech'],
    ['Hooli', null],
  ] as const) {
    const c = await s.accounts.createCustomer(providerId, { name, seats: 10 }, ADMIN);
    customers[name] = c.id;
    if (company) await s.mapping.setMapping(providerId, c.id, { psaCompanyIdentifier: company }, ADMIN);
    await ingestion(s).addBinding(providerId, c.id, { kind: 'ndjson-org', value: `org-${name}` }, ADMIN);
  }
  await s.mapping.refreshReference(providerId);
  // Some everyday traffic for the dashboards.
  const { token } = await remoteSources(s).tokens.create(providerId, { name: 'collector' }, ADMIN);
  collectorToken = token;
  await postEvents(psa, token, [
    ...everydayTraffic('org-Acme', 'ACME-DESKTOP-1', utcMidnight(3) + 9 * HOUR_MS, 30),
    ...everydayTraffic('org-Hooli', 'HOOLI-MAC-2', utcMidnight(1) + 9 * HOUR_MS, 12),
    ...c2Calls('org-Acme', 'ACME-LAPTOP-3', utcMidnight(3) + 13 * HOUR_MS, 3),
  ]);
});
let collectorToken = '';
afterAll(async () => {
  await closeBrowser();
  await psa?.close();
});

describe('the threshold simulator', () => {
  it("shows per customer and day the tickets a proposed rule would raise — the engine's count on the same events", async () => {
    // Two days of a customer's past: three machines in one four-hour window (4, 7 and 9 blocks),
    // one of them again the next day (8 blocks). The default rule (more than 10) raised nothing.
    const day = utcMidnight(3);
    const sample = (org: string): SampleEvent[] => [
      ...c2Calls(org, 'PC-4', day + 8 * HOUR_MS, 4),
      ...c2Calls(org, 'PC-7', day + 8 * HOUR_MS, 7),
      ...c2Calls(org, 'PC-9', day + 9 * HOUR_MS, 9),
      ...c2Calls(org, 'PC-7', day + DAY_MS + 8 * HOUR_MS, 8),
    ];
    await postEvents(psa, collectorToken, sample('org-Initech'));
    await drained(psa, providerId);
    const tracked = async (customer: string) =>
      (await delivery(services()).tracks(providerId, { customerId: customers[customer] })).filter(
        (t) => t.psaTicketId !== null,
      );
    expect(await tracked('Initech')).toEqual([]);

    // Propose "more than 5" and simulate before saving.
    const { page, context, errors } = await consolePage(ADMIN);
    await page.goto(`${consoleUrl()}/#/ticketing`);
    await page.getByRole('heading', { name: 'Ticketing', level: 1 }).waitFor();
    await page.getByRole('spinbutton', { name: 'Threshold' }).fill('5');
    await page.getByLabel('From (UTC day)').fill(dayText(day - DAY_MS));
    await page.getByRole('button', { name: 'Simulate' }).click();
    const total = page.getByTestId('simulation-total');
    await total.getByText('Tickets the rule as edited would have raised: 2').waitFor();
    await page.getByText('(the saved rule: 0)').waitFor();
    const rows = async () =>
      (await page.getByTestId('simulation-row').allInnerTexts()).map((r) =>
        r.split('\t').map((c) => c.trim()),
      );
    expect(await rows()).toEqual([['Initech', dayText(day), '2']]);
    await page.screenshot({ path: screenshotPath('console-simulator-proposed'), fullPage: true });

    // Save the rule; the same events arrive for another customer: the engine raises what was predicted.
    await page.getByRole('button', { name: 'Save rule' }).click();
    await page.getByText('The rule was saved.').waitFor();
    await postEvents(psa, collectorToken, sample('org-Globex'));
    await drained(psa, providerId);
    const raised = await tracked('Globex');
    expect(raised.map((t) => t.identity).sort()).toEqual(['PC-7', 'PC-9']);
    const admin = await psa.adminKey();
    for (const t of raised) {
      const ticket = await psaRest(psa, admin.authorization, 'GET', `/service/tickets/${t.psaTicketId}`);
      expect((ticket.body as { company: { identifier: string } }).company.identifier).toBe('Globex');
    }

    // The saved rule, simulated again over the same days: Globex's count is the engine's.
    await page.getByRole('button', { name: 'Simulate' }).click();
    await total.getByText('Tickets the rule as edited would have raised: 4').waitFor();
    await page.getByText('(the saved rule: 4)').waitFor();
    expect(await rows()).toEqual([
      ['Globex', dayText(day), String(raised.length)],
      ['Initech', dayText(day), '2'],
    ]);
    await page.screenshot({ path: screenshotPath('console-simulator-saved'), fullPage: true });

    // A customer's override counts too: Initech raises only for more than 8 (PC-9's 9 blocks).
    await page.getByLabel('Customer', { exact: true }).selectOption({ label: 'Initech' });
    await page.getByRole('button', { name: 'Add override' }).click();
    const editor = page.getByRole('form', { name: 'Override for Initech' });
    await editor.getByRole('spinbutton', { name: 'Threshold' }).fill('8');
    await editor.getByRole('button', { name: 'Save override' }).click();
    await page.getByRole('cell', { name: 'Threshold: 8' }).waitFor();
    await page.getByRole('button', { name: 'Simulate' }).click();
    await total.getByText('Tickets the rule as edited would have raised: 3').waitFor();
    expect(await rows()).toEqual([
      ['Globex', dayText(day), '2'],
      ['Initech', dayText(day), '1'],
    ]);
    expect(errors).toEqual([]);
    await context.close();
  });
});

describe('customers', () => {
  it('exports the mappings as CSV and imports them back with a report per line', async () => {
    const { page, context, errors } = await consolePage(ADMIN);
    await open(page, '#/customers', { heading: 'Customers' });
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Export mappings (CSV)' }).click(),
    ]);
    const exported = readFileSync((await download.path())!, 'utf8');
    expect(exported).toContain(`${customers.Acme},Acme,AcmeCorp,Acme Corporation,mapped`);
    expect(exported).toContain(`${customers.Hooli},Hooli,,,unmapped`);
    await page
      .getByRole('textbox', { name: 'CSV text' })
      .fill('customer_name,psa_company_identifier\nHooli,NoSuchCompany\nInitech,Initech\n');
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByText('Applied: 0, unchanged: 1, lines with errors: 1.').waitFor();
    await page.getByText("Line 2: no company with the identifier 'NoSuchCompany' in the PSA").waitFor();
    expect(errors).toEqual([]);
    await context.close();
  });
});

describe('every page', () => {
  const routes = () => [
    '#/dashboard',
    `#/dashboard/customers/${customers.Acme}`,
    '#/customers',
    `#/customers/${customers.Acme}`,
    '#/settings/psa-integration',
    '#/ticketing',
    '#/config-sync',
    '#/activity/customers',
    '#/activity/writes',
    '#/activity/audit',
  ];

  const english = keysOf(catalogue('en'));
  it.each(LANGUAGES)('is in %s without a missing key', async (lang) => {
    const t = catalogue(lang);
    const { page, context, errors } = await consolePage(ADMIN, { locale: lang });
    await page.goto(`${consoleUrl()}/#/dashboard`);
    const headings = [
      text(t, 'dashboard.title', { provider: 'Contoso MSSP' }),
      'Acme',
      text(t, 'customers.title'),
      'Acme',
      text(t, 'nav.settings', { kind: 'MSSP' }),
      text(t, 'ticketing.title'),
      text(t, 'configSync.title'),
      text(t, 'activity.title'),
      text(t, 'activity.title'),
      text(t, 'activity.title'),
    ];
    const shown: string[] = [];
    for (const [i, hash] of routes().entries()) {
      await open(page, hash, { heading: headings[i]!, loading: text(t, 'app.loading') });
      const body = (await page.locator('body').textContent()) ?? '';
      // A key standing alone (not part of a longer name, such as the audit log's 'psa-integration.saved').
      shown.push(...english.filter((key) => keyPattern(key).test(body)).map((key) => `${hash}: ${key}`));
      if (hash === '#/settings/psa-integration') {
        await page.getByText(text(t, 'help.s1')).waitFor();
        await page.getByText(text(t, 'help.here', { kind: 'MSSP' })).waitFor();
        await page.screenshot({ path: screenshotPath(`console-settings-${lang}`), fullPage: true });
      }
    }
    expect(await page.locator('html').getAttribute('lang')).toBe(lang);
    expect(shown, `keys shown instead of text in ${lang}`).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('asks for a sign-in; a read-only user signs in by keyboard and cannot change settings; no page scrolls sideways', async () => {
    const { page, context, errors } = await newPage(consoleUrl()).then(async (p) => ({
      ...p,
      errors: [] as string[],
    }));
    page.on('pageerror', (e) => errors.push(e.message));
    const answers: Array<[string, number]> = [];
    page.on('response', (r) => {
      if (r.url().includes('/api/v1/')) answers.push([new URL(r.url()).pathname, r.status()]);
    });
    for (const hash of ['', ...routes()]) {
      await page.goto(`${consoleUrl()}/${hash}`);
      await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
    }
    // Nothing but the session check was asked, and it was refused.
    expect(new Set(answers.map(([p, s]) => `${p} ${s}`))).toEqual(new Set(['/api/v1/session 401']));

    // Sign-in from the keyboard: Tab to the email, type, Tab to the password, type, Enter.
    await page.getByLabel('Email').focus();
    await page.keyboard.type(VIEWER);
    await page.keyboard.press('Tab');
    await page.keyboard.type(VIEWER_PASSWORD);
    await page.keyboard.press('Enter');
    await page.getByText('Victor Viewer').waitFor();
    await open(page, '#/dashboard', { heading: 'Dashboard — Contoso MSSP' });

    await open(page, '#/settings/psa-integration');
    await page.getByText('Your role is read-only: you can see these settings but not change them.').waitFor();
    const credentials = page.getByRole('group', { name: 'Credentials' });
    expect(await credentials.getByLabel('Enabled').isDisabled()).toBe(true);
    expect(await credentials.getByLabel('Public API Key').isDisabled()).toBe(true);
    expect(await credentials.getByRole('button', { name: 'Save', exact: true }).isDisabled()).toBe(true);
    await page.screenshot({ path: screenshotPath('console-read-only-settings'), fullPage: true });
    await open(page, '#/ticketing');
    expect(await page.getByRole('spinbutton', { name: 'Threshold' }).isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Save rule' }).isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Read the lists from the PSA' }).isDisabled()).toBe(true);
    expect(await page.getByRole('link', { name: 'New rule' }).count()).toBe(0);
    // Simulating changes nothing: a read-only user may.
    expect(await page.getByRole('button', { name: 'Simulate' }).isDisabled()).toBe(false);
    await open(page, '#/customers');
    expect(await page.getByRole('button', { name: 'Add customer' }).isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Import' }).isDisabled()).toBe(true);
    await open(page, `#/customers/${customers.Hooli}`);
    expect(await page.getByRole('button', { name: 'Add binding' }).isDisabled()).toBe(true);
    await open(page, '#/config-sync');
    expect(await page.getByRole('button', { name: 'Sync now' }).isDisabled()).toBe(true);
    await open(page, '#/activity/audit');
    await page.getByText('Only admins can read the audit log.').waitFor();

    // The server refuses what the screens do not offer, even with the session's CSRF token.
    const statuses = await page.evaluate(async () => {
      const s = (await (await fetch('/api/v1/session')).json()) as { csrfToken: string };
      const send = async (method: string, path: string, body: unknown) =>
        (
          await fetch(`/api/v1${path}`, {
            method,
            headers: { 'content-type': 'application/json', 'x-csrf-token': s.csrfToken },
            body: JSON.stringify(body),
          })
        ).status;
      return [
        await send('PUT', '/psa-integration', {
          enabled: false,
          site: 'x.example',
          companyId: 'x',
          clientId: 'x',
        }),
        await send('PATCH', '/ticket-rules/1', { settings: { threshold: 1 } }),
        await send('POST', '/config-sync/run', {}),
        await send('POST', '/customers', { name: 'Sneaky' }),
      ];
    });
    expect(statuses).toEqual([403, 403, 403, 403]);

    // Every page at 1280×800, then at phone width: nothing scrolls sideways.
    for (const size of [
      { width: 1280, height: 800 },
      { width: 390, height: 844 },
    ]) {
      await page.setViewportSize(size);
      for (const hash of routes()) {
        await open(page, hash);
        await expectNoHorizontalOverflow(page);
      }
    }
    await open(page, '#/dashboard');
    await page.screenshot({ path: screenshotPath('console-dashboard-phone'), fullPage: true });
    await open(page, '#/settings/psa-integration');
    await page.screenshot({ path: screenshotPath('console-settings-phone'), fullPage: true });
    expect(errors).toEqual([]);
    await context.close();
  });
});

describe('PSA Integration Details', () => {
  it('shows the exact fix when the role lacks "Service / Priority", in the chosen language', async () => {
    const allowed = ARTICLE_ROLE.allowed[CUSTOMIZE.systemTableSetup]!;
    const lacking = await psa.apiMemberWithKey('NoPriority', {
      ...ARTICLE_ROLE,
      name: 'No priority',
      allowed: { [CUSTOMIZE.systemTableSetup]: allowed.filter((t) => t !== TABLE.priority) },
    });
    const { page, context, errors } = await consolePage(ADMIN);
    await page.goto(`${consoleUrl()}/#/settings/psa-integration`);
    await page.getByRole('heading', { name: 'MSSP Settings', level: 1 }).waitFor();
    const credentials = page.getByRole('group', { name: 'Credentials' });
    await credentials.getByLabel('Public API Key').fill(lacking.publicKey);
    await credentials.getByLabel('Private API Key').fill(lacking.privateKey);
    await credentials.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Checks that failed: 1. Each says what to change.').waitFor({ timeout: 30_000 });

    // The failing row and its fix, word for word as the server put it.
    const session = await openSession(psa, ADMIN);
    const view = await call<{ preflight: { steps: Array<{ id: string; status: string; fix?: string }> } }>(
      psa,
      session,
      'GET',
      '/api/v1/psa-integration',
    );
    const failing = view.body.preflight.steps.filter((s) => s.status === 'fail');
    expect(failing).toEqual([
      {
        id: 'tableSetup.allow.priority',
        label: 'System → Table Setup → customize: Service / Priority in Allow Access to these',
        status: 'fail',
        fix: 'System → Table Setup → customize: allow Service / Priority',
        detail: expect.any(String),
      },
    ]);
    const row = page.locator('[data-step="tableSetup.allow.priority"]');
    await row
      .getByText('System → Table Setup → customize: Service / Priority in Allow Access to these')
      .waitFor();
    expect((await row.locator('.fix-line').allInnerTexts()).map((s) => s.trim())).toEqual([failing[0]!.fix]);
    expect(await page.locator('[data-step].fail').count()).toBe(1);
    await page.screenshot({ path: screenshotPath('console-preflight-fix-en'), fullPage: true });

    // The same result in German: the row and the fix in the PSA's German names.
    await page.getByLabel('Language').selectOption('de');
    await row.getByText('System → Tabelleneinrichtung → anpassen: Service / Priorität erlauben').waitFor();
    await page.screenshot({ path: screenshotPath('console-preflight-fix-de'), fullPage: true });

    // Fixed in the PSA as the fix says: the checks pass again.
    const role = await psa.running.psa.services.admin.getRole('No priority NoPriority');
    await psa.running.psa.services.admin.updateRole(
      role.id,
      { allowLists: { [CUSTOMIZE.systemTableSetup]: [...allowed] } },
      'test',
    );
    await page.getByRole('button', { name: 'Erneut prüfen' }).click();
    await page
      .getByText('Alle Prüfungen bestanden: Die Integration kann arbeiten.')
      .waitFor({ timeout: 30_000 });
    expect(errors).toEqual([]);
    await context.close();
  });
});
