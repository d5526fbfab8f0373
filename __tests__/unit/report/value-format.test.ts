import { describe, expect, it } from 'vitest';
import { formatReading, formatResolvedLimit } from '../../../src/report/value-format.js';
import {
  ERROR_RATE_UNDER_1_PERCENT,
  MEAN_WITHIN_20_PERCENT_OF_LIVE,
  P95_UNDER_100_MS,
} from '../../fixtures/experiment-result.js';

describe('formatReading', () => {
  it('writes values in their unit', () => {
    expect(formatReading({ status: 'ok', value: 12.3 }, 'ms')).toBe('12.3 ms');
    expect(formatReading({ status: 'ok', value: 0.0052 }, 'ratio')).toBe('0.52%');
    expect(formatReading({ status: 'ok', value: 1234 }, 'count')).toBe('1,234');
  });

  it('names readings without a value', () => {
    expect(formatReading({ status: 'no-data', reason: 'empty' }, 'ms')).toBe('no data');
    expect(formatReading({ status: 'unavailable', reason: 'down' }, 'ms')).toBe('unavailable');
  });
});

describe('formatResolvedLimit', () => {
  it('writes absolute limits in the metric unit', () => {
    expect(formatResolvedLimit(P95_UNDER_100_MS, 100)).toBe('< 100 ms');
    expect(formatResolvedLimit(ERROR_RATE_UNDER_1_PERCENT)).toBe('< 1%');
  });

  it('writes relative limits against live, with the resolved value when known', () => {
    expect(formatResolvedLimit(MEAN_WITHIN_20_PERCENT_OF_LIVE, 14.4)).toBe('<= live + 20% (= 14.4 ms)');
    expect(formatResolvedLimit(MEAN_WITHIN_20_PERCENT_OF_LIVE)).toBe('<= live + 20%');
  });
});
