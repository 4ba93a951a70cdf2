// The per-organization request limiter: N requests in any window of W ms, however the callers line up.
import { describe, expect, it } from 'vitest';
import { KeyedLimiter, WindowLimiter } from '../../src/console/sources-remote/limiter.js';

function fakeClock(start = 1_000_000) {
  const c = {
    t: start,
    now: () => c.t,
    sleep: async (ms: number) => {
      c.t += Math.max(0, ms);
    },
  };
  return c;
}

/** The largest number of the times that fall in any half-open window of `windowMs`. */
function busiest(times: number[], windowMs: number): number {
  let best = 0;
  for (let i = 0; i < times.length; i++) {
    let n = 0;
    for (let j = i; j < times.length && times[j]! < times[i]! + windowMs; j++) n++;
    best = Math.max(best, n);
  }
  return best;
}

describe('WindowLimiter', () => {
  it('lets 5 through at once, then spaces the rest so no 1-second window holds more than 5', async () => {
    const clock = fakeClock();
    const limiter = new WindowLimiter(clock, 5, 1000);
    const times: number[] = [];
    await Promise.all(
      Array.from({ length: 23 }, () => limiter.acquire().then(() => times.push(clock.now()))),
    );
    expect(times).toHaveLength(23);
    expect(times.slice(0, 5).every((t) => t === 1_000_000)).toBe(true);
    expect(busiest(times, 1000)).toBe(5);
    // Aligned seconds too: a token bucket with a burst of 5 could put 10 into one of them.
    const perSecond = new Map<number, number>();
    for (const t of times)
      perSecond.set(Math.floor(t / 1000), (perSecond.get(Math.floor(t / 1000)) ?? 0) + 1);
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(5);
    // No more waiting than needed: 23 requests take 4 full windows.
    expect(times.at(-1)! - times[0]!).toBe(4000);
  });

  it('counts requests from when they were sent: an idle gap frees the window', async () => {
    const clock = fakeClock();
    const limiter = new WindowLimiter(clock, 2, 1000);
    await limiter.acquire();
    clock.t += 600;
    await limiter.acquire();
    await limiter.acquire(); // waits until the first is 1000 ms old
    expect(clock.t).toBe(1_001_000);
    clock.t += 5000;
    const before = clock.t;
    await limiter.acquire();
    await limiter.acquire();
    expect(clock.t).toBe(before);
  });

  it('keeps one limit per organization', async () => {
    const clock = fakeClock();
    const limiter = new KeyedLimiter(clock, 5, 1000);
    for (let i = 0; i < 5; i++) {
      await limiter.acquire('org-a');
      await limiter.acquire('org-b');
    }
    expect(clock.t).toBe(1_000_000);
    await limiter.acquire('org-a');
    expect(clock.t).toBe(1_001_000);
  });
});
