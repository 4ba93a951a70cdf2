// What a ticket and a note say (issue 14, item 2), from Umbrella log files of an earlier day through
// ingestion and the streaming decision to the outbox item's text, on SQLite and PostgreSQL: every fact
// is about the ticket's identity, in its window, for the rule's categories — its blocked count, its
// top blocked domains with counts, its first and last BLOCKED request — with times in the customer's
// time zone (named) and the identity type in Umbrella's words.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TicketDecider } from '../../src/console/delivery/ticket-decisions.js';
import { TicketRuleService } from '../../src/console/delivery/ticket-rules.js';
import { Outbox } from '../../src/console/engine/outbox.js';
import { umbrellaKey, writeLines } from '../../src/console/ingest/generate.js';
import { IngestService } from '../../src/console/ingest/service.js';
import { IngestStore } from '../../src/console/ingest/store.js';
import { formatUmbrellaCsvLine } from '../../src/console/sources/umbrella-csv.js';
import { ConsoleStore } from '../../src/console/store/console-store.js';
import type { Clock } from '../../src/platform/clock.js';
import type { Storage } from '../../src/platform/db.js';
import { decodeJson } from '../../src/platform/db-types.js';
import { databaseKinds, openTestStorage } from '../support/databases.js';

const ORG = '2304567';
/** "Today" for the console; the logs are of the day before. */
const NOW = Date.parse('2026-03-11T09:00:00Z');
/** The console's clock (a test moves it to the logs' own day). */
let now = NOW;
const at = (hhmmss: string) => Date.parse(`2026-03-10T${hhmmss}Z`);

interface Line {
  ts: number;
  identity: string;
  type: string;
  action: 'blocked' | 'allowed';
  domain: string;
  categories: string[];
}

const line = (l: Line) =>
  formatUmbrellaCsvLine({
    ts: l.ts,
    identity: l.identity,
    identities: [l.identity],
    action: l.action,
    queryType: 'A',
    domain: l.domain,
    categories: l.categories,
    identityType: l.type,
    identityTypes: [l.type],
    orgId: ORG,
  });

const C2 = ['Command and Control'];
const MALWARE = ['Malware'];
const blocked = (identity: string, type: string, domain: string, categories: string[], times: number[]) =>
  times.map((ts) => ({ ts, identity, type, action: 'blocked' as const, domain, categories }));
const every = (start: string, n: number, stepSeconds: number) =>
  Array.from({ length: n }, (_, i) => at(start) + i * stepSeconds * 1000);

