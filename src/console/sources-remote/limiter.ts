// Request-rate limiting for the remote sources: at most N requests in any window of W milliseconds,
// one limiter per key (Umbrella counts 5 requests per second per organization).
//
// Why a sliding log and not a bucket with a burst of N refilled at N/W: such a bucket can spend its
// full burst at the end of one second and refill most of it during the next, so a one-second window
// may see up to 2N requests and the server answers 429. Here every request "returns its token" exactly
// W ms after it was sent, so no window of W ms — aligned or not — holds more than N requests.
import type { ClientClock } from '../psa-client/types.js';

export class WindowLimiter {
  /** Send times of the last N requests, oldest first. */
  private readonly sent: number[] = [];
  /** Callers wait in line: each acquire starts after the previous one got its slot. */
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly clock: ClientClock,
    readonly limit: number,
    readonly windowMs: number,
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be a whole number ≥ 1');
    if (!(windowMs > 0)) throw new RangeError('windowMs must be > 0');
  }

  /** Resolves when one more request may be sent now; the request counts from that moment. */
  acquire(): Promise<void> {
    const turn = this.tail.then(() => this.take());
    // A failed sleep must not block the callers behind it.
    this.tail = turn.catch(() => undefined);
    return turn;
  }

  private async take(): Promise<void> {
    for (;;) {
      const now = this.clock.now();
      while (this.sent.length > 0 && this.sent[0]! <= now - this.windowMs) this.sent.shift();
      if (this.sent.length < this.limit) {
        this.sent.push(now);
        return;
      }
      await this.clock.sleep(this.sent[0]! + this.windowMs - now);
    }
  }
}

/** One limiter per key (organization), created on first use. */
export class KeyedLimiter {
  private readonly limiters = new Map<string, WindowLimiter>();

  constructor(
    private readonly clock: ClientClock,
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  acquire(key: string): Promise<void> {
    let l = this.limiters.get(key);
    if (!l) {
      l = new WindowLimiter(this.clock, this.limit, this.windowMs);
      this.limiters.set(key, l);
    }
    return l.acquire();
  }
}
