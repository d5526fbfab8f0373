import type { TimeWindow } from './model.js';

/** What one side (live or dark) answered to each request of a sample, column by column. */
export interface SideSample {
  /** HTTP status per request; 0 when no response came (connection error or timeout). */
  readonly statuses: ArrayLike<number>;
  /** Milliseconds from sending the request to the end of the response (or of the failure). */
  readonly latenciesMs: ArrayLike<number>;
}

/**
 * Mirrored requests whose live and dark answers were both measured: the same requests, so the two samples
 * are paired. Index i of `live` and of `dark` is the same request.
 */
export interface MirroredSample {
  readonly count: number;
  readonly live: SideSample;
  readonly dark: SideSample;
  /** How the answers compared, when the proxy compares them. */
  readonly comparison?: ComparisonSample;
}

/** Per request of a comparison column: its answers differ, they match, or they were not compared. */
export const MISMATCHED = 1;
export const MATCHED = 0;
export const NOT_COMPARED = -1;

/**
 * The response comparison of the same requests, index for index with the sample. Differences on fields learned
 * as noise (from the live replica) and on ignored fields do not count.
 */
export interface ComparisonSample {
  /** Dark's answer against live's: MISMATCHED, MATCHED or NOT_COMPARED per request. */
  readonly dark: ArrayLike<number>;
  /** The live replica's answer against live's, coded alike; absent without a live replica. */
  readonly live?: ArrayLike<number>;
}

/** The measurements of Shadowgate's own mirroring proxy, read by the builtin metrics source. */
export interface MirroredExchanges {
  /** The mirrored requests whose both sides completed within the window (epoch ms, both ends inclusive). */
  within(window: TimeWindow): MirroredSample;
}
