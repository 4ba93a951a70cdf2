// CON-3 preflight against Parasol's own PSA over HTTPS with the real ConnectWise client: the article's
// role passes every step; a role missing exactly one of its permissions (generated from ARTICLE_ROLE)
// fails exactly that row; connection and key problems each get their own fix; nothing is created.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REQUIREMENTS } from '../../src/console/preflight/requirements.js';
import { type PreflightResult, runPreflight } from '../../src/console/preflight/run.js';
import { ConnectWiseClient } from '../../src/console/psa-client/client.js';
import type { PsaConnection, RequestInfo } from '../../src/console/psa-client/types.js';
import {
  ARTICLE_ROLE,
  actionLabel,
  CUSTOMIZE,
  functionPath,
  type RolePreset,
  tableSetupLabel,
} from '../../src/psa/catalog/index.js';
import type { Action } from '../../src/psa/catalog/types.js';
import { startTestPsa, type TestKey, type TestPsa } from '../support/psa-server.js';

let psa: TestPsa;
let ca: string;
let article: TestKey;
const clients: ConnectWiseClient[] = [];
const requests: RequestInfo[] = [];

function connection(key: TestKey, over: Partial<PsaConnection> = {}): PsaConnection {
  return {
    site: psa.hostPort,
    companyId: psa.companyId,
    clientId: psa.clientId,
    publicKey: key.publicKey,
    privateKey: key.privateKey,
    ca,
    ...over,
  };
}

async function preflight(conn: PsaConnection): Promise<PreflightResult> {
  // The client needs a clientId to be built; the preflight must not send anything when it is missing.
  const client = new ConnectWiseClient(
    { ...conn, clientId: conn.clientId || psa.clientId },
    { maxAttempts: 2, baseDelayMs: 10, timeoutMs: 10_000, onRequest: (r) => requests.push(r) },
  );
  clients.push(client);
  const { ca: _ca, ...settings } = conn;
  return runPreflight(client, settings);
}

const step = (r: PreflightResult, id: string) => r.steps.find((s) => s.id === id)!;
const failed = (r: PreflightResult) => r.steps.filter((s) => s.status === 'fail').map((s) => s.id);

const COUNTED = [
  '/company/companies',
  '/company/configurations',
  '/company/configurations/types',
  '/service/tickets',
  '/service/priorities',
  '/service/boards',
];

async function counts(): Promise<Record<string, number>> {
  const admin = await psa.adminKey();
  const out: Record<string, number> = {};
  for (const p of COUNTED) {
    const res = await psa.fetch(`${psa.apiBase}${p}/count`, {
      headers: { authorization: admin.authorization, clientId: psa.clientId },
    });
    expect(res.status).toBe(200);
    out[p] = ((await res.json()) as { count: number }).count;
  }
  return out;
}

let before: Record<string, number>;

beforeAll(async () => {
  psa = await startTestPsa({ db: 'sqlite', logLevel: 'warn' });
  ca = readFileSync(path.join(psa.dataDir, 'tls', 'cert.pem'), 'utf8');
  article = await psa.apiMemberWithKey('pf-article', ARTICLE_ROLE);
  before = await counts();
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await psa?.close();
});

describe('the article role', () => {
  it('passes every step: settings, discovery, authentication and the 13 role rows', async () => {
    const r = await preflight(connection(article));
    expect(r.steps.map((s) => [s.id, s.status])).toEqual([
      ['settings', 'pass'],
      ['discovery', 'pass'],
      ['authentication', 'pass'],
      ...REQUIREMENTS.map((q) => [q.id, 'pass']),
    ]);
    expect(r.ok).toBe(true);
    expect(r.steps.every((s) => s.fix === undefined)).toBe(true);
    expect(step(r, 'discovery').detail).toContain('v4_6_release');
    expect(Number.isNaN(Date.parse(r.checkedAt))).toBe(false);
    const json = JSON.stringify(r);
    expect(json).not.toContain(article.privateKey);
    expect(json).not.toContain(article.authorization);
    expect(json).not.toContain(article.authorization.slice('Basic '.length));
  });
});

// ---------- one case per permission of ARTICLE_ROLE ----------

interface Removal {
  name: string;
  role: RolePreset;
  /** The requirement row whose label names the removed permission. */
  expected: string;
}

function removals(): Removal[] {
  const out: Removal[] = [];
  for (const [fnId, levels] of Object.entries(ARTICLE_ROLE.levels)) {
    for (const [action, level] of Object.entries(levels) as Array<[Action, string]>) {
      if (level === 'None') continue;
      const label = `${functionPath(fnId)}: ${actionLabel(action)} All`;
      out.push({
        name: label,
        role: {
          ...ARTICLE_ROLE,
          levels: { ...ARTICLE_ROLE.levels, [fnId]: { ...levels, [action]: 'None' } },
        },
        expected: label,
      });
    }
  }
  const items = ARTICLE_ROLE.allowed[CUSTOMIZE.systemTableSetup] ?? [];
  for (const item of items) {
    const label = `System → Table Setup → customize: ${tableSetupLabel(item)} in Allow Access to these`;
    out.push({
      name: label,
      role: {
        ...ARTICLE_ROLE,
        allowed: { ...ARTICLE_ROLE.allowed, [CUSTOMIZE.systemTableSetup]: items.filter((i) => i !== item) },
      },
      expected: label,
    });
  }
  return out;
}

const REMOVALS = removals();

