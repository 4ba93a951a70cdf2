// Both UIs in each of the six languages, as a new user walks them (issue 16): every screen of the PSA
// admin UI and of the console, with their error states (a duplicate role name, a save the server
// refuses, a duplicate ticket rule) and a new provider's dashboard (its setup steps, in each of their
// states), fails on any text that is still the English catalogue's words where the language has its
// own, and on any raw ISO timestamp. Revoke asks first; the new key's
// copy buttons copy. One browser, one page per language, one server for the file; screenshots of
// the API Keys screen and the console dashboard at 1280×800 and phone width (test-results/screenshots).
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestion } from '../../src/console/ingest/index.js';
import { remoteSources } from '../../src/console/sources-remote/index.js';
import { ARTICLE_ROLE, CUSTOMIZE, TABLE } from '../../src/psa/catalog/index.js';
import { DEMO_ROLE_NAME } from '../../src/psa/service/seed.js';
import { startTestPsa, type TestKey, type TestPsa } from '../support/psa-server.js';
import { expectNoHorizontalOverflow, newPage, psaSignedInContext, until } from './browser-steps.js';
import {
  consoleProvider,
  consoleSignedIn,
  everydayTraffic,
  HOUR_MS,
  postEvents,
  utcMidnight,
} from './console-support.js';
import { closeBrowser, memberWithPassword, screenshotPath, setPassword } from './psa-support.js';

const LANGUAGES = ['en', 'pt-BR', 'es', 'it', 'de', 'nl'] as const;
const PASSWORD = 'admin password 1';
const CONSOLE_ADMIN = 'admin@contoso.example';
const ISO_TIMESTAMP = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

type Tree = { [key: string]: string | Tree };
const load = (lang: string, ns: string): Tree =>
  JSON.parse(readFileSync(`web/i18n/locales/${lang}/${ns}.json`, 'utf8')) as Tree;
function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out.set(key, v);
    else for (const [kk, vv] of flatten(v, key)) out.set(kk, vv);
  }
  return out;
}

/** A language's words for a key of a namespace, with its parameters filled in. */
function words(lang: string, ns: string, key: string, vars: Record<string, string | number> = {}): string {
  const text = flatten(load(lang, ns)).get(key);
  if (text === undefined) throw new Error(`no ${ns}:${key} in ${lang}`);
  return text.replace(/\{\{(\w+)\}\}/g, (_, name: string) => String(vars[name] ?? ''));
}

/**
 * The English words that must not be seen in `lang`: every English value (without parameters) whose
 * key the language says otherwise, unless the language uses the same words for another key.
 */
function englishLeftovers(lang: string): Set<string> {
  const out = new Set<string>();
  if (lang === 'en') return out;
  const own = new Set<string>();
  for (const ns of ['ui', 'catalog', 'console']) {
    const en = flatten(load('en', ns));
    const theirs = flatten(load(lang, ns));
    for (const v of theirs.values()) own.add(v.trim());
    for (const [key, value] of en) {
      if (value.includes('{{') || theirs.get(key) === value) continue;
      out.add(value.trim());
    }
  }
  for (const v of own) out.delete(v);
  return out;
}

/**
 * Every text node of the page (options of selects and open dialogs included), each with whether it is
 * a record's own words — a name as entered, marked translate="no" — which stay as they are.
 */
async function textNodes(page: Page): Promise<Array<{ text: string; data: boolean }>> {
  // A string, run in the page (this file is compiled without the DOM's types).
  return (await page.evaluate(`(() => {
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const parent = n.parentElement;
      if (!parent || parent.closest('script, style, .sr-only')) continue;
      const text = (n.textContent || '').trim();
      if (text) out.push({ text, data: parent.closest('[translate="no"]') !== null });
    }
    return out;
  })()`)) as Array<{ text: string; data: boolean }>;
}

/** The words of the current screen that are English leftovers or raw timestamps, named by screen. */
async function problems(page: Page, lang: string, screen: string): Promise<string[]> {
  const leftovers = englishLeftovers(lang);
  return (await textNodes(page))
    .filter(({ text, data }) => (!data && leftovers.has(text)) || ISO_TIMESTAMP.test(text))
    .map(({ text }) => `${screen}: ${JSON.stringify(text)}`);
}

