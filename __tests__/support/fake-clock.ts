import type { Clock } from '../../src/core/clock.js';

/** A clock whose sleeps return at once and move time forward, so loops run without real waiting. */
export class FakeClock implements Clock {
  readonly sleeps: number[] = [];

  constructor(private time = Date.UTC(2026, 10, 26, 12, 0, 0)) {}

  now(): number {
    return this.time;
  }

  async sleepUntil(epochMs: number, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    this.sleeps.push(epochMs);
    this.time = Math.max(this.time, epochMs);
  }

  advance(ms: number): void {
    this.time += ms;
  }
}
