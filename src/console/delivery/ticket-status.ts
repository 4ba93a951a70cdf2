// Two-way ticket status (CON-10): the console learns that a PSA ticket was closed (or reopened by a
// human) by batched polling — `id in (…)`, up to 100 tickets per request, a missing ticket counting as
// closed — and, when the console has a public URL, through ONE owner-level ticket callback registered
// with the PSA. A callback only says "look at ticket N": its token is checked in constant time and the
// ticket is then read from the PSA; the payload's content is never trusted. What is learned goes
// through the pure lifecycle (`learnStatus`) in a transaction.

import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../../platform/clock.js';
import { digestsEqual, sha256, sha256Hex } from '../../platform/crypto.js';
import { type Database, decodeJson } from '../../platform/db-types.js';
import type { Trx } from '../engine/types.js';
import { type ConnectWiseApi, ConnectWiseError } from '../psa-client/types.js';
import {
  DEFAULT_RULE_SETTINGS,
  effectiveSettings,
  type Intent,
  learnStatus,
  type TicketRuleOverride,
  type TicketRuleSettings,
  type TicketStatusReport,
  type TrackState,
} from '../ticketing/index.js';
import { type CwTicketStatus, idInCondition } from './ticket-psa.js';
import { columnsOf, snapshotOf, type TrackRow, trackColumns } from './ticket-tracks.js';

/** Ticket ids per polling request (ConnectWise answers up to 1000 rows; the URL stays short). */
export const POLL_CHUNK = 100;
/** How long a closed track is still polled, to notice a human reopening its ticket. */
export const REOPEN_WATCH_MS = 24 * 60 * 60 * 1000;
/** The description of the console's callback registration in the PSA (System → Callbacks). */
export const CALLBACK_DESCRIPTION = 'Parasol ticket status';
/** The console route a registered callback posts to (the token follows the provider id). */
export const CALLBACK_ROUTE = '/api/v1/psa-callbacks';

const isoNow = (ms: number) => new Date(ms).toISOString();
const CLOSED_STATES: readonly TrackState[] = ['closed', 'silenced'];

// ---------------------------------------------------------------- applying a report

export interface StatusApplied {
  trackId: number;
  before: TrackState;
  after: TrackState;
  /** The track's row was written (its state or timing changed). */
  changed: boolean;
  /** What the lifecycle asks the delivery engine to do next (normally none on a status report). */
  intents: Intent[];
  reason?: string;
}

/** The rule's settings for a track, with the customer's override applied. */
async function settingsOfTrack(db: Kysely<Database>, row: TrackRow): Promise<TicketRuleSettings> {
  const rule = await db
    .selectFrom('con_ticket_rule')
    .select('settings')
    .where('provider_id', '=', row.provider_id)
    .where('id', '=', row.rule_id)
    .executeTakeFirst();
  if (!rule) throw new Error(`track ${row.id}: its ticket rule ${row.rule_id} no longer exists`);
  const override = await db
    .selectFrom('con_ticket_override')
    .select('settings')
    .where('provider_id', '=', row.provider_id)
    .where('rule_id', '=', row.rule_id)
    .where('customer_id', '=', row.customer_id)
    .executeTakeFirst();
  // Stored settings were validated on the way in; defaults fill settings added later.
  const settings = { ...DEFAULT_RULE_SETTINGS, ...decodeJson<Partial<TicketRuleSettings>>(rule.settings) };
  return effectiveSettings(
    settings,
    override ? decodeJson<TicketRuleOverride>(override.settings) : undefined,
  );
}

/**
 * A status report about one PSA ticket. `ticketId`, when given, is the ticket the status was read
 * from: the report only applies while it is still the track's current ticket — a poll or callback
 * that read the tickets before the track moved on to a new ticket must not close the new one.
 */
export type TicketReport = TicketStatusReport & { ticketId?: number };

