/** Time as the loop sees it. Injected so tests run the loop without real waiting. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Resolves at or after `epochMs`; rejects with the signal's reason when aborted. */
  sleepUntil(epochMs: number, signal?: AbortSignal): Promise<void>;
}