let psa: TestPsa;
let providerId: number;
let roleIds: { article: number; readOnly: number };
const customers: Record<string, number> = {};
/** An API key with the article's role, and one whose role lacks "Service / Priority" (its preflight fails). */
let keys: { good: TestKey; lacking: TestKey };

beforeAll(async () => {
  psa = await startTestPsa({ demo: true, logLevel: 'warn' });
  const s = psa.running.psa.services;
  await setPassword(s, 'admin', PASSWORD);
  roleIds = {
    article: (await s.admin.getRole(DEMO_ROLE_NAME)).id,
    readOnly: (await s.admin.getRole('Read Only')).id,
  };
  const c = psa.running.console.services;
  providerId = await consoleProvider(psa, { name: 'Contoso MSSP', kind: 'MSSP' }, [
    { email: CONSOLE_ADMIN, name: 'Ada Admin', role: 'admin', password: PASSWORD },
  ]);
  const allowed = ARTICLE_ROLE.allowed[CUSTOMIZE.systemTableSetup]!;
  keys = {
    good: await psa.apiMemberWithKey('ParasolApi', ARTICLE_ROLE),
    lacking: await psa.apiMemberWithKey('NoPriority', {
      ...ARTICLE_ROLE,
      name: 'No priority',
      allowed: { [CUSTOMIZE.systemTableSetup]: allowed.filter((t) => t !== TABLE.priority) },
    }),
  };
  const saved = await c.integration.save(providerId, integration(keys.good), CONSOLE_ADMIN);
  expect(saved.preflight?.ok).toBe(true);
  for (const name of ['Acme', 'Hooli']) {
    const customer = await c.accounts.createCustomer(providerId, { name, seats: 1200 }, CONSOLE_ADMIN);
    customers[name] = customer.id;
    await ingestion(c).addBinding(
      providerId,
      customer.id,
      { kind: 'ndjson-org', value: `org-${name}` },
      CONSOLE_ADMIN,
    );
  }
  await c.mapping.setMapping(
    providerId,
    customers.Acme!,
    { psaCompanyIdentifier: 'AcmeCorp' },
    CONSOLE_ADMIN,
  );
  await c.mapping.refreshReference(providerId);
  const { token } = await remoteSources(c).tokens.create(providerId, { name: 'collector' }, CONSOLE_ADMIN);
  await postEvents(
    psa,
    token,
    everydayTraffic('org-Acme', 'ACME-DESKTOP-1', utcMidnight(2) + 9 * HOUR_MS, 1500),
  );
});

/** PSA Integration Details with a key of the test PSA, enabled (so Save runs the preflight). */
const integration = (key: TestKey) => ({
  enabled: true,
  site: psa.hostPort,
  companyId: psa.companyId,
  clientId: psa.clientId,
  publicKey: key.publicKey,
  privateKey: key.privateKey,
  trustedCa: psa.ca,
});

afterAll(async () => {
  await closeBrowser();
  await psa?.close();
});

/** Goes to a screen (routes in the fragment) and waits until it has its heading and has loaded. */
async function open(page: Page, url: string, lang: string, ns: 'ui' | 'console') {
  await page.goto(url);
  await page.locator('main h1').first().waitFor();
  await page
    .getByText(words(lang, ns, 'app.loading'), { exact: true })
    .first()
    .waitFor({ state: 'detached' });
}

/**
 * Brand, navigation groups and account side by side in one row of the header, none overlapping the
 * next: the parts that do not fit, or nothing.
 */
async function headerOverflow(page: Page): Promise<string[]> {
  const header = await page.locator('header.top').boundingBox();
  if (!header) return ['no header'];
  const out = header.height > 60 ? [`header ${Math.round(header.height)} px high`] : [];
  let right = header.x;
  for (const part of ['.top .brand', '.top nav .nav-group', '.top .account']) {
    for (const locator of await page.locator(part).all()) {
      const box = await locator.boundingBox();
      const name = `${part} "${(await locator.textContent())?.slice(0, 30)}"`;
      if (!box) out.push(`${name}: not shown`);
      else if (box.x < right - 0.5) out.push(`${name} overlaps by ${Math.round(right - box.x)} px`);
      if (box) right = box.x + box.width;
    }
  }
  if (right > header.x + header.width + 0.5) out.push(`${Math.round(right - header.width)} px too wide`);
  return out;
}