describe.each(databaseKinds)('ticket and note text on %s', (kind) => {
  let storage: Storage;
  let service: IngestService;
  let providerId: number;
  let alpha: number;
  let berlin: number;
  const root = mkdtempSync(path.join(tmpdir(), 'parasol-ticket-text-'));
  let files = 0;

  async function ingest(folder: string, lines: Line[]) {
    const key = umbrellaKey(folder, lines[0]!.ts, `u${String(files++).padStart(3, '0')}`, false);
    const dir = mkdtempSync(path.join(root, 'run-'));
    await writeLines(path.join(dir, key), lines.map(line));
    const r = await service.ingestPath(providerId, dir, { concurrency: 0 });
    expect(r).toMatchObject({ ingested: 1, failed: 0, badRows: 0, unrouted: 0 });
  }

  /** The ticket creates and notes queued for a customer, oldest first. */
  async function texts(customerId: number) {
    const rows = await storage.db
      .selectFrom('con_outbox')
      .select(['kind', 'payload'])
      .where('provider_id', '=', providerId)
      .where('customer_id', '=', customerId)
      .orderBy('id')
      .execute();
    return rows.map((r) => {
      const p = decodeJson<{ summary?: string; initialDescription?: string; text?: string }>(r.payload);
      return { kind: r.kind, text: p.initialDescription ?? p.text ?? '', summary: p.summary };
    });
  }

  beforeAll(async () => {
    storage = await openTestStorage(kind);
    const { db, dialect } = storage;
    const clock: Clock = { now: () => new Date(now) };
    const consoleStore = new ConsoleStore(db);
    const created = '2026-03-01T00:00:00Z';
    providerId = await consoleStore.createProvider({ name: 'Text MSP', kind: 'MSP', at: created });
    alpha = await consoleStore.createCustomer({ providerId, name: 'Alpha', seats: 10, at: created });
    berlin = await consoleStore.createCustomer({ providerId, name: 'Berlin GmbH', seats: 10, at: created });
    for (const [id, company] of [
      [alpha, 101],
      [berlin, 102],
    ] as const) {
      await db
        .updateTable('con_customer')
        .set({ psa_company_id: company, mapping_state: 'mapped' })
        .where('id', '=', id)
        .execute();
    }
    await db
      .insertInto('con_psa_integration')
      .values({
        provider_id: providerId,
        enabled: 1,
        site: 'psa.example',
        company_id: 'msp',
        client_id: 'client',
        public_key_sealed: null,
        private_key_sealed: null,
        public_key_hint: null,
        private_key_hint: null,
        trusted_ca: null,
        preflight: null,
        preflight_at: null,
        updated_at: created,
        updated_by: 'test',
      })
      .execute();
    const rules = new TicketRuleService(db, consoleStore, clock);
    const decider = new TicketDecider(db, dialect, clock, rules, new Outbox(db, dialect));
    const store = new IngestStore(db, dialect, {
      inCommit: async (trx, p, deltas) => {
        await decider.evaluate(trx, p, deltas);
      },
    });
    service = new IngestService(store, consoleStore, clock);
    await service.addBinding(providerId, alpha, { kind: 'umbrella-org', value: ORG }, 'test');
    await service.addBinding(providerId, berlin, { kind: 'folder-prefix', value: 'berlin-logs/' }, 'test');
    const [rule] = await rules.listRules(providerId);
    await rules.setOverride(providerId, rule!.id, berlin, { timeZone: 'Europe/Berlin' }, 'test');
  });
  afterAll(async () => {
    await storage.close();
  });

  it("a ticket from yesterday's logs names that identity's blocked domains of that window with counts, first and last blocked", async () => {
    // Unit 1: the host's allowed requests (one before the window, one inside it), 6 command-and-control
    // blocks, malware blocks of the same host (another category), and another host's blocks.
    await ingest(ORG, [
      {
        ts: at('09:00:00'),
        identity: 'RECEPTION-PC',
        type: 'Roaming Computers',
        action: 'allowed',
        domain: 'ok.example',
        categories: ['Business Services'],
      },
      {
        ts: at('12:01:00'),
        identity: 'RECEPTION-PC',
        type: 'Roaming Computers',
        action: 'allowed',
        domain: 'ok.example',
        categories: [],
      },
      ...blocked('RECEPTION-PC', 'Roaming Computers', 'c2-a.example', C2, every('12:05:00', 4, 60)),
      ...blocked('RECEPTION-PC', 'Roaming Computers', 'c2-b.example', C2, every('12:20:00', 2, 60)),
      ...blocked(
        'RECEPTION-PC',
        'Roaming Computers',
        'other-category.example',
        MALWARE,
        every('12:30:00', 40, 10),
      ),
      ...blocked('LAB-PC', 'Roaming Computers', 'lab-c2.example', C2, every('12:40:00', 30, 10)),
      ...blocked('LAB-PC', 'Roaming Computers', 'lab-malware.example', MALWARE, every('12:50:00', 50, 10)),
    ]);
    // Unit 2, same window: 5 more, one of them earlier than unit 1's first block → 11, above 10.
    await ingest(ORG, [
      ...blocked('RECEPTION-PC', 'Roaming Computers', 'c2-b.example', C2, [at('12:02:30'), at('13:30:00')]),
      ...blocked('RECEPTION-PC', 'Roaming Computers', 'c2-a.example', C2, [
        at('13:00:00'),
        at('14:00:00'),
        at('15:10:07'),
      ]),
    ]);

    const out = await texts(alpha);
    const creates = out.filter((o) => o.kind === 'ticket.create');
    expect(creates).toHaveLength(2);
    const lab = creates.find((c) => c.text.includes('LAB-PC'))!;
    const reception = creates.find((c) => c.text.includes('RECEPTION-PC'))!;

    expect(reception.summary).toBe(
      'DNS security: RECEPTION-PC contacted command and control domains (11 blocked)',
    );
    expect(reception.text).toContain('blocked 11 requests from RECEPTION-PC (Roaming Computers) at Alpha');
    expect(reception.text).toContain('in the window 2026-03-10 12:00–16:00 UTC,');
    expect(reception.text).toContain('First blocked request: 2026-03-10 12:02:30 UTC');
    expect(reception.text).toContain('Last blocked request: 2026-03-10 15:10:07 UTC');
    expect(reception.text).toContain('Top blocked domains: c2-a.example (7), c2-b.example (4)\n');

    // A command-and-control ticket never lists another identity's or another category's domains.
    expect(lab.text).toContain('Top blocked domains: lab-c2.example (30)\n');
    for (const text of [reception.text, lab.text]) {
      expect(text).not.toMatch(/malware\.example|other-category/);
    }
    expect(reception.text).not.toContain('lab-c2');
    expect(lab.text).not.toContain('c2-a');
  });

  it('a note of a later window is about that window only', async () => {
    await ingest(ORG, [
      ...blocked('RECEPTION-PC', 'Roaming Computers', 'c2-z.example', C2, [at('16:20:00'), at('17:45:00')]),
      ...blocked('RECEPTION-PC', 'Roaming Computers', 'late-malware.example', MALWARE, [at('16:10:00')]),
    ]);
    const notes = (await texts(alpha)).filter((o) => o.kind === 'ticket.note');
    expect(notes).toHaveLength(1);
    expect(notes[0]!.text).toBe(
      [
        'Still active: RECEPTION-PC made 2 blocked requests to command and control domains',
        'in the window 2026-03-10 16:00–20:00 UTC (first 2026-03-10 16:20:00 UTC, last 2026-03-10 17:45:00 UTC).',
        'Top blocked domains: c2-z.example (2)',
      ].join('\n'),
    );
  });

  it("on the logs' own day, a command-and-control ticket lists only that identity's command-and-control domains", async () => {
    // The customer's blocked domains of this day are led by other hosts' malware (LAB-PC's 50).
    now = at('23:00:00');
    try {
      await ingest(ORG, [
        ...blocked('KIOSK', 'Roaming Computers', 'kiosk-c2.example', C2, every('08:10:00', 11, 60)),
        ...blocked('KIOSK', 'Roaming Computers', 'kiosk-malware.example', MALWARE, every('08:20:00', 60, 1)),
      ]);
    } finally {
      now = NOW;
    }
    const kiosk = (await texts(alpha)).find((o) => o.kind === 'ticket.create' && o.text.includes('KIOSK'));
    expect(kiosk!.text).toContain('in the window 2026-03-10 08:00–12:00 UTC,');
    expect(kiosk!.text).toContain('Top blocked domains: kiosk-c2.example (11)\n');
    expect(kiosk!.text).toContain('First blocked request: 2026-03-10 08:10:00 UTC');
    expect(kiosk!.text).toContain('Last blocked request: 2026-03-10 08:20:00 UTC');
  });

  it("shows the window in the customer's time zone, named, and the identity type in Umbrella's words", async () => {
    await ingest('berlin-logs/7654321', [
      ...blocked('Jane Doe (jane@example.com)', 'AD Users', 'beacon.example', C2, every('12:15:00', 12, 600)),
    ]);
    const [create] = (await texts(berlin)).filter((o) => o.kind === 'ticket.create');
    expect(create!.text).toContain('from Jane Doe (jane@example.com) (AD Users) at Berlin GmbH');
    expect(create!.text).toContain('in the window 2026-03-10 13:00–17:00 Europe/Berlin,');
    expect(create!.text).toContain('First blocked request: 2026-03-10 13:15:00 Europe/Berlin');
    expect(create!.text).toContain('Last blocked request: 2026-03-10 15:05:00 Europe/Berlin');
    expect(create!.text).toContain('Top blocked domains: beacon.example (12)');
  });
});
