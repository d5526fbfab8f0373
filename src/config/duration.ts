import { ConfigurationError } from '../core/configuration-error.js';
import { DECIMAL } from './decimal.js';

const UNIT_MS: Readonly<Record<string, number>> = {
  h: 3_600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
  us: 0.001,
  µs: 0.001,
};
const PART = new RegExp(`(${DECIMAL})\\s*(ms|us|µs|h|m|s)`, 'gi');
const WHOLE = new RegExp(`^(?:\\s*${DECIMAL}\\s*(?:ms|us|µs|h|m|s))+\\s*$`, 'i');
const BARE_SECONDS = new RegExp(`^\\s*(${DECIMAL})\\s*$`);

/**
 * A duration in milliseconds from `10s`, `1m30s`, `500ms`, `2m`, `1h`, `250us`; a bare number (YAML `10` or
 * the string `"10"`) is seconds, as in Iter8's `intervalSeconds`.
 */
export function parseDuration(value: unknown, input: string, example = '10s'): number {
  const ms = durationMs(value);
  if (ms === undefined || !Number.isFinite(ms)) {
    throw new ConfigurationError(
      input,
      `${JSON.stringify(value)} is not a duration; use a number with a unit (h, m, s, ms, us), or a bare number of seconds`,
      example,
    );
  }
  return ms;
}

function durationMs(value: unknown): number | undefined {
  if (typeof value === 'number') return value >= 0 ? value * 1000 : undefined;
  if (typeof value !== 'string') return undefined;
  const bare = BARE_SECONDS.exec(value);
  if (bare) return Number(bare[1]) * 1000;
  if (!WHOLE.test(value)) return undefined;
  let total = 0;
  for (const [, amount, unit] of value.matchAll(PART)) {
    total += Number(amount) * (UNIT_MS[(unit ?? '').toLowerCase()] ?? Number.NaN);
  }
  return total;
}

/** `90000` → `1m30s`, for notes and normalised text. */
export function formatDuration(ms: number): string {
  if (ms % 1000 !== 0 || ms === 0) return `${ms}ms`;
  const seconds = ms / 1000;
  const parts = [
    [Math.floor(seconds / 3600), 'h'],
    [Math.floor((seconds % 3600) / 60), 'm'],
    [seconds % 60, 's'],
  ] as const;
  return parts
    .filter(([amount]) => amount > 0)
    .map(([amount, unit]) => `${amount}${unit}`)
    .join('');
}
