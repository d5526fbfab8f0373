/** A count as people read it: `1,234`. */
export const count = (value: number): string => Math.round(value).toLocaleString('en-US');

/** `part` of `whole` as a percentage with one decimal: `12.5%` (`0%` of nothing). */
export const share = (part: number, whole: number): string =>
  whole === 0 ? '0%' : `${((part / whole) * 100).toFixed(1)}%`;
