export interface BackoffPolicy {
  readonly baseMs: number;
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 500, maxMs: 8_000 };

/**
 * The wait before retry number `retry` (1-based): doubling from `baseMs`, capped at `maxMs`, with "equal
 * jitter" (half fixed, half random) so clients that failed together spread out yet never retry at once.
 */
export function backoffDelayMs(policy: BackoffPolicy, retry: number, random: () => number): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** (retry - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
