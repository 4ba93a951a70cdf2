// A per-integration request budget: a token bucket refilled continuously at requestsPerMinute, so one
// console never sends a customer's ConnectWise more than it was allowed to (ConnectWise throttles
// integrations above roughly 1,000 requests a minute, and MSPs often want far less).
import type { ClientClock } from './types.js';

export interface BudgetOptions {
  requestsPerMinute: number;
  /** Fail with kind 'budget-exhausted' instead of waiting for a token. */
  failFast?: boolean;
}

// Tokens are counted in "token-milliseconds" (one token = 60,000 units, refill = rpm units per ms) so
// integer clocks and rates give exact, jitter-free waits.
const UNIT = 60_000;

export class TokenBucket {
  private units: number;
  private updatedAt: number;
  private readonly capacity: number;

  constructor(
    private readonly requestsPerMinute: number,
    private readonly clock: ClientClock,
  ) {
    if (!Number.isFinite(requestsPerMinute) || requestsPerMinute <= 0)
      throw new TypeError('budget.requestsPerMinute must be a positive number');
    // A full minute's allowance may be spent at once; after that requests are spaced evenly.
    this.capacity = requestsPerMinute * UNIT;
    this.units = this.capacity;
    this.updatedAt = clock.now();
  }

  private refill(): void {
    const now = this.clock.now();
    if (now > this.updatedAt) {
      this.units = Math.min(this.capacity, this.units + (now - this.updatedAt) * this.requestsPerMinute);
      this.updatedAt = now;
    }
  }

  /** Takes a token if one is available; otherwise returns how long (ms) until one will be. */
  tryTake(): number {
    this.refill();
    if (this.units >= UNIT) {
      this.units -= UNIT;
      return 0;
    }
    return Math.max(1, Math.ceil((UNIT - this.units) / this.requestsPerMinute));
  }

  /** Waits (on the injected clock) until a token is available, then takes it. */
  async take(): Promise<void> {
    for (;;) {
      const wait = this.tryTake();
      if (wait === 0) return;
      await this.clock.sleep(wait);
    }
  }
}