describe('a role missing exactly one permission fails exactly that row', () => {
  it('covers every requirement row, each once', () => {
    const expectedIds = REMOVALS.map((c) => REQUIREMENTS.find((q) => q.label === c.expected)?.id);
    expect(expectedIds).not.toContain(undefined);
    expect([...expectedIds].sort()).toEqual(REQUIREMENTS.map((q) => q.id).sort());
  });

  const keys = new Map<string, TestKey>();
  beforeAll(async () => {
    for (const [i, c] of REMOVALS.entries())
      keys.set(c.name, await psa.apiMemberWithKey(`pf-minus-${i}`, c.role));
  });

  it.each(REMOVALS.map((c) => [c.name, c] as const))('without %s', async (_name, c) => {
    const row = REQUIREMENTS.find((q) => q.label === c.expected)!;
    const r = await preflight(connection(keys.get(c.name)!));
    expect(r.ok).toBe(false);
    expect(failed(r)).toEqual([row.id]);
    expect(r.steps.filter((s) => s.status !== 'pass').map((s) => s.id)).toEqual([row.id]);
    const s = step(r, row.id);
    expect(s.fix).toBe(row.kind === 'level' ? `${row.fix} (it is None)` : row.fix);
    expect(s.detail).toBeTruthy();
  });
});

// ---------- connection and key problems ----------

describe('connection and key problems', () => {
  const fixes = new Map<string, string>();

  const expectFailAt = (
    r: PreflightResult,
    id: 'settings' | 'discovery' | 'authentication',
    prefix: string,
  ) => {
    expect(r.ok).toBe(false);
    const s = step(r, id);
    expect(s.status).toBe('fail');
    expect(s.fix?.startsWith(prefix)).toBe(true);
    const order = ['settings', 'discovery', 'authentication'];
    for (const earlier of order.slice(0, order.indexOf(id))) expect(step(r, earlier).status).toBe('pass');
    const later = r.steps.slice(r.steps.indexOf(s) + 1);
    expect(later).toHaveLength(order.length - order.indexOf(id) - 1 + REQUIREMENTS.length);
    expect(later.every((x) => x.status === 'skipped')).toBe(true);
    fixes.set(prefix, s.fix!);
    return s;
  };

  it('wrong private key → keys rejected', async () => {
    const wrong = `${article.privateKey.slice(0, -4)}${article.privateKey.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    const r = await preflight(connection(article, { privateKey: wrong }));
    expectFailAt(r, 'authentication', 'keys rejected — ');
    expect(JSON.stringify(r)).not.toContain(wrong);
  });

  it('revoked key → key revoked', async () => {
    const key = await psa.apiMemberWithKey('pf-revoked', ARTICLE_ROLE);
    await psa.running.psa.services.admin.revokeKey(key.memberId, key.keyId, 'test');
    const r = await preflight(connection(key));
    expectFailAt(r, 'authentication', 'key revoked — ');
    expect(step(r, 'authentication').fix).toContain('System → Members → API Members → API Keys');
  });

  it('wrong company id → company id unknown', async () => {
    const r = await preflight(connection(article, { companyId: 'no_such_company' }));
    expectFailAt(r, 'discovery', 'company id unknown — ');
  });

  it('unknown host → host unreachable', async () => {
    const r = await preflight(connection(article, { site: 'nonexistent.invalid' }));
    expectFailAt(r, 'discovery', 'host unreachable — ');
  });

  it('untrusted certificate (no CA given) → TLS certificate not trusted', async () => {
    const { ca: _ca, ...noCa } = connection(article);
    const r = await preflight(noCa);
    expectFailAt(r, 'discovery', 'TLS certificate not trusted — ');
  });

  it('missing clientId → clientId missing, and nothing is sent', async () => {
    const sent = requests.length;
    const r = await preflight(connection(article, { clientId: '' }));
    const s = expectFailAt(r, 'settings', 'clientId missing — ');
    expect(s.fix).toContain('developer.connectwise.com');
    expect(requests.length).toBe(sent);
  });

  it('a clientId the PSA does not accept → clientId rejected', async () => {
    const r = await preflight(connection(article, { clientId: 'my-integration' }));
    expectFailAt(r, 'authentication', 'clientId rejected — ');
  });

  it('an inactive API member → API member inactive', async () => {
    const key = await psa.apiMemberWithKey('pf-inactive', ARTICLE_ROLE);
    await psa.running.psa.services.admin.updateMember(key.memberId, { inactiveFlag: true }, 'test');
    const r = await preflight(connection(key));
    expectFailAt(r, 'authentication', 'API member inactive — ');
  });

  it('gives each cause its own message', () => {
    expect([...fixes.keys()]).toHaveLength(8);
    expect(new Set(fixes.values()).size).toBe(fixes.size);
  });
});

describe('harmless', () => {
  it('creates, changes and deletes nothing on the PSA', async () => {
    expect(await counts()).toEqual(before);
    // The only writes are the probes, every one refused by validation, a missing record or the role.
    const writes = requests.filter((r) => r.method !== 'GET');
    expect(writes.length).toBeGreaterThan(0);
    expect(writes.every((w) => w.method === 'POST' || w.method === 'PATCH')).toBe(true);
    expect(writes.every((w) => w.status === 400 || w.status === 404 || w.status === 403)).toBe(true);
  });

  it('logs of the client carry no credentials', () => {
    const text = JSON.stringify(requests);
    expect(text).not.toContain(article.privateKey);
    expect(text).not.toContain(article.publicKey);
  });
});
