/**
 * An interval; either end may be infinite where the evidence sets no bound. An end is closed unless marked
 * open: a histogram proves only `q < le` of its bucket bounds, which decides `p95 < 100ms` at le="100".
 */
export interface Interval {
  readonly low: number;
  readonly high: number;
  readonly openLow?: boolean;
  readonly openHigh?: boolean;
}

/** `scale · interval + offset`, for a limit derived from live; a negative scale swaps the ends. */
export function affine(interval: Interval, scale: number, offset: number): Interval {
  const low = { value: interval.low * scale + offset, open: interval.openLow === true };
  const high = { value: interval.high * scale + offset, open: interval.openHigh === true };
  return scale >= 0 ? ends(low, high) : ends(high, low);
}

/** The interval of `a − b` when `a` and `b` each lie in theirs. */
export function difference(a: Interval, b: Interval): Interval {
  return ends(
    { value: a.low - b.high, open: a.openLow === true || b.openHigh === true },
    { value: a.high - b.low, open: a.openHigh === true || b.openLow === true },
  );
}

function ends(low: { value: number; open: boolean }, high: { value: number; open: boolean }): Interval {
  return {
    low: low.value,
    high: high.value,
    ...(low.open ? { openLow: true } : {}),
    ...(high.open ? { openHigh: true } : {}),
  };
}
