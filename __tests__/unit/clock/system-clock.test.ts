import { describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/clock/system-clock.js';

describe('systemClock.sleepUntil', () => {
  it("rejects with the signal's reason when aborted while sleeping", async () => {
    const controller = new AbortController();
    const reason = new Error('received SIGTERM');
    const sleeping = systemClock.sleepUntil(Date.now() + 60_000, controller.signal);
    controller.abort(reason);
    await expect(sleeping).rejects.toBe(reason);
  });

  it("rejects with the signal's reason when already aborted, even for a time in the past", async () => {
    const reason = new Error('cancelled');
    await expect(systemClock.sleepUntil(0, AbortSignal.abort(reason))).rejects.toBe(reason);
  });

  it('resolves at once for a time in the past', async () => {
    await expect(systemClock.sleepUntil(Date.now() - 1)).resolves.toBeUndefined();
  });
});