/**
 * Runs the lifecycle's `learnStatus` for one track and writes the result, in a transaction (the one
 * given, or a new one). `closed_at` is set when the track turns closed or silenced, cleared when it is
 * open again. Returns null when the track does not exist. `settings` defaults to the track's rule
 * with the customer's override.
 */
export async function applyStatusReport(
  db: Kysely<Database>,
  trackId: number,
  report: TicketReport,
  settings?: TicketRuleSettings,
): Promise<StatusApplied | null> {
  const run = async (trx: Trx): Promise<StatusApplied | null> => {
    // A no-op write first: it takes the row lock (PostgreSQL) or the write lock (SQLite) before the
    // read, so concurrent reports of the same track (callback and poll) apply one after the other.
    await trx
      .updateTable('con_ticket_track')
      .set((eb) => ({ updated_at: eb.ref('updated_at') }))
      .where('id', '=', trackId)
      .execute();
    const row = (await trx
      .selectFrom('con_ticket_track')
      .select(trackColumns)
      .where('id', '=', trackId)
      .executeTakeFirst()) as TrackRow | undefined;
    if (!row) return null;
    const before = snapshotOf(row);
    if (report.ticketId !== undefined && before.psaTicketId !== report.ticketId)
      return {
        trackId,
        before: before.state,
        after: before.state,
        changed: false,
        intents: [],
        reason: `the report is about ticket ${report.ticketId}, no longer the track's current ticket`,
      };
    const decision = learnStatus(before, report, settings ?? (await settingsOfTrack(trx, row)));
    const next = decision.next;
    const result: StatusApplied = {
      trackId,
      before: before.state,
      after: next.state,
      changed: next !== before,
      intents: decision.intents,
      ...(decision.reason !== undefined ? { reason: decision.reason } : {}),
    };
    if (next === before) return result;
    const wasClosed = CLOSED_STATES.includes(before.state);
    const isClosed = CLOSED_STATES.includes(next.state);
    await trx
      .updateTable('con_ticket_track')
      .set({
        // The whole snapshot (the row is locked); psa_ticket_id is left to the effects that learn it.
        ...columnsOf(next),
        closed_at: isClosed ? (wasClosed ? row.closed_at : isoNow(report.now)) : null,
        reason: decision.reason ?? null,
        updated_at: isoNow(report.now),
      })
      .where('id', '=', trackId)
      .execute();
    return result;
  };
  return db.isTransaction ? run(db as Trx) : db.transaction().execute(run);
}

// ---------------------------------------------------------------- the service

export interface TicketStatusServiceOptions {
  db: Kysely<Database>;
  clock: Clock;
  /** The provider's ConnectWise client (the integration's API member; registering the callback needs System → Manage Hosted API). */
  clientFor(providerId: number): Promise<ConnectWiseApi>;
  /** Applies what was learned about one track; default: `applyStatusReport` with the track's rule. */
  onReport?(providerId: number, trackId: number, report: TicketReport): Promise<void>;
  /** How long closed tracks are still polled (default REOPEN_WATCH_MS). */
  reopenWatchMs?: number;
}

export interface PollSummary {
  /** Tracks whose ticket was looked at. */
  tracks: number;
  /** PSA requests sent. */
  requests: number;
  /** Tracks that learned their ticket was closed (or deleted). */
  closed: number;
  /** Closed tracks that learned their ticket was open again. */
  reopened: number;
}

export type CallbackRegistration =
  | {
      outcome: 'registered' | 'unchanged';
      /** The registration's id in the PSA. */
      callbackId: number;
      /** The URL registered, its token shown as `{token}`. */
      url: string;
      /** Stale registrations of this console and provider that were deleted. */
      removed: number[];
    }
  /** The PSA refused (typically the API member's role lacks System → Manage Hosted API): polling only. */
  | { outcome: 'refused'; reason: string };

