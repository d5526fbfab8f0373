import { ConfigurationError } from '../core/configuration-error.js';

const TRUE = ['true', 'yes', '1'];
const FALSE = ['false', 'no', '0'];

/** A non-empty string (surrounding whitespace trimmed). Never echoes the value: it may be a secret. */
export function parseText(value: unknown, input: string, example: string): string {
  const text = typeof value === 'string' ? value.trim() : '';
  if (text === '') throw new ConfigurationError(input, 'expected a non-empty string', example);
  return text;
}

/** `true/false/yes/no/1/0` in any case, or a YAML boolean. */
export function parseBoolean(value: unknown, input: string): boolean {
  if (typeof value === 'boolean') return value;
  const text = String(value).trim().toLowerCase();
  if (TRUE.includes(text)) return true;
  if (FALSE.includes(text)) return false;
  throw new ConfigurationError(input, `${JSON.stringify(value)} is not a boolean; use true or false`, 'true');
}

/** A whole number in [min, max], from a YAML number or a string. */
export function parseInteger(value: unknown, input: string, min: number, max: number): number {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  const number = /^[+-]?\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(Number.isSafeInteger(number) && number >= min && number <= max)) {
    throw new ConfigurationError(
      input,
      `${JSON.stringify(value)} is not a whole number from ${min} to ${max}`,
      String(Math.min(Math.max(10, min), max)),
    );
  }
  return number;
}

/** One of `choices`, case-insensitively. */
export function parseChoice<T extends string>(value: unknown, input: string, choices: readonly T[]): T {
  const text = typeof value === 'string' ? value.trim().toLowerCase() : '';
  const choice = choices.find((candidate) => candidate === text);
  if (choice === undefined) {
    throw new ConfigurationError(
      input,
      `${JSON.stringify(value)} is not one of ${choices.join(', ')}`,
      choices[0],
    );
  }
  return choice;
}

// GitHub logins: up to 39 letters, digits and single hyphens; bots (apps) end in `[bot]`.
const GITHUB_LOGIN = /^[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}(?:\[bot\])?$/;

/** A GitHub user or bot login, e.g. `octocat` or `shadowgate-ci[bot]`. */
export function parseGitHubLogin(value: unknown, input: string): string {
  const text = typeof value === 'string' ? value.trim() : '';
  if (!GITHUB_LOGIN.test(text)) {
    throw new ConfigurationError(input, `${JSON.stringify(value)} is not a GitHub login`, 'my-app[bot]');
  }
  return text;
}
