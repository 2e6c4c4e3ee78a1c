/** Request pacing and throttling backoff for the reconcile tool. */

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

const THROTTLING = new Set([
  "TooManyRequestsException",
  "ThrottlingException",
  "Throttling",
  "ProvisionedThroughputExceededException",
  "RequestLimitExceeded",
  "LimitExceededException",
]);

export function isThrottling(err: unknown): boolean {
  return THROTTLING.has((err as Error)?.name) || (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode === 429;
}

/** Exponential backoff with full jitter: attempt 0 waits up to base, then 2x, 4x... capped. */
export function backoffMs(attempt: number, baseMs = 200, capMs = 10_000, random = Math.random): number {
  return Math.round(random() * Math.min(capMs, baseMs * 2 ** attempt));
}

/** Retries `call` while it is throttled, backing off between tries. */
export async function withThrottleRetry<T>(
  call: () => Promise<T>,
  options: { readonly sleep: Sleep; readonly maxRetries: number; readonly onThrottle?: (attempt: number, waitMs: number) => void },
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (!isThrottling(err) || attempt >= options.maxRetries) throw err;
      const wait = backoffMs(attempt);
      options.onThrottle?.(attempt, wait);
      await options.sleep(wait);
    }
  }
}
