// The PSA admin UI in real Chromium (PSA-9, X-4, X-6), one browser for the whole file:
// the article's steps 1–4 by clicking from a fresh start, then the key pair against the REST API;
// the first screen in six languages (screenshots in test-results/screenshots); sign-in required on
// every page; a read-only member cannot change a role; the other screens with the demo data.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTIONS, ARTICLE_ROLE, CUSTOMIZE, MODULES } from '../../src/psa/catalog/index.js';
import { DEMO_ROLE_NAME } from '../../src/psa/service/seed.js';
import { startTestPsa, type TestPsa } from '../support/psa-server.js';
import {
  createApiKey,
  createApiMember,
  createArticleRole,
  expectNoHorizontalOverflow,
  newPage as newBrowserPage,
  psaSignedInContext as signedInContext,
  signInByKeyboard,
  until,
} from './browser-steps.js';
import { closeBrowser, memberWithPassword, screenshotPath, setPassword } from './psa-support.js';

const PASSWORD = 'admin password 1';
const LANGUAGES = ['en', 'pt-BR', 'es', 'it', 'de', 'nl'] as const;
function ui(lang: string): Record<string, Record<string, string>> {
  return JSON.parse(readFileSync(`web/i18n/locales/${lang}/ui.json`, 'utf8'));
}

const newPage = (psa: TestPsa, options: { locale?: string; width?: number; height?: number } = {}) =>
  newBrowserPage(psa.origin, options);

afterAll(async () => closeBrowser());

describe('the article, steps 1–4, by clicking from a fresh start', () => {
  let psa: TestPsa;
  beforeAll(async () => {
    psa = await startTestPsa({ demo: false, logLevel: 'warn' });
    await setPassword(psa.running.psa.services, 'admin', PASSWORD);
  });
  afterAll(async () => psa?.close());

  it('creates the role, the API member and a key whose pair works against the REST API', async () => {
    const { page, context, base } = await newPage(psa);
    await page.goto(`${base}/#/system/security-roles`);
    await signInByKeyboard(page, 'admin', PASSWORD);

    // 1. System → Security Roles → "+"; 2. a Role ID name; 3. Save; 4. the modules: exactly the
    // article's levels, and System → Table Setup (customize): "Allow Access to these"; 5. Save and close.
    await createArticleRole(page, 'Umbrella');

    const role = await psa.running.psa.services.admin.getRole('Umbrella');
    for (const m of MODULES) {
      for (const f of m.functions) {
        const want = ARTICLE_ROLE.levels[f.id] ?? {};
        const got = role.levels[f.id];
        for (const a of ACTIONS) expect(got?.[a] ?? 'None', `${f.id} ${a}`).toBe(want[a] ?? 'None');
      }
    }
    const allowed = ARTICLE_ROLE.allowed[CUSTOMIZE.systemTableSetup]!;
    expect(role.allowLists).toEqual({ [CUSTOMIZE.systemTableSetup]: [...allowed].sort() });

    // 6.–7. System → Members → API Members → "+", Role ID = the new role, Save.
    await createApiMember(page, { identifier: 'umbrella', name: 'Umbrella', role: 'Umbrella' });
    // 8.–9. API Keys → "+", a Description, Save: both keys shown once, with the warning.
    const { publicKey, privateKey } = await createApiKey(page, 'Umbrella PSA Integration');
    await page.screenshot({ path: screenshotPath('article-step-10-keys-en'), fullPage: true });

    // 10. The pair against the REST API: the article's rights work, anything else is a 403.
    const auth = `Basic ${Buffer.from(`${psa.companyId}+${publicKey}:${privateKey}`).toString('base64')}`;
    const rest = async (method: string, path: string) => {
      const res = await psa.fetch(`${psa.apiBase}${path}`, {
        method,
        headers: { authorization: auth, clientId: psa.clientId },
      });
      await res.arrayBuffer();
      return res.status;
    };
    expect(await rest('GET', '/company/companies')).toBe(200);
    expect(await rest('GET', '/service/priorities')).toBe(200);
    expect(await rest('GET', '/finance/agreements')).toBe(403);
    expect(await rest('GET', '/service/sources')).toBe(403);

    // Reloading shows the key's public part and description only.
    await page.reload();
    await page.getByRole('cell', { name: publicKey, exact: true }).waitFor();
    await page.getByRole('cell', { name: 'Umbrella PSA Integration' }).waitFor();
    expect(await page.getByTestId('private-key').count()).toBe(0);
    expect(await page.content()).not.toContain(privateKey);

    // The calls are in API Logs, the key's creation in History.
    await psa.running.psa.services.apiLog.flush();
    await page.getByRole('tab', { name: 'API Logs' }).click();
    await page.getByRole('cell', { name: '/v4_6_release/apis/3.0/finance/agreements' }).waitFor();
    await page.getByRole('tab', { name: 'History' }).click();
    await page.getByRole('cell', { name: 'API key created' }).waitFor();
    await context.close();
  });
});

