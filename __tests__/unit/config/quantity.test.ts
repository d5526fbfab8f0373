import { describe, expect, it } from 'vitest';
import { parseQuantity } from '../../../src/config/quantity.js';
import { ConfigurationError } from '../../../src/core/configuration-error.js';

describe('parseQuantity', () => {
  it.each([
    ['0.01', 0.01],
    [50, 50],
    ['50', 50],
    ['100m', 0.1],
    ['1491620112n', 1.491620112],
    ['5k', 5000],
    ['1e-2', 0.01],
    ['1E3', 1000],
    ['2Ki', 2048],
    ['1Mi', 1_048_576],
    ['3u', 0.000003],
    ['2M', 2_000_000],
    ['1E', 1e18],
    ['-5', -5],
    ['.5', 0.5],
  ])('%j → %d', (value, expected) => {
    expect(parseQuantity(value, 'upperLimit')).toBe(expected);
  });

  it.each(['', 'abc', '5 k', '5K', '1e', '5kb', '0x10', 'Infinity', null, true])('rejects %j', (value) => {
    expect(() => parseQuantity(value, 'experiment: spec.criteria.objectives[0].upperLimit')).toThrow(
      /Invalid experiment: spec\.criteria\.objectives\[0\]\.upperLimit: .*quantity[\s\S]*Example: "0\.01"/,
    );
  });

  it('rejects overflowing values', () => {
    expect(() => parseQuantity('1e400', 'x')).toThrow(ConfigurationError);
  });
});
