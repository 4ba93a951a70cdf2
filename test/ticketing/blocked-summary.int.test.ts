// What a ticket reads about its identity's window, through the database (SQLite, and PostgreSQL when
// set): random Umbrella log lines cut into units, committed in a random order through the ingest
// store's merge, then read back by the decision's query for a random rule — first/last must be that
// identity's blocked requests inside the window and the rule's categories, domain counts exact,
// against a reference computed straight from the raw lines (property test).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SecurityCategory } from '../../src/console/aggregate/index.js';
import { AggregateBatch } from '../../src/console/aggregate/index.js';
import { readBlockedSummary } from '../../src/console/delivery/ticket-decisions.js';
import { IngestStore } from '../../src/console/ingest/store.js';
import { parseUmbrellaCsv } from '../../src/console/sources/umbrella-csv.js';
import type { Storage } from '../../src/platform/db.js';
import { databaseKinds, openTestStorage } from '../support/databases.js';
import {
  DAY,
  CATEGORY_LABELS as LABELS,
  type RawLine,
  rawLineArb,
  umbrellaLine,
} from '../support/umbrella-lines.js';

const AGG_MINUTES = 240;
const WHO = [
  { identity: 'RECEPTION-PC', identityType: 'Roaming Computers', kind: 'roaming-computer' },
  { identity: 'Office', identityType: 'Networks', kind: 'network' },
];

// Two aggregation windows, so units often meet in a cell (the merge path); two blocked lines per allowed one.
const rowArb = rawLineArb({
  who: WHO,
  seconds: 8 * 3600,
  domains: ['c2-a.example', 'C2-B.example', 'mal.example', 'ok.example'],
  blockedWeight: 2,
});
type Raw = RawLine<(typeof WHO)[number]>;

const toLine = (r: Raw) => umbrellaLine(r);

describe.each(databaseKinds)('blocked summary through the store on %s', (kind) => {
  let storage: Storage;
  let store: IngestStore;
  let run = 0;

  beforeAll(async () => {
    storage = await openTestStorage(kind);
    store = new IngestStore(storage.db, storage.dialect);
  });
  afterAll(async () => {
    await storage.close();
  });

  it('property: first/last blocked and domain counts of an identity-window match the raw lines', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(rowArb, { minLength: 20, maxLength: 80 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        fc.constantFrom(1, 2, 6),
        fc.subarray(['command-and-control', 'malware', 'phishing'] as SecurityCategory[], { minLength: 1 }),
        async (raws, cuts, reverse, factor, categories) => {
          const providerId = ++run; // a fresh tenant per run: the rows of earlier runs never mix in
          const bounds = [...new Set(cuts.map((c) => c % (raws.length + 1)))].sort((a, b) => a - b);
          const units: Raw[][] = [];
          let from = 0;
          for (const b of [...bounds, raws.length]) {
            units.push(raws.slice(from, b));
            from = b;
          }
          if (reverse) units.reverse();
          for (const unit of units) {
            const { events, errors } = parseUmbrellaCsv(unit.map(toLine).join('\n'));
            expect(errors).toEqual([]);
            const batch = new AggregateBatch({ windowMinutes: AGG_MINUTES });
            for (const e of events) batch.add({ ...e, customerId: 1 });
            await storage.db
              .transaction()
              .execute((trx) => store.applyDeltas(trx, providerId, batch.deltas(), 256));
          }

          const ruleMinutes = AGG_MINUTES * factor;
          for (const who of WHO) {
            for (let start = DAY; start < DAY + 86_400_000; start += ruleMinutes * 60_000) {
              const mine = raws.filter((r) => {
                const ts = DAY + r.second * 1000;
                return (
                  r.who === who &&
                  r.action === 'blocked' &&
                  ts >= start &&
                  ts < start + ruleMinutes * 60_000 &&
                  r.categories.some((c) => (categories as string[]).includes(LABELS[c] ?? ''))
                );
              });
              const counts = new Map<string, number>();
              for (const r of mine) {
                const n = r.categories.filter((c) =>
                  (categories as string[]).includes(LABELS[c] ?? ''),
                ).length;
                counts.set(r.domain.toLowerCase(), (counts.get(r.domain.toLowerCase()) ?? 0) + n);
              }
              const times = mine.map((r) => DAY + r.second * 1000);
              const got = await readBlockedSummary(
                storage.db,
                providerId,
                1,
                { categories, windowMinutes: ruleMinutes },
                { identity: who.identity, identityType: who.kind, windowStart: start },
                100,
              );
              expect(got.firstBlocked).toBe(times.length ? Math.min(...times) : null);
              expect(got.lastBlocked).toBe(times.length ? Math.max(...times) : null);
              expect(got.topDomains.map((d) => [d.domain, d.count, d.atLeast])).toEqual(
                [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([d, n]) => [d, n, n]),
              );
            }
          }
        },
      ),
      { numRuns: 25 },
    );
  }, 120_000);
});
