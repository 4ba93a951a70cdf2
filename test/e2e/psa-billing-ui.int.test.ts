// Issue 17 in real Chromium: a company's screen in the PSA admin UI shows its agreement and the
// agreement's additions (the demo's stale Globex seat addition), in English and in German, with the
// labels from the catalogues and numbers and dates in the language's format.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SEAT_PRODUCT, DEMO_STALE_SEATS } from '../../src/psa/service/seed.js';
import { startTestPsa, type TestPsa } from '../support/psa-server.js';
import { expectNoHorizontalOverflow, newPage, psaSignedInContext } from './browser-steps.js';
import { closeBrowser, screenshotPath, setPassword } from './psa-support.js';

const PASSWORD = 'admin password 1';
interface Labels {
  [key: string]: string;
}
/** The `agreements` block of a language's catalogue (statuses flattened as `statuses.Active`). */
function labels(lang: string): Labels {
  const all = JSON.parse(readFileSync(`web/i18n/locales/${lang}/ui.json`, 'utf8')) as {
    agreements: Record<string, string | Record<string, string>>;
  };
  const out: Labels = {};
  for (const [k, v] of Object.entries(all.agreements)) {
    if (typeof v === 'string') out[k] = v;
    else for (const [kk, vv] of Object.entries(v)) out[`${k}.${kk}`] = vv;
  }
  return out;
}

afterAll(async () => closeBrowser());

describe("a company's agreements and their additions in the PSA admin UI", () => {
  let psa: TestPsa;
  beforeAll(async () => {
    psa = await startTestPsa({ logLevel: 'warn' });
    await setPassword(psa.running.psa.services, 'admin', PASSWORD);
  });
  afterAll(async () => psa?.close());

  const companyId = async (identifier: string) => {
    const rows = await psa.running.psa.services.records.findByText('company', ['identifier'], identifier);
    return rows[0]!.id;
  };

  for (const [lang, quantity, price] of [
    ['en', '12', '3.5'],
    ['de', '12', '3,5'],
  ] as const) {
    it(`shows the agreement with its seat addition (${lang})`, async () => {
      const l = labels(lang);
      const t = (key: string): string => {
        const text = l[key];
        if (text === undefined) throw new Error(`no label agreements.${key} in ${lang}`);
        return text;
      };
      const { page, context, base } = await newPage(psa.origin, { locale: lang });
      await psaSignedInContext(psa, context, 'admin', PASSWORD);
      await page.goto(`${base}/#/companies/${await companyId(DEMO_STALE_SEATS.company)}`);
      await page.getByRole('heading', { name: t('title'), exact: true }).waitFor();
      const name = 'Globex Industries - Managed Services';
      const agreement = page.getByRole('article', { name });
      await agreement.getByText('Managed Services', { exact: true }).waitFor();
      const table = agreement.getByRole('table', { name: t('additionsOf').replace('{{name}}', name) });
      await table.waitFor();
      const header = (await table.locator('thead th').allTextContents()).map((s) => s.trim());
      expect(header).toEqual([
        t('product'),
        t('quantity'),
        t('lessIncluded'),
        t('billedQuantity'),
        t('unitPrice'),
        t('effectiveDate'),
        t('cancelledDate'),
        t('status'),
      ]);
      const cells = (await table.locator('tbody tr').first().locator('td').allTextContents()).map((s) =>
        s.trim(),
      );
      expect(cells[0]).toContain(DEMO_SEAT_PRODUCT);
      expect(cells.slice(1, 5)).toEqual([quantity, '0', quantity, price]);
      expect(cells[5]).toContain('2026');
      expect(cells[7]).toBe(t('statuses.Active'));
      expect(await table.locator('tbody tr').count()).toBe(1);
      await expectNoHorizontalOverflow(page);
      await page.screenshot({ path: screenshotPath(`company-agreements-${lang}`), fullPage: true });

      // A customer whose agreement has no addition yet says so.
      await page.goto(`${base}/#/companies/${await companyId('AcmeCorp')}`);
      const acme = page.getByRole('article', { name: 'Acme Corporation - Managed Services' });
      await acme.getByText(t('noAdditions'), { exact: true }).waitFor();
      await context.close();
    });
  }
});