export type CallbackOutcome =
  /** Wrong or unknown token (the route answers 403). */
  | { outcome: 'refused'; reason: string }
  /** Nothing to do: not a ticket, no id, or not a ticket the console tracks. */
  | { outcome: 'ignored'; reason: string; ticketId?: number }
  /** The ticket was read from the PSA and its tracks updated. */
  | ({ outcome: 'polled'; ticketId: number } & PollSummary)
  /** The PSA could not be read now (or the integration is not usable); polling will learn it later. */
  | { outcome: 'deferred'; ticketId: number; reason: string };

interface PolledTrack {
  id: number;
  state: string;
  psa_ticket_id: number | null;
}

/** `https://host[:port][/path]` without a trailing slash; plain http only on loopback (the token travels in the URL). */
export function callbackBase(publicUrl: string): string {
  let url: URL;
  try {
    url = new URL(publicUrl);
  } catch {
    throw new TypeError(`public URL '${publicUrl}' is not an absolute URL`);
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback))
    throw new TypeError(`public URL '${publicUrl}' must use https (plain http only on loopback)`);
  if (url.search || url.hash || url.username || url.password)
    throw new TypeError(`public URL '${publicUrl}' must not carry a query, a fragment or credentials`);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

interface CwCallback {
  id: number;
  url?: string;
  type?: string;
  level?: string;
  objectId?: number;
  inactiveFlag?: boolean;
  description?: string;
}

export class TicketStatusService {
  private readonly db: Kysely<Database>;
  private readonly clock: Clock;
  private readonly clientFor: (providerId: number) => Promise<ConnectWiseApi>;
  private readonly onReport: (providerId: number, trackId: number, report: TicketReport) => Promise<void>;
  private readonly reopenWatchMs: number;

  constructor(options: TicketStatusServiceOptions) {
    this.db = options.db;
    this.clock = options.clock;
    this.clientFor = options.clientFor;
    this.onReport =
      options.onReport ??
      (async (_providerId, trackId, report) => {
        await applyStatusReport(this.db, trackId, report);
      });
    this.reopenWatchMs = options.reopenWatchMs ?? REOPEN_WATCH_MS;
  }

  /**
   * Polls every open track of the provider with a PSA ticket, and the tracks closed within the
   * reopen watch (to notice a human reopening), POLL_CHUNK ticket ids per request.
   */
  async pollProvider(providerId: number): Promise<PollSummary> {
    const nowMs = this.clock.now().getTime();
    const rows = await this.db
      .selectFrom('con_ticket_track')
      .select(['id', 'state', 'psa_ticket_id'])
      .where('provider_id', '=', providerId)
      .where('psa_ticket_id', 'is not', null)
      .where((eb) =>
        eb.or([
          eb('state', '=', 'open'),
          eb.and([
            eb('state', 'in', CLOSED_STATES as TrackState[]),
            eb('closed_at', '>=', isoNow(nowMs - this.reopenWatchMs)),
          ]),
        ]),
      )
      .orderBy('id')
      .execute();
    const summary: PollSummary = { tracks: rows.length, requests: 0, closed: 0, reopened: 0 };
    if (rows.length === 0) return summary;
    const api = await this.clientFor(providerId);
    await this.poll(api, providerId, rows, summary);
    return summary;
  }

  /** Reads the tickets of `tracks` (POLL_CHUNK per request) and reports the tracks whose status changed. */
  private async poll(
    api: ConnectWiseApi,
    providerId: number,
    tracks: readonly PolledTrack[],
    summary: PollSummary,
  ): Promise<void> {
    const byTicket = new Map<number, PolledTrack[]>();
    for (const t of tracks) {
      const ticketId = Number(t.psa_ticket_id);
      const list = byTicket.get(ticketId);
      if (list) list.push(t);
      else byTicket.set(ticketId, [t]);
    }
    const ids = [...byTicket.keys()];
    for (let i = 0; i < ids.length; i += POLL_CHUNK) {
      const chunk = ids.slice(i, i + POLL_CHUNK);
      const found = await api.list<CwTicketStatus>('/service/tickets', {
        conditions: idInCondition(chunk),
        fields: 'id,closedFlag',
        pageSize: POLL_CHUNK,
      });
      summary.requests += 1;
      const closedById = new Map(found.map((t) => [Number(t.id), t.closedFlag === true]));
      const now = this.clock.now().getTime();
      for (const ticketId of chunk) {
        // A ticket missing from the answer was deleted in the PSA: for the track, that is closed.
        const closed = closedById.get(ticketId) ?? true;
        for (const track of byTicket.get(ticketId) ?? []) {
          const trackOpen = track.state === 'open';
          if (trackOpen !== closed) continue;
          await this.onReport(providerId, Number(track.id), { closed, now, ticketId });
          if (closed) summary.closed += 1;
          else summary.reopened += 1;
        }
      }
    }
  }

