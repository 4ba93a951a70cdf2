// When a failed delivery is tried again: capped exponential backoff with full jitter, or the PSA's
// Retry-After (plus a little jitter so a crowd of items does not come back in the same millisecond).

export const BACKOFF_BASE_MS = 1_000;
export const BACKOFF_CAP_MS = 5 * 60_000;
/** A Retry-After longer than this is not believed (a misconfigured proxy must not park work for days). */
export const RETRY_AFTER_CAP_MS = 60 * 60_000;
/** At most this fraction is added to a Retry-After. */
export const RETRY_AFTER_JITTER = 0.1;

/**
 * The delay before the next attempt, after `attempts` attempts (1 for the first failure).
 * `random` returns a number in [0, 1).
 */
export function retryDelay(attempts: number, random: () => number, retryAfterMs?: number): number {
  if (!Number.isInteger(attempts) || attempts < 1)
    throw new RangeError(`retryDelay: attempts must be an integer ≥ 1, got ${attempts}`);
  if (retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs >= 0) {
    const jittered = retryAfterMs + Math.floor(random() * RETRY_AFTER_JITTER * retryAfterMs);
    return Math.min(RETRY_AFTER_CAP_MS, jittered);
  }
  // 2^(attempts-1) overflows to Infinity for huge attempt counts; min() keeps the cap.
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempts - 1, 30));
  return Math.floor(random() * ceiling);
}
