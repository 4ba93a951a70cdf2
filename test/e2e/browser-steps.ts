// Steps and checks shared by the browser tests of both UIs: a page in the shared Chromium, a PSA
// member's session cookie in a context, sign-in by keyboard, the page-width check, polling, and the
// article's steps in the PSA admin UI by clicking — the role (steps 1–5), the API member (6–7) and
// a key (8–9).
import type { BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import {
  ACTIONS,
  ARTICLE_ROLE,
  CUSTOMIZE,
  findFunction,
  MODULES,
  TABLE_SETUP_ITEMS,
} from '../../src/psa/catalog/index.js';
import type { TestPsa } from '../support/psa-server.js';
import { sharedBrowser, signIn } from './psa-support.js';

export async function newPage(
  origin: string,
  options: { locale?: string; width?: number; height?: number } = {},
): Promise<{ context: BrowserContext; page: Page; base: string }> {
  const browser = await sharedBrowser();
  const context = await browser.newContext({
    ignoreHTTPSErrors: true,
    locale: options.locale ?? 'en-US',
    viewport: { width: options.width ?? 1280, height: options.height ?? 800 },
  });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000); // generous: CI machines are shared
  return { context, page, base: origin };
}

/** A context that already carries a PSA member's session cookie (signed in over HTTP). */
export async function psaSignedInContext(
  psa: TestPsa,
  context: BrowserContext,
  identifier: string,
  password: string,
): Promise<void> {
  const s = await signIn(psa, identifier, password);
  const [name, value] = s.cookie.split('=') as [string, string];
  await context.addCookies([
    { name, value, url: psa.origin, httpOnly: true, secure: true, sameSite: 'Strict' },
  ]);
}

/** The PSA admin UI's sign-in form, from the keyboard only. */
export async function signInByKeyboard(page: Page, identifier: string, password: string): Promise<void> {
  await page.getByLabel('Member ID').focus();
  await page.keyboard.type(identifier);
  await page.keyboard.press('Tab');
  await page.keyboard.type(password);
  await page.keyboard.press('Enter');
}

/** The page is no wider than the window: wide tables scroll inside their own box. */
export async function expectNoHorizontalOverflow(page: Page): Promise<void> {
  const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'));
  expect(overflow).toBeLessThanOrEqual(0);
}

/** Polls a condition (a controlled input fills in after its data arrives, a worker finishes …). */
export async function until(
  check: () => Promise<boolean>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what} not met in time`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const ACTION_LABEL = {
  add: 'Add Level',
  edit: 'Edit Level',
  delete: 'Delete Level',
  inquire: 'Inquire Level',
};

const fnPath = (fnId: string) => {
  const module = MODULES.find((m) => m.functions.some((f) => f.id === fnId))!;
  return { module: module.name, fn: findFunction(fnId)!.name };
};

/**
 * The article's steps 1–5 in the PSA admin UI (English), from the Security Roles screen of a
 * signed-in admin: "+", a Role ID name, Save; the modules' levels and Table Setup's "Allow Access to
 * these"; Save; Save and close.
 */
export async function createArticleRole(page: Page, roleName: string): Promise<void> {
  await page.getByRole('heading', { name: 'Security Roles' }).waitFor();
  await page.getByRole('link', { name: 'New security role' }).click();
  await page.getByLabel('Role ID').fill(roleName);
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByRole('heading', { name: `Security Roles: ${roleName}` }).waitFor();
  await expectNoHorizontalOverflow(page);
  for (const [fnId, levels] of Object.entries(ARTICLE_ROLE.levels)) {
    const { module, fn } = fnPath(fnId);
    for (const action of ACTIONS) {
      const level = levels[action];
      if (level === undefined) continue;
      await page
        .getByLabel(`${module} → ${fn}: ${ACTION_LABEL[action]}`, { exact: true })
        .selectOption(level);
    }
  }
  await page.getByRole('button', { name: 'Customize System → Table Setup' }).click();
  const dialog = page.getByRole('dialog', { name: 'Update Security' });
  const allowed = ARTICLE_ROLE.allowed[CUSTOMIZE.systemTableSetup]!;
  await dialog.getByLabel('Disallow Access to these', { exact: true }).selectOption([...allowed]);
  await dialog.getByRole('button', { name: 'Allow the selected items', exact: true }).click();
  const labels = allowed.map((id) => TABLE_SETUP_ITEMS.find((i) => i.id === id)!.label);
  expect(
    await dialog.getByLabel('Allow Access to these', { exact: true }).locator('option').allTextContents(),
  ).toEqual(labels);
  await dialog.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByText('You have successfully updated this record.').waitFor();
  await page.getByRole('button', { name: 'Save and close' }).click();
  await page.getByRole('link', { name: roleName, exact: true }).waitFor();
}

/** Steps 6–7: System → Members → API Members → "+", Role ID = the role, Save. */
export async function createApiMember(
  page: Page,
  member: { identifier: string; name: string; role: string },
): Promise<void> {
  await page.getByRole('link', { name: 'API Members' }).click();
  await page.getByRole('link', { name: 'New API member' }).click();
  await page.getByLabel('Member ID').fill(member.identifier);
  await page.getByLabel('Name', { exact: true }).fill(member.name);
  await page.getByLabel('Role ID').selectOption({ label: member.role });
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByRole('heading', { name: `${member.name} (${member.identifier})` }).waitFor();
}

/** Steps 8–9 on the API member's page: API Keys → "+", a Description, Save; both keys are shown once. */
export async function createApiKey(
  page: Page,
  description: string,
): Promise<{ publicKey: string; privateKey: string }> {
  await page.getByRole('tab', { name: 'API Keys' }).click();
  await page.getByRole('button', { name: 'New API key' }).click();
  await page.getByLabel('Description').fill(description);
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  const publicKey = (await page.getByTestId('public-key').textContent())!;
  const privateKey = (await page.getByTestId('private-key').textContent())!;
  expect(publicKey).toMatch(/^[A-Za-z0-9]{16}$/);
  expect(privateKey).toMatch(/^[A-Za-z0-9]{32}$/);
  await page.getByText('The private key is only available at the time the key is created.').waitFor();
  return { publicKey, privateKey };
}