  // ---------------------------------------------------------------- callbacks

  private async health(providerId: number) {
    return this.db
      .selectFrom('con_integration_health')
      .select(['callback_url', 'callback_token_digest', 'callback_psa_id'])
      .where('provider_id', '=', providerId)
      .executeTakeFirst();
  }

  private async saveCallback(
    providerId: number,
    values: {
      callback_url: string | null;
      callback_token_digest: string | null;
      callback_psa_id: number | null;
    },
  ): Promise<void> {
    const at = isoNow(this.clock.now().getTime());
    await this.db
      .insertInto('con_integration_health')
      .values({ provider_id: providerId, circuit: 'closed', ...values, updated_at: at })
      .onConflict((oc) => oc.column('provider_id').doUpdateSet({ ...values, updated_at: at }))
      .execute();
  }

  /**
   * Makes sure the provider's PSA has exactly one ticket callback of this console, posting to
   * `<publicUrl>/api/v1/psa-callbacks/<providerId>/<token>?recordId=`. The registration recorded in
   * con_integration_health is kept when the PSA still has it unchanged (same URL, token digest,
   * type, level and active); otherwise a new one with a fresh token is created, and every other
   * registration of this console and provider (a stale token or an old public URL) is deleted.
   */
  async ensureCallback(providerId: number, publicUrl: string): Promise<CallbackRegistration> {
    const prefix = `${callbackBase(publicUrl)}${CALLBACK_ROUTE}/${providerId}/`;
    const api = await this.clientFor(providerId);
    const health = await this.health(providerId);
    try {
      const all = await api.listAll<CwCallback>('/system/callbacks', {
        fields: 'id,url,type,level,objectId,inactiveFlag,description',
      });
      const recordedId = health?.callback_psa_id ?? null;
      const ours = all.filter((c) => c.id === recordedId || (c.url ?? '').startsWith(prefix));
      const current = ours.find(
        (c) =>
          c.id === recordedId &&
          health?.callback_token_digest != null &&
          this.tokenOf(c.url, prefix) !== undefined &&
          sha256Hex(this.tokenOf(c.url, prefix)!) === health.callback_token_digest &&
          c.type?.toLowerCase() === 'ticket' &&
          c.level?.toLowerCase() === 'owner' &&
          c.objectId === 1 &&
          c.inactiveFlag !== true,
      );
      let registration: CwCallback;
      let outcome: 'registered' | 'unchanged';
      if (current) {
        registration = current;
        outcome = 'unchanged';
      } else {
        const token = randomBytes(32).toString('base64url');
        const created = await api.post<CwCallback>('/system/callbacks', {
          url: `${prefix}${token}?recordId=`,
          objectId: 1,
          type: 'ticket',
          level: 'owner',
          description: CALLBACK_DESCRIPTION,
          inactiveFlag: false,
        });
        if (typeof created?.id !== 'number') throw new Error('POST /system/callbacks answered without an id');
        registration = created;
        outcome = 'registered';
        await this.saveCallback(providerId, {
          callback_url: `${prefix}{token}?recordId=`,
          callback_token_digest: sha256Hex(token),
          callback_psa_id: created.id,
        });
      }
      const removed: number[] = [];
      for (const stale of ours) {
        if (stale.id === registration.id) continue;
        try {
          await api.delete(`/system/callbacks/${stale.id}`);
        } catch (e) {
          if (!(e instanceof ConnectWiseError && e.status === 404)) throw e;
        }
        removed.push(stale.id);
      }
      return { outcome, callbackId: registration.id, url: `${prefix}{token}?recordId=`, removed };
    } catch (e) {
      if (e instanceof ConnectWiseError && e.kind === 'http' && e.status === 403)
        return {
          outcome: 'refused',
          reason:
            "the PSA refused to manage callbacks (the integration's security role needs System → Manage Hosted API); ticket status is learned by polling",
        };
      throw e;
    }
  }

