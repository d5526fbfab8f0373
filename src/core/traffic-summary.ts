/** What Shadowgate's own traffic did during a run, for the reports. Pure data, filled by src/traffic. */

export interface LoadSummary {
  /** Where the load went: a URL, or the Service reached through port-forward. */
  readonly target: string;
  readonly ratePerSecond: number;
  readonly durationMs: number;
  readonly sent: number;
  /** Due but never sent: the concurrency cap was reached and the backlog never drained. */
  readonly unsent: number;
  readonly completed: number;
  /** Responses by HTTP status code. */
  readonly statuses: Readonly<Record<string, number>>;
  readonly timeouts: number;
  /** Failures without a response (connection refused or reset). */
  readonly failures: number;
  /** Completed requests per second. */
  readonly achievedRate: number;
  /** From each request's intended send time to its response: no coordinated omission. */
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly max: number };
}

export interface MirrorSummary {
  /** The configured share. */
  readonly percent: number;
  /** Requests the proxy answered (from live). */
  readonly received: number;
  readonly mirrored: number;
  /** POST, PUT, PATCH and DELETE requests not mirrored because mirroring them is off. */
  readonly unsafeNotMirrored: number;
  /** Live requests without a response (the client got 502 or 504). */
  readonly liveFailures: number;
  /** Dark requests without a response (never seen by the client). */
  readonly darkFailures: number;
}

export interface TrafficSummary {
  readonly load?: LoadSummary;
  readonly mirror?: MirrorSummary;
}