describe('with the demo data', () => {
  let psa: TestPsa;
  beforeAll(async () => {
    psa = await startTestPsa({ demo: true, logLevel: 'warn' });
    await setPassword(psa.running.psa.services, 'admin', PASSWORD);
    await memberWithPassword(psa, 'viewer', 'Read Only', 'viewer password 1');
  });
  afterAll(async () => psa?.close());

  it('shows the first screen of the flow in each of the six languages, from the browser or the switch', async () => {
    // Languages side by side: one browser, a context (its own browser language) each.
    const firstScreen = async (lang: (typeof LANGUAGES)[number]) => {
      const { page, context, base } = await newPage(psa, { locale: lang });
      await signedInContext(psa, context, 'admin', PASSWORD);
      await page.goto(`${base}/#/system/security-roles`);
      const t = ui(lang);
      await page.getByRole('heading', { name: t.roles!.title!, exact: true }).waitFor();
      await page.getByRole('link', { name: t.roles!.new!, exact: true }).waitFor();
      expect(await page.locator('html').getAttribute('lang')).toBe(lang);
      await page.screenshot({ path: screenshotPath(`security-roles-${lang}`) });
      await page.getByRole('link', { name: DEMO_ROLE_NAME, exact: true }).click();
      await page.getByRole('heading', { name: `${t.roles!.title!}: ${DEMO_ROLE_NAME}` }).waitFor();
      await page.screenshot({ path: screenshotPath(`security-role-umbrella-${lang}`) });
      await context.close();
    };
    await Promise.all(LANGUAGES.map(firstScreen));
    // The switch wins over the browser's language and is remembered.
    const { page, context, base } = await newPage(psa, { locale: 'en-US' });
    await signedInContext(psa, context, 'admin', PASSWORD);
    await page.goto(`${base}/#/system/security-roles`);
    await page.getByLabel('Language').selectOption('de');
    await page.getByRole('heading', { name: 'Sicherheitsrollen', exact: true }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Sicherheitsrollen', exact: true }).waitFor();
    await context.close();
  });

  it('asks for a sign-in on every page, and a read-only member cannot change a role', async () => {
    const pages = [
      '/',
      '/#/system/security-roles',
      '/#/system/security-roles/new',
      '/#/system/security-roles/1',
      '/#/system/members/api',
      '/#/system/members/api/new',
      '/#/system/members/api/1/keys',
      '/#/system/table-setup',
      '/#/companies',
      '/#/companies/configurations',
      '/#/service-board',
      '/#/service-board/tickets/123456',
    ];
    const { page, context, base } = await newPage(psa);
    const answers: number[] = [];
    page.on('response', (r) => {
      if (/\/(admin\/api\/v1|apis\/3\.0)\//.test(r.url()) && !r.url().endsWith('/session'))
        answers.push(r.status());
    });
    for (const path of pages) {
      await page.goto(`${base}${path}`);
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    }
    expect(answers.every((s) => s === 401)).toBe(true);

    await page.goto(`${base}/#/system/security-roles`);
    await page.getByLabel('Member ID').fill('viewer');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText('The member ID or password is incorrect.').waitFor();
    await page.getByLabel('Member ID').fill('');
    await page.getByLabel('Password').fill('');
    await signInByKeyboard(page, 'viewer', 'viewer password 1');
    await page.getByRole('heading', { name: 'Security Roles' }).waitFor();
    expect(await page.getByRole('link', { name: 'New security role' }).count()).toBe(0);
    await page.getByRole('link', { name: DEMO_ROLE_NAME, exact: true }).click();
    await page.getByText('Your security role can view security roles but not change them.').waitFor();
    const grid = page.getByLabel('Service Desk → Service Tickets: Delete Level', { exact: true });
    expect(await grid.isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Save and close' }).count()).toBe(0);
    // The customize dialog opens from the keyboard, offers no change, and Escape closes it.
    await page.getByRole('button', { name: 'Customize System → Table Setup' }).focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Update Security' });
    const allowAll = dialog.getByRole('button', { name: 'Allow all items', exact: true });
    expect(await allowAll.isDisabled()).toBe(true);
    expect(await dialog.getByRole('button', { name: 'Save', exact: true }).count()).toBe(0);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    // Even a hand-made request with the session and its CSRF token is refused.
    const status = await page.evaluate(async (roleName) => {
      const s = (await (await fetch('/admin/api/v1/session')).json()) as { csrfToken: string };
      const roles = (await (await fetch('/admin/api/v1/roles')).json()) as Array<{
        id: number;
        name: string;
      }>;
      const umbrella = roles.find((r) => r.name === roleName)!;
      const res = await fetch(`/admin/api/v1/roles/${umbrella.id}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', 'x-csrf-token': s.csrfToken },
        body: JSON.stringify({ levels: { 'ServiceDesk/ServiceTickets': { delete: 'All' } } }),
      });
      return res.status;
    }, DEMO_ROLE_NAME);
    expect(status).toBe(403);
    await context.close();
  });

  it('lists companies and configurations with their questions, works a ticket on the board, shows Table Setup', async () => {
    const services = psa.running.psa.services;
    const key = await psa.adminKey();
    const call = async (method: string, path: string, body: unknown) => {
      const res = await psa.fetch(`${psa.apiBase}${path}`, {
        method,
        headers: {
          authorization: key.authorization,
          clientId: psa.clientId,
          'content-type': 'application/json',
        },
        body: JSON.stringify(body),
      });
      return (await res.json()) as { id: number };
    };
    const type = await call('POST', '/company/configurations/types', { name: 'Roaming Computer' });
    const question = await call('POST', `/company/configurations/types/${type.id}/questions`, {
      question: 'Umbrella identity',
      fieldType: 'Text',
    });
    await call('POST', '/company/configurations', {
      name: 'ACME-LAPTOP-7',
      type: { id: type.id },
      company: { identifier: 'AcmeCorp' },
      questions: [{ questionId: question.id, answer: 'acme-laptop-7.roaming' }],
    });

    const { page, context, base } = await newPage(psa, { width: 390, height: 844 });
    await signedInContext(psa, context, 'admin', PASSWORD);
    await page.goto(`${base}/#/companies`);
    await page.getByRole('cell', { name: 'Acme Corporation' }).waitFor();
    await page.getByLabel('Search by name').fill('Globex');
    await page.getByRole('cell', { name: 'Acme Corporation' }).waitFor({ state: 'detached' });
    await page.getByRole('link', { name: 'Globex' }).click();
    await page.getByRole('heading', { name: 'Globex Industries' }).waitFor();
    await expectNoHorizontalOverflow(page);
    await page.screenshot({ path: screenshotPath('companies-phone'), fullPage: true });
    await page.goto(`${base}/#/system/security-roles`);
    await page.getByRole('link', { name: DEMO_ROLE_NAME, exact: true }).click();
    await page.getByLabel('Service Desk → Service Tickets: Add Level', { exact: true }).waitFor();
    await expectNoHorizontalOverflow(page);
    await page.screenshot({ path: screenshotPath('security-role-phone') });

    await page.goto(`${base}/#/companies/configurations`);
    await page.getByRole('link', { name: 'ACME-LAPTOP-7' }).click();
    const answer = page.getByLabel('Umbrella identity');
    await until(async () => (await answer.inputValue()) === 'acme-laptop-7.roaming');
    await answer.fill('acme-laptop-7.renamed');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('You have successfully updated this record.').waitFor();
    await context.close();

    const desk = await newPage(psa);
    await signedInContext(psa, desk.context, 'admin', PASSWORD);
    await desk.page.goto(`${base}/#/service-board`);
    await desk.page.getByLabel('Board', { exact: true }).selectOption({ label: 'Service Board' });
    await desk.page.getByLabel('Status', { exact: true }).selectOption({ label: 'New' });
    await desk.page.getByRole('link', { name: '123456' }).click();
    await desk.page.getByLabel('New note').fill('Blocked a command-and-control domain.');
    await desk.page.getByRole('button', { name: 'Add note' }).click();
    await desk.page.getByText('Blocked a command-and-control domain.').first().waitFor();
    await desk.page.getByLabel('New status').selectOption({ label: 'In Progress' });
    await desk.page.getByRole('button', { name: 'Change status' }).click();
    await desk.page.getByTestId('ticket-status').getByText('In Progress').waitFor();
    await desk.page.screenshot({ path: screenshotPath('ticket-en'), fullPage: true });

    await desk.page.goto(`${base}/#/system/table-setup`);
    await desk.page.getByRole('region', { name: 'Statuses' }).getByText('Waiting Customer').waitFor();
    await desk.page
      .getByRole('region', { name: 'Priorities' })
      .getByText('Priority 1 - Emergency Response')
      .waitFor();
    await desk.page
      .getByRole('combobox', { name: 'Configuration types' })
      .selectOption({ label: 'Roaming Computer' });
    await desk.page.getByRole('region', { name: 'Questions' }).getByText('Umbrella identity').waitFor();
    await desk.page.screenshot({ path: screenshotPath('table-setup-en'), fullPage: true });
    await desk.context.close();

    const configuration = (await services.records.findByText('configuration', ['name'], 'ACME-LAPTOP-7'))[0]!;
    expect(JSON.stringify(configuration.data)).toContain('acme-laptop-7.renamed');
  });
});
