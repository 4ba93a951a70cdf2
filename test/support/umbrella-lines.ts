// Random Umbrella DNS log lines for the blocked-window property tests (the aggregate's unit test and
// its store-level twin): who asked, when (whole seconds after a day's start, the log's resolution),
// allowed or blocked, which domain and categories — and the CSV line the ingest reads.
import fc from 'fast-check';
import { formatUmbrellaCsvLine } from '../../src/console/sources/umbrella-csv.js';

export const DAY = Date.UTC(2026, 2, 9);

/** The categories' words in a ticket rule. */
export const CATEGORY_LABELS: Record<string, string> = {
  'Command and Control': 'command-and-control',
  Malware: 'malware',
  Phishing: 'phishing',
};

export interface Asker {
  identity: string;
  identityType: string;
}

export interface RawLine<W extends Asker = Asker> {
  who: W;
  second: number;
  action: 'allowed' | 'blocked';
  domain: string;
  categories: string[];
}

export function rawLineArb<W extends Asker>(options: {
  who: readonly W[];
  /** Lines fall in [0, seconds) after DAY. */
  seconds: number;
  domains: readonly string[];
  /** Blocked lines per allowed one (1: as many). */
  blockedWeight?: number;
}): fc.Arbitrary<RawLine<W>> {
  const actions = [
    ...Array.from({ length: options.blockedWeight ?? 1 }, () => 'blocked' as const),
    'allowed' as const,
  ];
  return fc.record({
    who: fc.constantFrom(...options.who),
    second: fc.integer({ min: 0, max: options.seconds - 1 }),
    action: fc.constantFrom(...actions),
    domain: fc.constantFrom(...options.domains),
    categories: fc.subarray(['Command and Control', 'Malware', 'Phishing', 'Business Services']),
  });
}

/** The 16-column Umbrella CSV line of a raw line (with the organization id when given). */
export function umbrellaLine(r: RawLine, orgId?: string): string {
  return formatUmbrellaCsvLine({
    ts: DAY + r.second * 1000,
    identity: r.who.identity,
    identities: [r.who.identity],
    action: r.action,
    queryType: 'A',
    domain: r.domain,
    categories: r.categories,
    identityType: r.who.identityType,
    identityTypes: [r.who.identityType],
    ...(orgId !== undefined ? { orgId } : {}),
  });
}
