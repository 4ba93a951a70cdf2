// How a failed delivery attempt is treated: retried later (and whether the PSA may already have
// applied it), the integration's circuit opened (credentials or permissions), or failed for good.
import { ConnectWiseError } from '../psa-client/types.js';
import type { EffectErrorFlags, FailureClass } from './types.js';

export const DEFAULT_MAX_ATTEMPTS = 25;

/** Methods whose repetition can apply a write twice (a second ticket): a lost answer is ambiguous. */
const NON_IDEMPOTENT = new Set(['POST']);

export const CREDENTIALS_REJECTED =
  'credentials rejected — the PSA refused the API keys (revoked or mistyped?); ' +
  'save PSA Integration Details with a valid key pair';

function target(e: ConnectWiseError): string {
  return [e.method, e.path].filter(Boolean).join(' ') || 'the request';
}

/** ConnectWise's own words for a refused request: its message and its per-field errors. */
function cwWords(e: ConnectWiseError): string {
  const fields = (e.errors ?? []).map((f) => [f.field, f.message].filter(Boolean).join(': ')).filter(Boolean);
  const words = [e.cwMessage ?? e.code, fields.length ? fields.join('; ') : undefined].filter(Boolean);
  return words.length ? words.join(' — ') : e.message;
}

function classifyOnce(error: unknown): FailureClass {
  if (!(error instanceof ConnectWiseError)) {
    const message = error instanceof Error ? error.message : String(error);
    const flags = (typeof error === 'object' && error !== null ? error : {}) as EffectErrorFlags;
    if (flags.permanent === true) return { kind: 'permanent', reason: message };
    if (flags.notSent === true) return { kind: 'retry', ambiguous: false, reason: message };
    // Not the client's: a bug or a database hiccup inside the effect. Whether the PSA was reached is
    // unknown, so the next attempt looks for what may already exist.
    return { kind: 'retry', ambiguous: true, reason: `unexpected error: ${message}` };
  }
  const e = error;
  const retryAfter = e.retryAfterSeconds !== undefined ? { retryAfterMs: e.retryAfterSeconds * 1000 } : {};
  const writeMayHaveHappened = NON_IDEMPOTENT.has((e.method ?? '').toUpperCase());
  switch (e.kind) {
    case 'http':
      break;
    case 'budget-exhausted':
      return { kind: 'retry', ambiguous: false, ...retryAfter, reason: e.message };
    case 'timeout':
      return { kind: 'retry', ambiguous: true, ...retryAfter, reason: e.message };
    case 'network':
    case 'malformed-response':
      // The request may have been processed (a connection reset after the PSA committed, a 200
      // whose body could not be read).
      return { kind: 'retry', ambiguous: writeMayHaveHappened, ...retryAfter, reason: e.message };
    case 'dns':
    case 'tls':
      // The request never left: nothing can have been applied.
      return { kind: 'retry', ambiguous: false, reason: e.message };
    case 'unknown-company':
      return {
        kind: 'circuit',
        reason: `the PSA does not know the company id — check the company id in PSA Integration Details (${e.message})`,
      };
  }
  const status = e.status ?? 0;
  if (status === 401) return { kind: 'circuit', reason: CREDENTIALS_REJECTED };
  if (status === 403) {
    const cw = e.cwMessage ? ` (ConnectWise: ${e.cwMessage})` : '';
    return {
      kind: 'circuit',
      reason: `permission refused by the PSA for ${target(e)} — check the integration's security role${cw}`,
    };
  }
  if (status === 429) return { kind: 'retry', ambiguous: false, ...retryAfter, reason: e.message };
  if (status >= 500)
    return { kind: 'retry', ambiguous: writeMayHaveHappened, ...retryAfter, reason: e.message };
  if (status === 408)
    return { kind: 'retry', ambiguous: writeMayHaveHappened, ...retryAfter, reason: e.message };
  if (status >= 400)
    return { kind: 'permanent', reason: `the PSA refused ${target(e)} (${status}): ${cwWords(e)}` };
  return { kind: 'retry', ambiguous: writeMayHaveHappened, ...retryAfter, reason: e.message };
}

/**
 * Classifies the failure of attempt number `attempts` (1-based). Retryable failures turn permanent
 * once `maxAttempts` attempts have been made; circuit failures never do (nothing is lost while the
 * integration waits for its credentials).
 */
export function classifyFailure(
  error: unknown,
  attempts: number,
  maxAttempts: number = DEFAULT_MAX_ATTEMPTS,
): FailureClass {
  const c = classifyOnce(error);
  if (c.kind === 'retry' && attempts >= maxAttempts)
    return { kind: 'permanent', reason: `gave up after ${attempts} attempts; last error: ${c.reason}` };
  return c;
}
