// The delivery engine's contract (CON-9): what an outbox item is, what an effect (the code that
// performs one kind of PSA write) receives and returns, and how failures are classified.
//
// Flow: a decision (ticket rule, configuration sync, admin action) inserts outbox items with
// `Outbox.enqueue(trx, …)` inside the transaction that records the decision. Workers claim ready
// items with a lease, run the effect registered for the item's kind against the provider's PSA
// through its ConnectWise client, and complete the item — the effect's `apply` (console-side state,
// e.g. the PSA ticket id of a track) runs in the same transaction that marks the item done, guarded
// by "still leased by me". Failures are retried with capped exponential backoff and jitter
// (honouring Retry-After); 401/403 open the integration's circuit; other 4xx fail the item.
import type { Transaction } from 'kysely';
import type { Database } from '../../platform/db-types.js';
import type { ConnectWiseApi } from '../psa-client/types.js';

export type Trx = Transaction<Database>;

/** What a decision asks the engine to do. */
export interface OutboxItemInput {
  providerId: number;
  /** The customer the write is for, when there is one (activity and health are per customer). */
  customerId: number | null;
  /** The effect that performs it, e.g. 'ticket.create' (see Effects). */
  kind: string;
  /**
   * Items with the same subject run one at a time in insertion order, e.g. `track:42` keeps a note
   * behind the ticket it belongs to; `config:7` keeps one customer's configuration writes in order.
   */
  subject: string;
  /** JSON; what the effect needs besides state it reads at run time. */
  payload: unknown;
  /** Epoch ms; not run before (default: now). */
  notBefore?: number;
}

export interface OutboxItem {
  id: number;
  providerId: number;
  customerId: number | null;
  kind: string;
  subject: string;
  payload: unknown;
  /** Attempts started so far, this one included. */
  attempts: number;
  /**
   * An earlier attempt may have reached the PSA and been applied there (timeout, 5xx, dropped
   * response, crash while running): the effect must look for what it may already have done (its
   * marker) before doing it again.
   */
  ambiguous: boolean;
  createdAt: string;
}

/** A PSA write as the write log keeps it: method and path only (no query, no body, no headers). */
export interface PsaWrite {
  method: string;
  path: string;
  status: number | null;
  outcome: 'ok' | 'error' | 'found-existing' | 'skipped';
  /** Plain words, no secrets: 'created ticket 123', 'note appended', 'ticket already existed'. */
  detail: string;
}

export interface EffectContext {
  item: OutboxItem;
  /** The provider's PSA (a customer's real ConnectWise or the built-in PSA). */
  api: ConnectWiseApi;
  now: Date;
  /** Reads console state at run time (outside the completion transaction). */
  db: import('kysely').Kysely<Database>;
  /** Records a PSA write in the write log (kept with the item's completion). */
  logWrite(write: PsaWrite): void;
}

export interface EffectDone {
  /** JSON kept on the item (e.g. { ticketId: 123 }). */
  result?: unknown;
  /** Console-side state changes, run in the transaction that marks the item done. */
  apply?: (trx: Trx) => Promise<void>;
  /** Items this one leads to (e.g. a note whose ticket was found already closed), same transaction. */
  followUps?: OutboxItemInput[];
}

/**
 * Performs one kind of PSA write. Throws ConnectWiseError (or any error) to fail the attempt; the
 * engine classifies it with `classifyFailure`. An effect that knows a failure is final for it (e.g.
 * 404 on a configuration that was deleted → recreate instead) handles it itself.
 */
export type Effect = (ctx: EffectContext) => Promise<EffectDone>;

export type Effects = Readonly<Record<string, Effect>>;

/**
 * Flags an effect may set on the errors it throws (besides ConnectWiseError, which the engine reads
 * itself): `permanent` — the same item would fail the same way (a bad payload); `notSent` — nothing
 * was sent to the PSA, the item waits for something else (its type, its ticket) and is retried
 * without being treated as ambiguous.
 */
export interface EffectErrorFlags {
  permanent?: boolean;
  notSent?: boolean;
}

/** How the engine treats a failed attempt. */
export type FailureClass =
  /** Try again later; `ambiguous` when the PSA may have applied the write. */
  | { kind: 'retry'; ambiguous: boolean; retryAfterMs?: number; reason: string }
  /** Credentials or permissions refused: open the integration's circuit, keep the item pending. */
  | { kind: 'circuit'; reason: string }
  /** The same request would fail the same way: the item fails, visible with a retry action. */
  | { kind: 'permanent'; reason: string };

export type OutboxState = 'pending' | 'running' | 'done' | 'failed';

/** An outbox item as the activity view and the admin see it. */
export interface OutboxEntry extends OutboxItem {
  state: OutboxState;
  /** When it may run next (ISO-8601 UTC). */
  notBefore: string;
  /** The worker holding it while running; the one that finished it once done or failed. */
  leaseOwner: string | null;
  leaseUntil: string | null;
  /** Plain-language reason of the last failed attempt (or why it is waiting). */
  lastError: string | null;
  result: unknown;
  /** When it turned done or failed. */
  doneAt: string | null;
}

/** A row of the PSA write log. */
export interface PsaWriteEntry extends PsaWrite {
  id: number;
  providerId: number;
  customerId: number | null;
  outboxId: number | null;
  at: string;
}

/** Queue depth for metrics and health. */
export interface OutboxStats {
  depth: Record<OutboxState, number>;
  /** Age of the oldest pending item (ms since it was enqueued); 0 when nothing is pending. */
  oldestPendingAgeMs: number;
}
