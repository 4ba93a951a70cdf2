// A new provider's first visit to the console in real Chromium (issue 18): the dashboard shows the
// three setup steps instead of empty charts, each link opens its screen, each step turns done as the
// admin completes it on that screen (PSA Integration Details saved and passing, a customer added, a
// source bound), and once a collector's first DNS logs are counted the charts replace the steps —
// without a reload (the dashboard reads the steps again every few seconds). Screenshots in
// test-results/screenshots (console-setup-*.png).
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { remoteSources } from '../../src/console/sources-remote/index.js';
import { ARTICLE_ROLE } from '../../src/psa/catalog/index.js';
import { startTestPsa, type TestKey, type TestPsa } from '../support/psa-server.js';
import { expectNoHorizontalOverflow, newPage } from './browser-steps.js';
import {
  consoleProvider,
  consoleSignedIn,
  everydayTraffic,
  HOUR_MS,
  postEvents,
  utcMidnight,
} from './console-support.js';
import { closeBrowser, screenshotPath } from './psa-support.js';

const ADMIN = 'owner@fresh-msp.example';
const TITLE = 'Dashboard — Fresh MSP';
const STEPS = ['psa', 'customers', 'bindings'] as const;

let psa: TestPsa;
let providerId: number;
let key: TestKey;

beforeAll(async () => {
  psa = await startTestPsa({ demo: true, logLevel: 'warn' });
  providerId = await consoleProvider(psa, { name: 'Fresh MSP', kind: 'MSP' }, [
    { email: ADMIN, name: 'Frida Fresh', role: 'admin', password: 'fresh password 1' },
  ]);
  key = await psa.apiMemberWithKey('parasol-fresh', ARTICLE_ROLE);
});
afterAll(async () => {
  await closeBrowser();
  await psa?.close();
});

const step = (page: Page, id: (typeof STEPS)[number]) => page.getByTestId(`setup-step-${id}`);

/** Each step's badge, in order ('Done' or 'To do'). */
async function states(page: Page): Promise<string[]> {
  return Promise.all(STEPS.map(async (id) => (await step(page, id).locator('.badge').textContent()) ?? ''));
}

/** Back to the dashboard by its navigation link, once it has read the steps. */
async function dashboard(page: Page): Promise<void> {
  await page.getByRole('navigation').getByRole('link', { name: 'Dashboard', exact: true }).click();
  await page.getByRole('heading', { name: TITLE, level: 1 }).waitFor();
  await step(page, 'psa').waitFor();
}

describe("a new provider's dashboard", () => {
  it('shows the three setup steps with working links, each done when done, then the charts once data arrives', async () => {
    const { page, context } = await newPage(psa.running.console.url);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await consoleSignedIn(psa, context, ADMIN);
    await page.goto(`${psa.running.console.url}/#/dashboard`);
    await page.getByRole('heading', { name: TITLE, level: 1 }).waitFor();
    await page.getByRole('heading', { name: 'Three steps to your first dashboard', level: 2 }).waitFor();
    expect(await states(page)).toEqual(['To do', 'To do', 'To do']);
    expect(await page.locator('.setup-step h3 a').allTextContents()).toEqual([
      'Connect the PSA',
      'Add or import customers',
      'Bind their logs',
    ]);
    await step(page, 'customers').getByText('Customers: 0').waitFor();
    // No empty charts, figures or customer table.
    expect(await page.getByRole('figure').count()).toBe(0);
    expect(await page.getByTestId('figure-requests').count()).toBe(0);
    await expectNoHorizontalOverflow(page);
    await page.screenshot({ path: screenshotPath('console-setup-new'), fullPage: true });

    // 1. Connect the PSA: the link opens PSA Integration Details; saved and checked, the step is done.
    await step(page, 'psa').getByRole('link', { name: 'Connect the PSA' }).click();
    await page.getByRole('heading', { name: 'MSP Settings', level: 1 }).waitFor();
    await page.getByRole('heading', { name: 'PSA Integration Details', level: 2 }).waitFor();
    expect(page.url()).toBe(`${psa.running.console.url}/#/settings/psa-integration`);
    const credentials = page.getByRole('group', { name: 'Credentials' });
    await credentials.getByLabel('Enabled').check();
    await credentials.getByLabel('Site').fill(psa.hostPort);
    await credentials.getByLabel('Company ID').fill(psa.companyId);
    await credentials.getByLabel('Public API Key').fill(key.publicKey);
    await credentials.getByLabel('Private API Key').fill(key.privateKey);
    await credentials.getByLabel('Client ID').fill(psa.clientId);
    await credentials.getByText('Advanced').click();
    await credentials.getByLabel('Trusted CA certificate (PEM)').fill(psa.ca);
    await credentials.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('All checks passed: the integration can work.').waitFor({ timeout: 30_000 });
    await dashboard(page);
    expect(await states(page)).toEqual(['Done', 'To do', 'To do']);

    // 2. Add or import customers: the link opens Customers; one added, the step is done and step 3
    // links to that customer's page (where its event sources are bound).
    await step(page, 'customers').getByRole('link', { name: 'Add or import customers' }).click();
    await page.getByRole('heading', { name: 'Customers', level: 1 }).waitFor();
    await page.getByLabel('Name').fill('Acme Corp');
    await page.getByRole('button', { name: 'Add customer' }).click();
    await page.getByText('Acme Corp was added.').waitFor();
    await dashboard(page);
    expect(await states(page)).toEqual(['Done', 'Done', 'To do']);
    await step(page, 'customers').getByText('Customers: 1').waitFor();

    // 3. Bind their logs: the link opens Acme's page; a binding added, every step is done.
    await step(page, 'bindings').getByRole('link', { name: 'Bind their logs' }).click();
    await page.getByRole('heading', { name: 'Acme Corp', level: 1 }).waitFor();
    await page.getByRole('heading', { name: 'Event sources' }).waitFor();
    await page.getByLabel('Kind').selectOption({ label: 'NDJSON orgId' });
    await page.getByLabel('Value').fill('org-acme');
    await page.getByRole('button', { name: 'Add binding' }).click();
    await page.getByRole('cell', { name: 'org-acme', exact: true }).waitFor();
    await dashboard(page);
    expect(await states(page)).toEqual(['Done', 'Done', 'Done']);
    await step(page, 'bindings').getByText('Source bindings: 1').waitFor();
    await page
      .getByText(
        'All three steps are done: the charts appear here as soon as the first DNS logs are counted.',
      )
      .waitFor();
    expect(await page.getByRole('figure').count()).toBe(0);
    await page.screenshot({ path: screenshotPath('console-setup-done'), fullPage: true });

    // The first logs arrive from a collector: the charts replace the steps on the open page.
    const { token } = await remoteSources(psa.running.console.services).tokens.create(
      providerId,
      { name: 'collector' },
      'test',
    );
    await postEvents(
      psa,
      token,
      everydayTraffic('org-acme', 'ACME-DESKTOP-1', utcMidnight(1) + 9 * HOUR_MS, 20),
    );
    await page
      .getByRole('figure', { name: 'DNS requests and blocked requests per day' })
      .waitFor({ timeout: 20_000 });
    expect(await page.getByTestId('figure-requests').locator('dd').textContent()).toBe('20');
    await page.getByTestId('attention-row').getByRole('link', { name: 'Acme Corp' }).waitFor();
    expect(await page.getByTestId('setup-step-psa').count()).toBe(0);
    await page.screenshot({ path: screenshotPath('console-setup-charts'), fullPage: true });
    expect(errors).toEqual([]);
    await context.close();
  });
});
