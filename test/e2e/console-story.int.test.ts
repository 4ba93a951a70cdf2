// The whole story in real Chromium from a fresh start (CON-12, issue 7): in the PSA admin UI the
// article's role, API member and key; in the console UI sign-in, MSP Settings → PSA Integration
// Details (Enabled, the keys, Save → the preflight passes), a customer mapped to its PSA company with
// its event source, the ticket's board picked from the PSA's lists; then a sample log in which one
// machine keeps calling command-and-control domains; "sync now"; and in the PSA the customer's
// configuration with its answers and the ticket on the service board. A screenshot of every step is
// kept in test-results/screenshots (console-story-*.png).
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { delivery } from '../../src/console/delivery/index.js';
import { remoteSources } from '../../src/console/sources-remote/index.js';
import { psaRest } from '../console/support.js';
import { startTestPsa, type TestPsa } from '../support/psa-server.js';
import {
  createApiKey,
  createApiMember,
  createArticleRole,
  expectNoHorizontalOverflow,
  newPage,
  signInByKeyboard,
  until,
} from './browser-steps.js';
import {
  c2Calls,
  consoleProvider,
  dayText,
  drained,
  everydayTraffic,
  HOUR_MS,
  postEvents,
  utcMidnight,
} from './console-support.js';
import { closeBrowser, screenshotPath, setPassword } from './psa-support.js';

const PSA_PASSWORD = 'psa admin password 1';
const EMAIL = 'owner@msp.example';
const PASSWORD = 'console password 1';

