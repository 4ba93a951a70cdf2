// Per-key token bucket (PSA-7): `perMinute` requests a minute with bursts up to the same number;
// an empty bucket answers 429 with Retry-After, as ConnectWise's throttle does.
import type { Clock } from '../../platform/clock.js';

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly refillPerMs: number;

  constructor(
    private readonly perMinute: number,
    private readonly clock: Clock,
  ) {
    this.refillPerMs = perMinute / 60_000;
  }

  /** Takes one token; returns 0 when allowed, otherwise the seconds to wait. */
  take(key: string): number {
    const now = this.clock.now().getTime();
    const b = this.buckets.get(key) ?? { tokens: this.perMinute, updatedAt: now };
    b.tokens = Math.min(this.perMinute, b.tokens + (now - b.updatedAt) * this.refillPerMs);
    b.updatedAt = now;
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / this.refillPerMs / 1000));
  }
}
