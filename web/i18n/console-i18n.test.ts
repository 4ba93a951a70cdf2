// The console UI's catalogue: every key its screens ask for exists in English (and so, by
// i18n.test.ts, in every language); the English texts the console translates from are exactly the
// server's (the preflight's step labels, role rows and fixes), so a fix the server reports is always
// recognised and shown translated; the configuration questions the screens keep are the server's
// (template placeholders and security categories the console imports from the server).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import i18next, { type i18n } from 'i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import { QUESTIONS } from '../../src/console/config-sync/questions.js';
import { BILLING_REQUIREMENTS, REQUIREMENTS } from '../../src/console/preflight/requirements.js';
import { FIX, STEP_LABELS } from '../../src/console/preflight/run.js';
import { CONFIG_QUESTIONS } from '../console/src/config-questions.js';
import {
  FIX_KEYS,
  PREFLIGHT_ROWS,
  rowFix,
  rowLabel,
  stepLabel,
  type Translate,
  translateFix,
} from '../console/src/preflight-text.js';
import { BINDING_KINDS, SECURITY_CATEGORIES } from '../console/src/types.js';
import { LANGUAGES } from './languages.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
type Tree = { [key: string]: string | Tree };
const load = (lang: string, ns: string): Tree =>
  JSON.parse(readFileSync(path.join(HERE, 'locales', lang, `${ns}.json`), 'utf8')) as Tree;

function flatten(tree: Tree, prefix = ''): Set<string> {
  const out = new Set<string>();
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out.add(key);
    else for (const kk of flatten(v, key)) out.add(kk);
  }
  return out;
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sources(path.join(dir, e.name))
      : /\.tsx?$/.test(e.name) && !e.name.endsWith('.test.ts')
        ? [path.join(dir, e.name)]
        : [],
  );
}

let instance: i18n;
let t: Translate;
beforeAll(async () => {
  instance = i18next.createInstance();
  await instance.init({
    resources: Object.fromEntries(
      LANGUAGES.map((l) => [l.code, { console: load(l.code, 'console'), catalog: load(l.code, 'catalog') }]),
    ),
    lng: 'en',
    fallbackLng: 'en',
    ns: ['console', 'catalog'],
    defaultNS: 'console',
    interpolation: { escapeValue: false },
  });
  t = (key, options) => String(instance.t(key, options as never));
});

