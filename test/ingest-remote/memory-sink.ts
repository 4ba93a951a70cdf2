// An in-memory EventSink with the core's exactly-once semantics (a (provider, key, version) unit is
// counted once), for tests of the remote sources' paging and cursors without a database.
import type { IngestOutcome, IngestUnit } from '../../src/console/ingest/types.js';
import type { DnsEvent } from '../../src/console/sources/event.js';
import type { EventSink, UnitMeta } from '../../src/console/sources-remote/sink.js';

export class MemorySink implements EventSink {
  readonly units = new Map<string, { version: string; outcome: IngestOutcome; events: DnsEvent[] }>();
  readonly cursors = new Map<string, string>();
  /** Every event counted, in order. */
  readonly events: DnsEvent[] = [];
  /** Make the nth ingestEvents call (1-based) answer 'busy' without counting anything. */
  failOnCall: number | undefined;
  calls = 0;

  async ingestEvents(
    unit: IngestUnit,
    events: Iterable<DnsEvent> | AsyncIterable<DnsEvent>,
    meta: UnitMeta = {},
  ): Promise<IngestOutcome> {
    this.calls++;
    if (this.failOnCall === this.calls)
      return { status: 'busy', rows: 0, badRows: 0, unrouted: 0, errors: [], reason: 'injected' };
    const id = `${unit.providerId}|${unit.sourceKey}`;
    const prior = this.units.get(id);
    if (prior && prior.version === unit.version) return { ...prior.outcome, status: 'duplicate' };
    const list: DnsEvent[] = [];
    for await (const e of events as AsyncIterable<DnsEvent>) list.push(e);
    const outcome: IngestOutcome = {
      status: 'ingested',
      rows: list.length,
      badRows: meta.badRows ?? 0,
      unrouted: 0,
      errors: meta.errors ?? [],
    };
    this.units.set(id, { version: unit.version, outcome, events: list });
    this.events.push(...list);
    if (meta.cursor) this.cursors.set(`${unit.providerId}|${meta.cursor.source}`, meta.cursor.value);
    return outcome;
  }

  async ingested(providerId: number, sourceKey: string) {
    const u = this.units.get(`${providerId}|${sourceKey}`);
    return u ? { ...u.outcome, version: u.version } : undefined;
  }

  async getCursor(providerId: number, source: string) {
    return this.cursors.get(`${providerId}|${source}`);
  }

  async setCursor(providerId: number, source: string, value: string) {
    this.cursors.set(`${providerId}|${source}`, value);
  }
}
