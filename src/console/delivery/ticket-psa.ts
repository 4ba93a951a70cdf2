// What the ticket effects and the ticket status service share about ConnectWise: the record shapes
// they read, string literals for `conditions`, and how a missing record shows up.
import { ConnectWiseError } from '../psa-client/types.js';

/** The fields of a ConnectWise Ticket the console reads back (partial responses with `fields`). */
export interface CwTicketStatus {
  id: number;
  closedFlag?: boolean;
  board?: { id: number; name?: string };
  status?: { id: number; name?: string };
}

/** A BoardStatus as read for closing or reopening a ticket. */
export interface CwBoardStatus {
  id: number;
  name?: string;
  closedStatus?: boolean;
}

/** A ServiceNote as read to find a note the console may already have written. */
export interface CwNote {
  id: number;
  text?: string;
}

/**
 * A string literal for ConnectWise `conditions` (connectwise-api.md §4.1): double quotes, or single
 * quotes when the text holds a double quote. ConnectWise documents no escape inside a literal and
 * servers differ on backslashes, so text holding both quote kinds, a backslash or a control character
 * cannot be written unambiguously and is refused. (The client URL-encodes the whole parameter.)
 */
export function conditionString(text: string): string {
  const hasControl = [...text].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
  if (text.includes('\\') || hasControl)
    throw new TypeError(
      `conditions: '${text.slice(0, 60)}' holds a backslash or a control character, which ConnectWise conditions cannot carry unambiguously`,
    );
  if (!text.includes('"')) return `"${text}"`;
  if (!text.includes("'")) return `'${text}'`;
  throw new TypeError(
    `conditions: '${text.slice(0, 60)}' holds both quote characters; ConnectWise conditions have no escape for that`,
  );
}

/** `id in (1,2,3)` for positive integer ids (at least one). */
export function idInCondition(ids: readonly number[]): string {
  if (ids.length === 0) throw new TypeError('conditions: id in () needs at least one id');
  for (const id of ids)
    if (!Number.isSafeInteger(id) || id <= 0) throw new TypeError(`conditions: '${id}' is not a record id`);
  return `id in (${ids.join(',')})`;
}

/**
 * The PSA answered 404 for the record itself (deleted, or never there) — not ConnectWise's "The
 * endpoint does not exist." (code ConnectWiseApi), which is a wrong site or codebase, not a record.
 */
export function isNotFound(e: unknown): e is ConnectWiseError {
  return (
    e instanceof ConnectWiseError && e.kind === 'http' && e.status === 404 && e.code !== 'ConnectWiseApi'
  );
}
