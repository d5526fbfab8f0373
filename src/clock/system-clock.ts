import { setTimeout as delay } from 'node:timers/promises';
import type { Clock } from '../core/clock.js';

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  async sleepUntil(epochMs, signal) {
    signal?.throwIfAborted();
    const ms = epochMs - Date.now();
    if (ms <= 0) return;
    try {
      await delay(ms, undefined, signal ? { signal } : undefined);
    } catch (error) {
      // timers/promises rejects with a generic AbortError; the Clock contract promises the signal's reason.
      if (signal?.aborted) throw signal.reason;
      throw error;
    }
  },
};
