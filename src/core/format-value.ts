import type { Limit, MetricUnit, Objective } from './model.js';

/** A value in its metric's unit, as people read it: `12.3 ms`, `0.52%`, `1,234`. */
export function formatValue(value: number, unit: MetricUnit): string {
  if (!Number.isFinite(value)) return String(value);
  switch (unit) {
    case 'ms':
      return `${trimNumber(value)} ms`;
    case 'ratio':
      return `${trimNumber(value * 100)}%`;
    case 'count':
      return WHOLE.format(Math.round(value));
    case 'none':
      return trimNumber(value);
  }
}

/** The limit side of an objective: `< 100 ms`, `<= live + 20%`, `<= live × 1.5 + 2 ms`. */
export function formatLimit(objective: Objective): string {
  return `${objective.comparator} ${formatLimitValue(objective.limit, objective.metric.unit)}`;
}

function formatLimitValue(limit: Limit, unit: MetricUnit): string {
  if (limit.kind === 'absolute') return formatValue(limit.value, unit);
  const parts = ['live'];
  if (limit.scale !== 1) {
    const percent = (limit.scale - 1) * 100;
    parts.push(percent >= 0 ? `+ ${trimNumber(percent)}%` : `- ${trimNumber(-percent)}%`);
  }
  if (limit.offset !== 0) {
    const offset = formatValue(Math.abs(limit.offset), unit).replace(/%$/, 'pp');
    parts.push(`${limit.offset > 0 ? '+' : '-'} ${offset}`);
  }
  return parts.join(' ');
}

const WHOLE = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
// toLocaleString builds a formatter per call; these are built once (formatting is on every look's hot path).
const BY_DIGITS = [1, 2, 3].map(
  (digits) => new Intl.NumberFormat('en-US', { maximumFractionDigits: digits }),
);

/** At most three significant decimals, no trailing zeros. */
function trimNumber(value: number): string {
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 1 : abs >= 1 ? 2 : 3;
  return (BY_DIGITS[digits - 1] as Intl.NumberFormat).format(Number(value.toFixed(digits)));
}