describe('console UI catalogue', () => {
  it('has every key the console screens ask for', () => {
    const english = flatten(load('en', 'console'));
    const used = new Set<string>();
    for (const file of sources(path.join(HERE, '..', 'console', 'src'))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\bt\('([\w.-]+)'/g)) used.add(m[1]!);
    }
    // Keys built from a fixed set of values (`categories.${c}` …).
    const families: Record<string, readonly string[]> = {
      nav: ['dashboard', 'customers', 'settings', 'ticketing', 'configSync', 'activity'],
      categories: SECURITY_CATEGORIES,
      'tickets.state': ['none', 'open', 'closed', 'silenced'],
      'mapping.state': ['mapped', 'unmapped', 'missing'],
      'mapping.reasons': ['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6'],
      'bindings.kinds': BINDING_KINDS,
      'dashboard.figures': ['requests', 'securityBlocks', 'ticketsRaised', 'openTickets', 'identities'],
      'dashboard.attention': ['failedWrites', 'openTickets', 'mappingMissing', 'unmapped', 'error'],
      'setup.steps': ['psa', 'customers', 'bindings'],
      'preflight.status': ['pass', 'fail', 'skipped'],
      'preflight.steps': ['settings', 'discovery', 'authentication'],
      'preflight.actions': ['add', 'edit', 'inquire'],
      'preflight.levels': ['All', 'My', 'None'],
      'preflight.rowLabel': ['level', 'allow'],
      'preflight.rowFix': ['level', 'allow'],
      'preflight.fixes': FIX_KEYS,
      help: ['s1', 's2', 's3', 's4', 's4a', 's4b', 's4c', 's4d', 's4e', 's5', 's6', 's7', 's8', 's9', 's10'],
      'ticketing.policy': ['new', 'reopen', 'silence'],
      'ticketing.fields': [
        'board',
        'status',
        'priority',
        'type',
        'subType',
        'item',
        'source',
        'closedStatus',
      ],
      'configSync.meaning': CONFIG_QUESTIONS.filter((q) => !q.key.startsWith('security-blocks:')).map(
        (q) => q.key,
      ),
      'activity.tabs': ['customers', 'writes', 'audit'],
      'activity.source': ['mapping', 'ticket', 'configuration', 'delivery'],
    };
    for (const [prefix, values] of Object.entries(families))
      for (const v of values) used.add(`${prefix}.${v}`);
    const missing = [...used].filter((k) => !k.includes(':') && !english.has(k)).sort();
    expect(missing).toEqual([]);
    expect(used.size).toBeGreaterThan(300);
  });

  it("holds the server's English preflight texts, so every fix it reports is recognised", () => {
    expect([...FIX_KEYS].sort()).toEqual(Object.keys(FIX).sort());
    for (const key of FIX_KEYS) expect(t(`preflight.fixes.${key}`)).toBe(FIX[key]);
    for (const [id, label] of Object.entries(STEP_LABELS))
      expect(stepLabel(t, { id, label, status: 'pass' })).toBe(label);
    const rows = [...REQUIREMENTS, ...BILLING_REQUIREMENTS];
    expect(Object.keys(PREFLIGHT_ROWS).sort()).toEqual(rows.map((r) => r.id).sort());
    for (const r of rows) {
      expect(rowLabel(t, r.id)).toBe(r.label);
      expect(rowFix(t, r.id)).toBe(r.fix);
    }
  });

  it('translates the fixes the server reports, and keeps what it does not know in its words', async () => {
    await instance.changeLanguage('de');
    const step = (id: string, fix: string) => ({ id, label: '', status: 'fail' as const, fix });
    expect(
      translateFix(
        t,
        step('tableSetup.allow.priority', 'System → Table Setup → customize: allow Service / Priority'),
      ),
    ).toEqual(['System → Tabelleneinrichtung → anpassen: Service / Priorität erlauben']);
    expect(
      translateFix(
        t,
        step('serviceTickets.add', 'Service Desk → Service Tickets: set Add Level to All (it is My)'),
      ),
    ).toEqual(['Service Desk → Service Tickets: Ebene hinzufügen auf Alle setzen (derzeit: Eigene)']);
    expect(translateFix(t, step('settings', `${FIX.siteMissing}; ${FIX.clientIdMissing}`))).toEqual([
      t('preflight.fixes.siteMissing'),
      t('preflight.fixes.clientIdMissing'),
    ]);
    expect(
      translateFix(
        t,
        step(
          'tableSetup.inquire',
          'one of these is missing, and the PSA does not say which: System → Table Setup: set Inquire Level to All; or System → Table Setup → customize: allow Service / Priority',
        ),
      ),
    ).toEqual([
      'Eines davon fehlt, und das PSA sagt nicht, welches:',
      '• System → Tabelleneinrichtung: Abfrageebene auf Alle setzen',
      '• System → Tabelleneinrichtung → anpassen: Service / Priorität erlauben',
    ]);
    const odd = 'the PSA answered HTTP 418 to discovery — check the site and try again';
    expect(translateFix(t, step('discovery', odd))).toEqual([odd]);
    await instance.changeLanguage('en');
  });

  it("keeps the server's configuration questions (questions.ts needs node:crypto, so it is copied)", () => {
    expect(CONFIG_QUESTIONS).toEqual(
      QUESTIONS.map((q) => ({ key: q.key, question: q.question, fieldType: q.fieldType })),
    );
  });
});
