// Callbacks (PSA-8): a change to a ticket, company or configuration is matched against the
// `/system/callbacks` registrations and one delivery per match is written to the delivery table in
// the same transaction as the change; the dispatcher (callback-dispatcher.ts) sends them.
import type { Transaction } from 'kysely';
import type { Database } from '../../platform/db-types.js';
import type { Doc, RecordStore } from '../store/records.js';
import type { CallContext } from './context.js';

export const CALLBACK_ENTITY = 'callback';

export interface ChangeEvent {
  type: 'ticket' | 'company' | 'configuration';
  action: 'added' | 'updated' | 'deleted';
  id: number;
  record: Doc;
  fromUrl: string;
}

/** The id a callback's `level` filters on, e.g. level `board` → the ticket's board id. */
function levelValue(level: string, record: Doc): number | undefined {
  const key = level.toLowerCase();
  const pick = (field: string) => {
    const ref = record[field] as Doc | undefined;
    return typeof ref?.id === 'number' ? ref.id : undefined;
  };
  switch (key) {
    case 'board':
      return pick('board');
    case 'status':
      return pick('status');
    case 'company':
      return pick('company');
    case 'type':
      return pick('type');
    case 'priority':
      return pick('priority');
    default:
      return undefined;
  }
}

export function callbackMatches(callback: Doc, event: ChangeEvent): boolean {
  if (callback.inactiveFlag === true) return false;
  if (String(callback.type ?? '').toLowerCase() !== event.type) return false;
  const level = String(callback.level ?? 'owner').toLowerCase();
  if (level === 'owner' || level === 'all') return true;
  return levelValue(level, event.record) === callback.objectId;
}

export async function currentSigningKeyId(trx: Transaction<Database>, createdAt: string): Promise<number> {
  const row = await trx
    .selectFrom('psa_signing_key')
    .select('id')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (row) return Number(row.id);
  const { randomAlphanumeric } = await import('../../platform/crypto.js');
  const inserted = await trx
    .insertInto('psa_signing_key')
    .values({ signing_key: randomAlphanumeric(48), created_at: createdAt })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(inserted.id);
}

export async function enqueueCallbacks(
  ctx: CallContext,
  store: RecordStore,
  trx: Transaction<Database>,
  event: ChangeEvent,
): Promise<number> {
  const registrations = await store.list(CALLBACK_ENTITY, {}, trx);
  const matching = registrations.filter((r) => callbackMatches(r.data, event));
  if (matching.length === 0) return 0;
  const keyId = await currentSigningKeyId(trx, ctx.now);
  for (const cb of matching) {
    const payload = {
      Action: event.action,
      CompanyId: ctx.companyId,
      Entity: JSON.stringify(event.record),
      FromUrl: event.fromUrl,
      ID: event.id,
      MemberId: ctx.caller.identifier,
      Metadata: { key_url: `${ctx.apiBase}/system/callbacks/signingKeys/${keyId}` },
      Type: event.type,
    };
    const url = appendQuery(String(cb.data.url), { action: event.action, id: String(event.id) });
    await trx
      .insertInto('psa_callback_delivery')
      .values({
        callback_id: cb.id,
        url,
        body: JSON.stringify(payload),
        status: 'pending',
        attempts: 0,
        next_attempt_at: ctx.now,
        lease_until: null,
        last_error: null,
        created_at: ctx.now,
      })
      .execute();
  }
  return matching.length;
}

/**
 * The delivery URL: ConnectWise appends the action and the record id to the registered URL as
 * `action` and `id` query parameters (what connectwise-rest's middleware reads as `req.query.action`
 * and `req.query.id`); a URL ending in `recordId=` (the documented convention) also gets the id there.
 * A `#fragment` stays at the end.
 */
export function appendQuery(url: string, params: Record<string, string>): string {
  const hash = url.indexOf('#');
  const fragment = hash >= 0 ? url.slice(hash) : '';
  let out = hash >= 0 ? url.slice(0, hash) : url;
  if (/[?&]recordId=$/i.test(out)) out += encodeURIComponent(params.id ?? '');
  for (const [k, v] of Object.entries(params)) {
    const sep = !out.includes('?') ? '?' : /[?&]$/.test(out) ? '' : '&';
    out += `${sep}${encodeURIComponent(k)}=${encodeURIComponent(v)}`;
  }
  return out + fragment;
}