describe('the whole story, from a fresh start', () => {
  let psa: TestPsa;
  let providerId: number;
  /** The PSA admin UI's page and the console UI's page, shared by the steps (each needs the one before). */
  let psaUi: { context: BrowserContext; page: Page };
  let page: Page;
  let keys: { publicKey: string; privateKey: string };
  let ticketId: number;
  const pageErrors: string[] = [];
  const yesterday = utcMidnight(1);
  const shot = (p: Page, name: string) =>
    p.screenshot({ path: screenshotPath(`console-story-${name}`), fullPage: true });
  beforeAll(async () => {
    // The PSA with its companies and boards (the demo data); the console with one MSP and its admin.
    psa = await startTestPsa({ demo: true, delivery: true, logLevel: 'warn' });
    await setPassword(psa.running.psa.services, 'admin', PSA_PASSWORD);
    providerId = await consoleProvider(psa, { name: 'Northwind MSP', kind: 'MSP' }, [
      { email: EMAIL, name: 'Olivia Owner', role: 'admin', password: PASSWORD },
    ]);
  });
  afterAll(async () => {
    await closeBrowser();
    await psa?.close();
  });

  it("in the PSA UI: the article's role, API member and key, by clicking", async () => {
    psaUi = await newPage(psa.origin);
    await psaUi.page.goto(`${psa.origin}/#/system/security-roles`);
    await signInByKeyboard(psaUi.page, 'admin', PSA_PASSWORD);
    await createArticleRole(psaUi.page, 'Parasol');
    await createApiMember(psaUi.page, { identifier: 'parasol', name: 'Parasol', role: 'Parasol' });
    keys = await createApiKey(psaUi.page, 'Parasol console');
    await shot(psaUi.page, '01-psa-keys');
  });

  it('in the console UI: sign-in, MSP Settings → PSA Integration Details, Save → the preflight passes', async () => {
    ({ page } = await newPage(psa.running.console.url));
    page.on('pageerror', (e) => pageErrors.push(e.message));
    const base = psa.running.console.url;
    await page.goto(`${base}/`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard — Northwind MSP' }).waitFor();
    await shot(page, '02-console-signed-in');

    // 3. MSP Settings → PSA Integration Details → Enabled (under Credentials), the keys → Save.
    await page.getByRole('link', { name: 'MSP Settings' }).click();
    await page.getByRole('heading', { name: 'MSP Settings', level: 1 }).waitFor();
    await page.getByRole('heading', { name: 'PSA Integration Details' }).waitFor();
    const credentials = page.getByRole('group', { name: 'Credentials' });
    await credentials.getByLabel('Enabled').check();
    await credentials.getByLabel('Site').fill(psa.hostPort);
    await credentials.getByLabel('Company ID').fill(psa.companyId);
    await credentials.getByLabel('Public API Key').fill(keys.publicKey);
    await credentials.getByLabel('Private API Key').fill(keys.privateKey);
    await credentials.getByLabel('Client ID').fill(psa.clientId);
    // The built-in PSA's certificate is self-signed: the console trusts it only when it is given.
    await credentials.getByText('Advanced').click();
    await credentials.getByLabel('Trusted CA certificate (PEM)').fill(psa.ca);
    await page.getByRole('complementary', { name: 'Creating the keys in ConnectWise' }).waitFor();
    await credentials.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('All checks passed: the integration can work.').waitFor({ timeout: 30_000 });
    expect(await page.locator('[data-step].fail').count()).toBe(0);
    expect(await page.locator('[data-step].pass').count()).toBe(16);
    // The keys are not shown again: the fields are empty, their hints masked.
    expect(await credentials.getByLabel('Private API Key').inputValue()).toBe('');
    expect(await page.content()).not.toContain(keys.privateKey);
    await expectNoHorizontalOverflow(page);
    await shot(page, '03-psa-integration-details');
  });

  it("a customer mapped with its first suggestion, its event source, the ticket fields from the PSA's lists", async () => {
    // 4. Customers: add one, map it with the first suggestion, bind its event source.
    await page.getByRole('link', { name: 'Customers' }).click();
    await page.getByRole('heading', { name: 'Customers', level: 1 }).waitFor();
    await page.getByLabel('Name').fill('Acme Corp');
    await page.getByLabel('Seats').fill('25');
    await page.getByRole('button', { name: 'Add customer' }).click();
    await page.getByRole('link', { name: 'Acme Corp' }).click();
    await page.getByRole('heading', { name: 'Acme Corp', level: 1 }).waitFor();
    const suggestion = page.getByRole('button', { name: 'Map to Acme Corporation' });
    await suggestion.click();
    await page.getByText('Mapped to AcmeCorp.').waitFor();
    await page.getByLabel('Kind').selectOption({ label: 'NDJSON orgId' });
    await page.getByLabel('Value').fill('org-acme');
    await page.getByRole('button', { name: 'Add binding' }).click();
    await page.getByRole('cell', { name: 'org-acme', exact: true }).waitFor();
    await shot(page, '04-customer-mapped');

    // 5. Ticketing: the ticket's board, status, priority and type picked from the PSA's own lists.
    await page.getByRole('link', { name: 'Ticketing' }).click();
    await page.getByRole('button', { name: 'Read the lists from the PSA' }).click();
    await page.getByText(/The PSA's lists were read/).waitFor();
    await page.getByLabel('Board', { exact: true }).selectOption({ label: 'Service Board' });
    await page.getByLabel('Status', { exact: true }).selectOption({ label: 'New' });
    await page.getByLabel('Priority', { exact: true }).selectOption({ label: 'Priority 2 - Quick Response' });
    await page.getByLabel('Type', { exact: true }).selectOption({ label: 'Security Incident' });
    await page.getByLabel('Subtype', { exact: true }).selectOption({ label: 'Command and Control' });
    await page.getByLabel('Item', { exact: true }).selectOption({ label: 'Workstation' });
    await page.getByRole('button', { name: 'Save rule' }).click();
    await page.getByText('The rule was saved.').waitFor();
    await shot(page, '05-ticketing-rule');
  });

  it('a sample log where one machine keeps calling command-and-control servers → a ticket, on the dashboard', async () => {
    // 6. A sample log of the last complete UTC day: one laptop keeps calling command-and-control
    // servers (30 blocks within an hour), two others browse as usual.
    const { token } = await remoteSources(psa.running.console.services).tokens.create(
      providerId,
      { name: 'collector' },
      'test',
    );
    await postEvents(psa, token, [
      ...everydayTraffic('org-acme', 'ACME-DESKTOP-1', yesterday + 8 * HOUR_MS, 40),
      ...everydayTraffic('org-acme', 'ACME-DESKTOP-2', yesterday + 9 * HOUR_MS, 25),
      ...c2Calls('org-acme', 'ACME-LAPTOP-7', yesterday + 10 * HOUR_MS, 30),
    ]);
    await drained(psa, providerId);
    const tracks = await delivery(psa.running.console.services).tracks(providerId, {});
    expect(tracks.map((t) => [t.identity, t.state])).toEqual([['ACME-LAPTOP-7', 'open']]);
    ticketId = tracks[0]!.psaTicketId!;
    expect(ticketId).toBeGreaterThan(0);

    // The dashboard: Acme first (an open ticket), its blocks and identities counted.
    await page.getByRole('link', { name: 'Dashboard' }).click();
    await page.getByRole('heading', { name: 'Dashboard — Northwind MSP' }).waitFor();
    const row = page.getByTestId('attention-row').first();
    await row.getByRole('link', { name: 'Acme Corp' }).waitFor();
    await row.getByText('Open tickets').waitFor();
    expect(await page.getByTestId('figure-securityBlocks').locator('dd').textContent()).toBe('30');
    expect(await page.getByTestId('figure-identities').locator('dd').textContent()).toBe('3');
    expect(await page.getByTestId('figure-ticketsRaised').locator('dd').textContent()).toBe('1');
    await shot(page, '06-dashboard');
  });

  it('"sync now"; in the PSA UI the configuration with its answers and the ticket on the service board', async () => {
    // 7. Configuration sync → "Sync now".
    await page.getByRole('link', { name: 'Configuration sync' }).click();
    await page.getByRole('button', { name: 'Sync now' }).click();
    await page.getByText(`Configurations queued for the PSA: 1 (counts of ${dayText(yesterday)}).`).waitFor();
    await drained(psa, providerId);
    const syncRow = page.getByTestId('sync-row').filter({ hasText: 'Acme Corp' });
    await until(
      async () => !/—/.test((await syncRow.locator('td').nth(1).textContent()) ?? '—'),
      30_000,
      'the sync',
    );
    await shot(page, '07-configuration-sync');

    // 8. In the PSA: the customer's configuration, its answers the counts of that day.
    await psaUi.page.goto(`${psa.origin}/#/companies/configurations`);
    await psaUi.page.getByRole('link', { name: 'DNS Security - Acme Corp' }).click();
    const answer = (q: string) => psaUi.page.getByLabel(q, { exact: true });
    await until(async () => (await answer('DNS requests').inputValue()) === '95', 10_000, 'the answers');
    expect(await answer('Blocked requests').inputValue()).toBe('30');
    expect(await answer('Security blocks: Command and control').inputValue()).toBe('30');
    expect(await answer('Active identities').inputValue()).toBe('3');
    expect(await answer('Infections contained').inputValue()).toBe('1');
    await shot(psaUi.page, '08-psa-configuration');

    // 9. In the PSA: the ticket on the service board view.
    await psaUi.page.goto(`${psa.origin}/#/service-board`);
    await psaUi.page.getByLabel('Board', { exact: true }).selectOption({ label: 'Service Board' });
    await psaUi.page.getByLabel('Status', { exact: true }).selectOption({ label: 'New' });
    await psaUi.page.getByRole('link', { name: String(ticketId), exact: true }).click();
    await psaUi.page
      .getByText(/ACME-LAPTOP-7/)
      .first()
      .waitFor();
    await shot(psaUi.page, '09-psa-ticket');
    const admin = await psa.adminKey();
    const ticket = (await psaRest(psa, admin.authorization, 'GET', `/service/tickets/${ticketId}`)).body as {
      company: { identifier: string };
      priority: { name: string };
      type: { name: string };
    };
    expect(ticket.company.identifier).toBe('AcmeCorp');
    expect(ticket.priority.name).toBe('Priority 2 - Quick Response');
    expect(ticket.type.name).toBe('Security Incident');

    // 10. Activity: every PSA write logged.
    await page.getByRole('link', { name: 'Activity' }).click();
    await page.getByRole('tab', { name: 'PSA write log' }).click();
    await page.getByTestId('write-row').first().waitFor();
    await page
      .getByRole('cell', { name: /POST \/service\/tickets/ })
      .first()
      .waitFor();
    await shot(page, '10-activity');
    expect(pageErrors).toEqual([]);
  });
});
