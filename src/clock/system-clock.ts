import { setTimeout as delay } from 'node:timers/promises';
import type { Clock } from '../core/clock.js';

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  async sleepUntil(epochMs, signal) {
    const ms = epochMs - Date.now();
    if (ms > 0) await delay(ms, undefined, signal ? { signal } : undefined);
    else signal?.throwIfAborted();
  },
};
