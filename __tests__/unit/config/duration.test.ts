import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../../src/config/duration.js';
import { ConfigurationError } from '../../../src/core/configuration-error.js';

describe('parseDuration', () => {
  it.each([
    ['10s', 10_000],
    ['1m30s', 90_000],
    ['1m 30s', 90_000],
    ['500ms', 500],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1.5s', 1500],
    ['250us', 0.25],
    ['250µs', 0.25],
    ['10S', 10_000],
    ['10', 10_000],
    [' 0.5 ', 500],
    [10, 10_000],
  ])('%j → %d ms', (value, ms) => {
    expect(parseDuration(value, 'interval')).toBe(ms);
  });

  it.each(['', 'ten seconds', '10 days', '-5s', 's', '1m30', '10s10', 'Infinity', '1e400s'])(
    'rejects %j naming the input with an example',
    (value) => {
      expect(() => parseDuration(value, 'interval')).toThrow(ConfigurationError);
      expect(() => parseDuration(value, 'interval')).toThrow(/Invalid interval: .*\n {2}Example: 10s/);
    },
  );

  it('rejects non-scalars and negative numbers', () => {
    expect(() => parseDuration({}, 'x')).toThrow(ConfigurationError);
    expect(() => parseDuration(-1, 'x')).toThrow(ConfigurationError);
  });
});

describe('formatDuration', () => {
  it.each([
    [10_000, '10s'],
    [90_000, '1m30s'],
    [3_600_000, '1h'],
    [500, '500ms'],
  ])('%d → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