describe.each(LANGUAGES)('in %s', (lang) => {
  it('every screen of both UIs, with their error states, is in the language', async () => {
    const { page, context } = await newPage(psa.origin, { locale: lang });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: psa.origin });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const found: string[] = [];
    const check = async (screen: string) => found.push(...(await problems(page, lang, screen)));
    const ui = (key: string, vars?: Record<string, string | number>) => words(lang, 'ui', key, vars);
    const s = psa.running.psa.services;

    // ---- The PSA admin UI, as the admin. ----
    await psaSignedInContext(psa, context, 'admin', PASSWORD);
    const psaUrl = (hash: string) => `${psa.origin}/#/${hash}`;
    await open(page, psaUrl('system/security-roles'), lang, 'ui');
    expect(await headerOverflow(page), 'PSA header at 1280 px').toEqual([]);
    await check('security roles');

    // A duplicate Role ID: the server's refusal in the language.
    await open(page, psaUrl('system/security-roles/new'), lang, 'ui');
    await page.getByLabel(ui('roles.roleId')).fill(DEMO_ROLE_NAME);
    await page.getByRole('button', { name: ui('common.save'), exact: true }).click();
    await page
      .getByRole('alert')
      .getByText(ui('serverErrors.role.nameInUse', { name: DEMO_ROLE_NAME }))
      .waitFor();
    await check('new role, duplicate name');

    // The role editor and its Table Setup allow-list dialog, whose subtitle names the function.
    await open(page, psaUrl(`system/security-roles/${roleIds.article}`), lang, 'ui');
    await check('role editor');
    const tableSetup = words(lang, 'catalog', 'functions.System/TableSetup');
    await page
      .getByRole('button', {
        name: ui('customize.open', {
          module: words(lang, 'catalog', 'modules.System'),
          function: tableSetup,
        }),
      })
      .click();
    const dialog = page.getByRole('dialog', { name: ui('customize.title') });
    await dialog.getByText(`${words(lang, 'catalog', 'modules.System')} → ${tableSetup}`).waitFor();
    await check('customize dialog');
    await dialog.getByRole('button', { name: ui('common.cancel') }).click();

    // API members, and a new API member's key: copy buttons, the console's values, Revoke asks first.
    const identifier = `umbrella-${lang.toLowerCase()}`;
    const member = await s.admin.createMember(
      'api',
      { identifier, name: `Umbrella ${lang}`, role: DEMO_ROLE_NAME },
      'admin',
    );
    await open(page, psaUrl('system/members/api'), lang, 'ui');
    await check('API members');
    await open(page, psaUrl(`system/members/api/${member.id}/details`), lang, 'ui');
    await check('API member details');
    await open(page, psaUrl(`system/members/api/${member.id}/keys`), lang, 'ui');
    await page.getByRole('button', { name: ui('keys.new') }).click();
    await page.getByLabel(ui('keys.description')).fill('Umbrella PSA Integration');
    await page.getByRole('button', { name: ui('common.save'), exact: true }).click();
    await page.getByText(ui('keys.createdMessage')).waitFor();
    const publicKey = (await page.getByTestId('public-key').textContent())!;
    const privateKey = (await page.getByTestId('private-key').textContent())!;
    for (const [label, value] of [
      [ui('keys.copyPublic'), publicKey],
      [ui('keys.copyPrivate'), privateKey],
    ] as const) {
      const button = page.getByRole('button', { name: label });
      await button.click();
      await button.getByText(ui('common.copied')).waitFor();
      expect(await page.evaluate('navigator.clipboard.readText()')).toBe(value);
    }
    expect(await page.getByTestId('company-id').textContent()).toBe(psa.companyId);
    expect(await page.getByTestId('site').textContent()).toBe(psa.hostPort);
    expect(await page.getByTestId('client-id').textContent()).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    await check('new API key');
    // The pair works (and leaves an API log).
    const auth = `Basic ${Buffer.from(`${psa.companyId}+${publicKey}:${privateKey}`).toString('base64')}`;
    const rest = await psa.fetch(`${psa.apiBase}/company/companies`, {
      headers: { authorization: auth, clientId: psa.clientId },
    });
    await rest.arrayBuffer();
    expect(rest.status).toBe(200);

    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: screenshotPath(`languages-psa-keys-${lang}-phone`) });
    await expectNoHorizontalOverflow(page);
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.screenshot({ path: screenshotPath(`languages-psa-keys-${lang}-1280`) });

    // Revoke asks, naming the key; Cancel leaves it working, the confirmation revokes it.
    const revoke = page.getByRole('button', { name: ui('keys.revokeKey', { key: publicKey }) });
    await revoke.click();
    const question = page.getByRole('alertdialog', { name: ui('keys.confirmTitle') });
    await question
      .getByText(ui('keys.confirmText', { key: publicKey, description: 'Umbrella PSA Integration' }))
      .waitFor();
    await check('revoke question');
    await page.screenshot({ path: screenshotPath(`languages-psa-revoke-question-${lang}`) });
    await question.getByRole('button', { name: ui('common.cancel') }).click();
    await question.waitFor({ state: 'hidden' });
    expect((await s.security.findKey((await s.admin.listKeys(member.id))[0]!.id))?.revokedAt).toBeNull();
    await revoke.click();
    await question.getByRole('button', { name: ui('keys.revoke'), exact: true }).click();
    await page.getByText(ui('keys.revoked')).waitFor();
    expect((await s.admin.listKeys(member.id))[0]!.revokedAt).not.toBeNull();
    await check('revoked key');

    await open(page, psaUrl(`system/members/api/${member.id}/history`), lang, 'ui');
    await page.getByText(ui('history.details.role', { role: DEMO_ROLE_NAME })).waitFor();
    await page
      .getByText(ui('history.details.key', { description: 'Umbrella PSA Integration', publicKey }))
      .first()
      .waitFor();
    await check('History');
    await until(async () => (await s.admin.apiLogs(member.id)).length > 0, 10_000, 'the API log');
    await open(page, psaUrl(`system/members/api/${member.id}/logs`), lang, 'ui');
    await page.locator('main table time').first().waitFor();
    await check('API Logs');

    for (const hash of ['system/table-setup', 'companies', 'companies/configurations', 'service-board']) {
      await open(page, psaUrl(hash), lang, 'ui');
      await check(hash);
    }
    const adminKey = await psa.adminKey();
    const tickets = await psa.fetch(`${psa.apiBase}/service/tickets?pageSize=1`, {
      headers: { authorization: adminKey.authorization, clientId: psa.clientId },
    });
    const [ticket] = (await tickets.json()) as Array<{ id: number }>;
    expect(ticket).toBeDefined();
    await open(page, psaUrl(`service-board/tickets/${ticket!.id}`), lang, 'ui');
    await check('ticket');

    // A save the server refuses: an editor whose role loses Security Roles → Edit while the role
    // screen is open.
    const editorRole = await s.admin.createRole(
      {
        name: `Editors ${lang}`,
        levels: { 'System/SecurityRoles': { add: 'All', edit: 'All', delete: 'None', inquire: 'All' } },
      },
      'admin',
    );
    await memberWithPassword(psa, `editor-${lang.toLowerCase()}`, editorRole.name, PASSWORD);
    await psaSignedInContext(psa, context, `editor-${lang.toLowerCase()}`, PASSWORD);
    await open(page, psaUrl(`system/security-roles/${roleIds.readOnly}`), lang, 'ui');
    await s.admin.updateRole(
      editorRole.id,
      { levels: { 'System/SecurityRoles': { edit: 'None' } } },
      'admin',
    );
    await page.getByRole('button', { name: ui('common.save'), exact: true }).click();
    await page.getByRole('alert').getByText(ui('errors.forbidden')).waitFor();
    await check('refused save');

    // ---- The console. ----
    const con = (key: string, vars?: Record<string, string | number>) => words(lang, 'console', key, vars);
    await consoleSignedIn(psa, context, CONSOLE_ADMIN);
    const consoleUrl = (hash: string) => `${psa.running.console.url}/#/${hash}`;
    const screens = [
      'dashboard',
      `dashboard/customers/${customers.Acme}`,
      'customers',
      `customers/${customers.Acme}`,
      'settings/psa-integration',
      'ticketing',
      'config-sync',
      'activity/customers',
      'activity/writes',
      'activity/audit',
    ];
    for (const hash of screens) {
      await open(page, consoleUrl(hash), lang, 'console');
      if (hash === 'dashboard') {
        expect(await headerOverflow(page), 'console header at 1280 px').toEqual([]);
        // 1,500 requests in the reader's digits.
        await page.getByText(new Intl.NumberFormat(lang).format(1500)).first().waitFor();
        await page.screenshot({ path: screenshotPath(`languages-console-dashboard-${lang}-1280`) });
        await page.setViewportSize({ width: 390, height: 844 });
        await page.screenshot({ path: screenshotPath(`languages-console-dashboard-${lang}-phone`) });
        await expectNoHorizontalOverflow(page);
        await page.setViewportSize({ width: 1280, height: 800 });
      }
      await check(`console ${hash}`);
    }
    // A duplicate ticket rule: the server's conflict in the language.
    for (const attempt of [1, 2]) {
      await open(page, consoleUrl('ticketing/rules/new'), lang, 'console');
      await page.getByLabel(con('ticketing.fields.name')).fill(`Night shift ${lang}`);
      await page.getByRole('button', { name: con('ticketing.create'), exact: true }).click();
      if (attempt === 1)
        await page
          .getByRole('heading', { name: con('ticketing.ruleTitle', { name: `Night shift ${lang}` }) })
          .waitFor();
    }
    await page
      .getByRole('alert')
      .getByText(con('serverErrors.ticketRule.nameInUse', { name: `Night shift ${lang}` }))
      .waitFor();
    await check('console duplicate rule');

    // A new provider's dashboard: the setup steps instead of charts, in each of their states.
    const fresh = await consoleProvider(psa, { name: `New MSP ${lang}`, kind: 'MSP' }, [
      { email: `new-${lang.toLowerCase()}@msp.example`, name: 'Nina New', role: 'admin', password: PASSWORD },
    ]);
    await consoleSignedIn(psa, context, `new-${lang.toLowerCase()}@msp.example`);
    const steps = page.locator('.setup-step');
    const badges = async () => steps.locator('.badge').allTextContents();
    // A new document, so that the app reads the new session (a change of the fragment alone keeps it).
    await page.goto(consoleUrl('dashboard'));
    await page.reload();
    await page
      .getByRole('heading', { name: con('dashboard.title', { provider: `New MSP ${lang}` }), level: 1 })
      .waitFor();
    await page.getByRole('heading', { name: con('setup.title'), level: 2 }).waitFor();
    expect(await badges()).toEqual([con('setup.todo'), con('setup.todo'), con('setup.todo')]);
    await page.getByText(con('setup.bindingsCount', { count: 0 })).waitFor();
    await check('console setup steps, none done');
    await page.screenshot({ path: screenshotPath(`languages-console-setup-${lang}`) });
    // The PSA saved but failing its check; a customer with a binding.
    const c = psa.running.console.services;
    expect((await c.integration.save(fresh, integration(keys.lacking), 'test')).preflight?.ok).toBe(false);
    const acme = await c.accounts.createCustomer(fresh, { name: 'Acme', seats: 10 }, 'test');
    await ingestion(c).addBinding(fresh, acme.id, { kind: 'ndjson-org', value: 'org-acme' }, 'test');
    await page.reload();
    await page.getByText(con('setup.psaCheckFailed', { screen: con('integration.title') })).waitFor();
    expect(await badges()).toEqual([con('setup.todo'), con('setup.done'), con('setup.done')]);
    await check('console setup steps, the PSA check failing');
    // Every step done, no data yet.
    expect((await c.integration.save(fresh, integration(keys.good), 'test')).preflight?.ok).toBe(true);
    await page.reload();
    await page.getByText(con('setup.waiting')).waitFor();
    expect(await badges()).toEqual([con('setup.done'), con('setup.done'), con('setup.done')]);
    await check('console setup steps, all done');
    await page.setViewportSize({ width: 390, height: 844 });
    await expectNoHorizontalOverflow(page);
    await page.setViewportSize({ width: 1280, height: 800 });

    expect(found, `English words or raw timestamps in ${lang}`).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });
});
