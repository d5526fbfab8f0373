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
  /** Present when the load replayed a recording. */
  readonly replay?: ReplaySummary;
}

/** What a replayed recording held. */
export interface ReplaySummary {
  readonly file: string;
  readonly format: 'har' | 'access-log' | 'jsonl';
  /** Requests replayed (in a loop when the run outlasts the recording). */
  readonly requests: number;
  /** Requests left out on purpose, by reason. */
  readonly skipped: Readonly<Record<string, number>>;
  /** Lines or entries that could not be read. */
  readonly bad: number;
  /** The first few of them, `line 12: …`. */
  readonly badExamples: readonly string[];
  /** At the recorded pace, rather than at load-rate. */
  readonly recordedPace?: boolean;
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

/** Why a mirrored request's answers were not compared. */
export interface NotComparedCounts {
  /** Live gave no response (connection error, timeout). */
  readonly liveNoResponse: number;
  /** The other side (dark, or the live replica) gave no response. */
  readonly otherNoResponse: number;
  /** A body, or its decompressed form, was over the bound. */
  readonly overLimit: number;
  /** The bodies held for the requests in flight (waiting for a slow side) had reached their budget. */
  readonly overBudget: number;
}

/** One side's comparisons with live: dark's, or the live replica's. */
export interface ComparisonCounts {
  readonly compared: number;
  /** Compared requests with a difference on a field that is neither ignored nor learned as noise. */
  readonly mismatched: number;
  readonly notCompared: NotComparedCounts;
}

/** A field that differed, with one example, its values masked where secret, truncated and as JSON text. */
export interface DifferingField {
  /** `status`, `header <name>`, `body`, or a JSON path with `[*]` for indices. */
  readonly field: string;
  /** Compared requests where dark's answer differed here. */
  readonly requests: number;
  /** Compared requests where the live replica's answer differed here. */
  readonly replicaRequests?: number;
  readonly example?: {
    /** `GET /products/42`, secret query values masked. */
    readonly request: string;
    /** The exact place, e.g. `$.items[3].price`. */
    readonly at: string;
    readonly kind: 'changed' | 'type' | 'missing' | 'added' | 'length';
    readonly live?: string;
    readonly dark?: string;
  };
}

/** What the response comparison found over the whole run. */
export interface CompareSummary {
  readonly dark: ComparisonCounts;
  /** With a live replica. */
  readonly replica?: ComparisonCounts;
  readonly maxBodyBytes: number;
  /** Fields that count as differences, most requests first (the top ones). */
  readonly fields: readonly DifferingField[];
  /** How many more such fields there were beyond those listed. */
  readonly moreFields: number;
  /** Fields whose differences were learned as noise from the live replica. */
  readonly noise: readonly DifferingField[];
}

export interface TrafficSummary {
  readonly load?: LoadSummary;
  readonly mirror?: MirrorSummary;
  readonly compare?: CompareSummary;
}