  /** Deletes the provider's recorded callback registration (if any) and forgets its token. */
  async removeCallback(providerId: number): Promise<{ removed: number | null }> {
    const health = await this.health(providerId);
    const id = health?.callback_psa_id ?? null;
    if (id !== null) {
      const api = await this.clientFor(providerId);
      try {
        await api.delete(`/system/callbacks/${id}`);
      } catch (e) {
        if (!(e instanceof ConnectWiseError && e.status === 404)) throw e;
      }
    }
    if (health)
      await this.saveCallback(providerId, {
        callback_url: null,
        callback_token_digest: null,
        callback_psa_id: null,
      });
    return { removed: id };
  }

  private tokenOf(url: string | undefined, prefix: string): string | undefined {
    if (!url?.startsWith(prefix)) return undefined;
    const token = url.slice(prefix.length).split(/[?#]/)[0];
    return token ? token : undefined;
  }

  /**
   * A callback POST from the PSA. The token is checked in constant time against the stored digest;
   * the ticket id is taken from the payload's `ID` (or the query's `id` / `recordId`), and that ticket
   * is then read from the PSA — the payload's own content (Entity, Action) is never trusted.
   */
  async handleCallback(
    providerId: number,
    token: string,
    body: unknown,
    query: Record<string, string | undefined> = {},
  ): Promise<CallbackOutcome> {
    const health = await this.health(providerId);
    const digest = health?.callback_token_digest;
    if (!digest) return { outcome: 'refused', reason: 'no callback is registered for this provider' };
    if (typeof token !== 'string' || token.length === 0 || token.length > 200)
      return { outcome: 'refused', reason: 'wrong callback token' };
    if (!digestsEqual(sha256(token), Buffer.from(digest, 'hex')))
      return { outcome: 'refused', reason: 'wrong callback token' };

    const payload = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    if (typeof payload.Type === 'string' && payload.Type.toLowerCase() !== 'ticket')
      return { outcome: 'ignored', reason: `not a ticket callback (${payload.Type.slice(0, 40)})` };
    const raw = payload.ID ?? query.id ?? query.recordId;
    const ticketId =
      typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(ticketId) || ticketId <= 0)
      return { outcome: 'ignored', reason: 'the callback names no ticket id' };

    const tracks = await this.db
      .selectFrom('con_ticket_track')
      .select(['id', 'state', 'psa_ticket_id'])
      .where('provider_id', '=', providerId)
      .where('psa_ticket_id', '=', ticketId)
      .where('state', '!=', 'none')
      .orderBy('id')
      .execute();
    if (tracks.length === 0)
      return { outcome: 'ignored', reason: 'not a ticket the console tracks', ticketId };
    const summary: PollSummary = { tracks: tracks.length, requests: 0, closed: 0, reopened: 0 };
    try {
      await this.poll(await this.clientFor(providerId), providerId, tracks, summary);
    } catch (e) {
      // The PSA (or the integration's settings) cannot be used now: the next poll learns it.
      return { outcome: 'deferred', ticketId, reason: e instanceof Error ? e.message : String(e) };
    }
    return { outcome: 'polled', ticketId, ...summary };
  }
}
