import { ConfigurationError } from '../core/configuration-error.js';
import { DECIMAL } from './decimal.js';

const LEVEL = new RegExp(`^(${DECIMAL})\\s*(%)?$`);
const EXAMPLE = '95%';

/**
 * `off`, or a confidence level as a percentage (`95%`, `99.5%`) or a ratio (`0.95`), from 50% up to 99.99%.
 * Returned as a ratio.
 */
export function parseConfidence(value: unknown, input: string): number | 'off' {
  if (value === false) return 'off';
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  if (text.toLowerCase() === 'off') return 'off';
  const match = LEVEL.exec(text);
  const ratio = match ? Number(match[1]) / (match[2] ? 100 : 1) : Number.NaN;
  if (!(ratio >= 0.5 && ratio <= 0.9999)) {
    throw new ConfigurationError(
      input,
      `${JSON.stringify(value)} is not a confidence from 50% to 99.99%, or off (point values, as Iter8 judged)`,
      EXAMPLE,
    );
  }
  return ratio;
}
