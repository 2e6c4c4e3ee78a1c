/**
 * Pacing for reconcile: a steady request rate for ListUsers (Cognito's quota is
 * per account, shared with everything else in it) and a backoff for the
 * UnprocessedKeys loop. Throttled requests are retried by the SDK itself.
 */

export type Sleep = (ms: number) => Promise<void>;
export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Spaces calls at least 1000/rate ms apart (a steady rate, no bursts). */
export class RateLimiter {
  private nextAt = 0;
  constructor(
    private readonly requestsPerSecond: number,
    private readonly sleep: Sleep = realSleep,
    private readonly now: () => number = Date.now,
  ) {}

  async wait(): Promise<void> {
    const now = this.now();
    const at = Math.max(now, this.nextAt);
    this.nextAt = at + 1000 / this.requestsPerSecond;
    if (at > now) await this.sleep(at - now);
  }
}

/** Exponential backoff with full jitter: attempt 0 waits up to base, then 2x, 4x... capped. */
export function backoffMs(attempt: number, baseMs = 200, capMs = 10_000, random = Math.random): number {
  return Math.round(random() * Math.min(capMs, baseMs * 2 ** attempt));
}
