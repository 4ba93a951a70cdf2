// The per-integration pace of PSA writes (CON-9): a token bucket per provider, in this process.
// Several worker processes each keep their own buckets, so a cluster of n workers may send up to n
// times the configured rate; the PSA client's request budget bounds the total per process as well.
import { TokenBucket } from '../psa-client/budget.js';

/** Writes per minute for a provider; 0 or undefined means no limit. */
export type WritesPerMinute = number | undefined | ((providerId: number) => number | undefined);

export class WriteRateLimit {
  private readonly buckets = new Map<number, { rate: number; bucket: TokenBucket }>();

  constructor(
    private readonly writesPerMinute: WritesPerMinute,
    private readonly now: () => number,
  ) {}

  private rateOf(providerId: number): number {
    const rate =
      typeof this.writesPerMinute === 'function' ? this.writesPerMinute(providerId) : this.writesPerMinute;
    if (rate === undefined || rate === 0) return 0;
    if (!Number.isFinite(rate) || rate < 0)
      throw new RangeError(`writesPerMinute for provider ${providerId} must be ≥ 0, got ${rate}`);
    return rate;
  }

  /** Takes one write's token: 0 when it may go now, otherwise how many ms until it may. */
  take(providerId: number): number {
    const rate = this.rateOf(providerId);
    if (rate === 0) return 0;
    let entry = this.buckets.get(providerId);
    if (!entry || entry.rate !== rate) {
      entry = { rate, bucket: new TokenBucket(rate, { now: this.now, sleep: async () => {} }) };
      this.buckets.set(providerId, entry);
    }
    return entry.bucket.tryTake();
  }
}
