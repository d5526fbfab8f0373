import { type DifferenceBook, NOT_ATTEMPTED } from '../compare/difference-book.js';
import type { ComparisonSample, MirroredExchanges, MirroredSample } from '../core/mirrored-exchanges.js';
import type { TimeWindow } from '../core/model.js';

/** One side's answer to a request: its status (0 = none came) and latency in ms. */
export interface Answer {
  readonly status: number;
  readonly latencyMs: number;
}

/** How a pair's answers compared: codes of the DifferenceBook, for dark and for the live replica. */
export interface ComparisonCodes {
  readonly dark: number;
  readonly replica: number;
}

const INITIAL_CAPACITY = 4096;

/**
 * Every mirrored request's pair of answers, in completion order, stored in columns (typed arrays) so a long
 * run at thousands of requests per second stays compact and a window is a zero-copy slice. With a `book`, each
 * pair also has its comparison codes, classified per window (what is noise depends on the window's counts).
 */
export class MirrorLog implements MirroredExchanges {
  private length = 0;
  private completedAt = new Float64Array(INITIAL_CAPACITY);
  private liveStatus = new Uint16Array(INITIAL_CAPACITY);
  private liveLatency = new Float64Array(INITIAL_CAPACITY);
  private darkStatus = new Uint16Array(INITIAL_CAPACITY);
  private darkLatency = new Float64Array(INITIAL_CAPACITY);
  private darkCode = new Int32Array(INITIAL_CAPACITY);
  private replicaCode = new Int32Array(INITIAL_CAPACITY);
  private hasReplica = false;
  /** The last window's classification: every metric of an iteration reads the same window. */
  private classified: { from: number; to: number; comparison: ComparisonSample } | undefined;

  constructor(readonly book?: DifferenceBook) {}

  get size(): number {
    return this.length;
  }

  /** Records a pair completed at `at` (epoch ms). A clock step backwards is clamped, keeping the order. */
  append(at: number, live: Answer, dark: Answer, codes?: ComparisonCodes): void {
    if (this.length === this.completedAt.length) this.grow();
    const i = this.length++;
    this.completedAt[i] = i > 0 ? Math.max(at, this.completedAt[i - 1] as number) : at;
    this.liveStatus[i] = live.status;
    this.liveLatency[i] = live.latencyMs;
    this.darkStatus[i] = dark.status;
    this.darkLatency[i] = dark.latencyMs;
    this.darkCode[i] = codes?.dark ?? NOT_ATTEMPTED;
    this.replicaCode[i] = codes?.replica ?? NOT_ATTEMPTED;
    if (codes && codes.replica !== NOT_ATTEMPTED) this.hasReplica = true;
  }

  /** The codes of every pair so far, for the end-of-run summary. */
  codes(): { dark: Int32Array; replica?: Int32Array } {
    const dark = this.darkCode.subarray(0, this.length);
    return this.hasReplica ? { dark, replica: this.replicaCode.subarray(0, this.length) } : { dark };
  }

  within({ start, end }: TimeWindow): MirroredSample {
    const from = this.firstAtOrAfter(start);
    const to = this.firstAtOrAfter(end, (value, bound) => value <= bound);
    const count = Math.max(0, to - from);
    const comparison = this.comparison(from, from + count);
    return {
      count,
      ...(comparison ? { comparison } : {}),
      live: {
        statuses: this.liveStatus.subarray(from, from + count),
        latenciesMs: this.liveLatency.subarray(from, from + count),
      },
      dark: {
        statuses: this.darkStatus.subarray(from, from + count),
        latenciesMs: this.darkLatency.subarray(from, from + count),
      },
    };
  }

  /** Pairs' codes never change once appended, so a window's classification holds until the window moves. */
  private comparison(from: number, to: number): ComparisonSample | undefined {
    if (!this.book) return undefined;
    if (this.classified?.from !== from || this.classified.to !== to) {
      const comparison = this.book.classify(
        this.darkCode.subarray(from, to),
        this.hasReplica ? this.replicaCode.subarray(from, to) : undefined,
      );
      this.classified = { from, to, comparison };
    }
    return this.classified.comparison;
  }

  /** Binary search: the first index whose time is not `before` the bound (by default, not < bound). */
  private firstAtOrAfter(
    bound: number,
    before: (value: number, bound: number) => boolean = (value, b) => value < b,
  ): number {
    let low = 0;
    let high = this.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (before(this.completedAt[middle] as number, bound)) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  private grow(): void {
    const capacity = this.completedAt.length * 2;
    const widen = <T extends Float64Array | Uint16Array | Int32Array>(from: T, to: T): T => {
      to.set(from);
      return to;
    };
    this.completedAt = widen(this.completedAt, new Float64Array(capacity));
    this.liveStatus = widen(this.liveStatus, new Uint16Array(capacity));
    this.liveLatency = widen(this.liveLatency, new Float64Array(capacity));
    this.darkStatus = widen(this.darkStatus, new Uint16Array(capacity));
    this.darkLatency = widen(this.darkLatency, new Float64Array(capacity));
    this.darkCode = widen(this.darkCode, new Int32Array(capacity));
    this.replicaCode = widen(this.replicaCode, new Int32Array(capacity));
  }
}
