// The console's Billing screen in real Chromium (issue 17), in two languages: billing settings saved
// through the form, the preview table showing the PSA's quantity, Parasol's, the difference and the
// monthly change for the demo's stale Globex line, and no catalogue key left untranslated.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { delivery } from '../../src/console/delivery/index.js';
import { ARTICLE_ROLE, FN } from '../../src/psa/catalog/index.js';
import { newPage } from '../e2e/browser-steps.js';
import { consoleProvider, consoleSignedIn } from '../e2e/console-support.js';
import { closeBrowser, screenshotPath } from '../e2e/psa-support.js';
import { startTestPsa, type TestPsa } from '../support/psa-server.js';

const ADMIN = 'billing-admin@contoso.example';
let psa: TestPsa;
let providerId: number;

async function billingPage(locale: string): Promise<{ page: Page; errors: string[] }> {
  const { page, context } = await newPage(psa.running.console.url, { locale });
  await consoleSignedIn(psa, context, ADMIN);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${psa.running.console.url}/#/billing`);
  return { page, errors };
}

beforeAll(async () => {
  psa = await startTestPsa({ demo: true, delivery: true, logLevel: 'warn' });
  providerId = await consoleProvider(psa, { name: 'Billing MSP', kind: 'MSP' }, [
    { email: ADMIN, name: 'Bea Billing', role: 'admin', password: 'admin password 1' },
  ]);
  const s = psa.running.console.services;
  const key = await psa.apiMemberWithKey('ParasolBilling', {
    ...ARTICLE_ROLE,
    name: 'Umbrella and billing',
    levels: {
      ...ARTICLE_ROLE.levels,
      [FN.agreements]: { inquire: 'All', edit: 'All', add: 'All' },
      [FN.productCatalog]: { inquire: 'All' },
    },
  });
  await s.integration.save(
    providerId,
    {
      enabled: true,
      site: psa.hostPort,
      trustedCa: psa.ca,
      companyId: psa.companyId,
      clientId: psa.clientId,
      publicKey: key.publicKey,
      privateKey: key.privateKey,
    },
    ADMIN,
  );
  for (const [name, company, seats] of [
    ['Acme', 'AcmeCorp', 10],
    ['Globex', 'Globex', 15],
  ] as const) {
    const c = await s.accounts.createCustomer(providerId, { name, seats }, ADMIN);
    await s.mapping.setMapping(providerId, c.id, { psaCompanyIdentifier: company }, ADMIN);
  }
}, 120_000);

afterAll(async () => {
  await closeBrowser();
  await psa?.close();
});

describe('the Billing screen', () => {
  it('saves the settings and shows the preview, in English', async () => {
    const { page, errors } = await billingPage('en-US');
    await page.getByRole('heading', { name: 'Billing', level: 1 }).waitFor();
    await page.getByLabel('Billing', { exact: true }).selectOption('preview');
    await page.getByLabel('What a seat is').selectOption('configured');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Billing settings saved.').waitFor();
    expect((await delivery(psa.running.console.services).billing.settings(providerId)).mode).toBe('preview');

    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    const globex = page.getByTestId('billing-preview-row').filter({ hasText: 'Globex' });
    await globex.waitFor();
    const cells = await globex.locator('td').allInnerTexts();
    expect(cells.slice(0, 4)).toEqual(['12', '15', '+3', '+10.5']);
    expect(await globex.textContent()).toContain('3 more');
    const acme = await page
      .getByTestId('billing-preview-row')
      .filter({ hasText: 'Acme' })
      .locator('td')
      .allInnerTexts();
    expect(acme.slice(1, 3)).toEqual(['10', '+10']);
    await expect(page.getByTestId('billing-totals').textContent()).resolves.toContain(
      '2 line(s) would change',
    );
    // "Reconcile now" waits for billing to be on.
    expect(await page.getByRole('button', { name: 'Reconcile now' }).isDisabled()).toBe(true);
    await page.screenshot({ path: screenshotPath('console-billing-en.png'), fullPage: true });
    expect(errors).toEqual([]);
  }, 60_000);

  it('shows the same screen in German, with no key untranslated', async () => {
    const { page, errors } = await billingPage('de-DE');
    await page.getByRole('heading', { name: 'Abrechnung', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Vorschau', exact: true }).click();
    await page.getByTestId('billing-preview-row').first().waitFor();
    const body = await page.locator('main').textContent();
    expect(body).toContain('Menge im PSA');
    expect(body).toContain('Was ein Platz ist');
    expect(body).not.toMatch(/billing\.\w/);
    await page.screenshot({ path: screenshotPath('console-billing-de.png'), fullPage: true });
    expect(errors).toEqual([]);
  }, 60_000);
});
