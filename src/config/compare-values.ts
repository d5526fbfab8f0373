import { ConfigurationError } from '../core/configuration-error.js';
import type { JsonPathStep } from '../core/traffic-config.js';
import { parseQuantity } from './quantity.js';

/**
 * Response headers never compared, documented in the README: the date, cookies and request or trace ids differ
 * on every answer by design, as does the time a proxy spent upstream.
 */
export const DEFAULT_IGNORED_HEADERS: readonly string[] = [
  'date',
  'set-cookie',
  'x-request-id',
  'request-id',
  'x-correlation-id',
  'x-amzn-requestid',
  'x-amz-request-id',
  'traceparent',
  'tracestate',
  'x-b3-traceid',
  'x-b3-spanid',
  'x-envoy-upstream-service-time',
];

/** Names whose values reports never show, besides the configured ones. */
export const DEFAULT_SECRET_NAMES: readonly string[] = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  '*token*',
  '*secret*',
  '*password*',
  '*passwd*',
  '*api-key*',
  '*apikey*',
  '*api_key*',
  '*session*',
  '*credential*',
  '*signature*',
];

export const DEFAULT_MAX_BODY = '1Mi';

/** `compare-ignore`, split: JSON paths (starting with `$`) and header names. */
export interface IgnoreRules {
  readonly paths: readonly (readonly JsonPathStep[])[];
  readonly headers: readonly string[];
}

const IGNORE_EXAMPLE = '[$.servedAt, $..traceId, x-served-by]';
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * A list (YAML, or text with one item per line or comma-separated) of JSON paths such as `$.timestamp`,
 * `$..id` or `$.items[*].updatedAt`, and header names such as `x-served-by`.
 */
export function parseIgnoreRules(value: unknown, input: string): IgnoreRules {
  const paths: JsonPathStep[][] = [];
  const headers: string[] = [];
  for (const [index, item] of listItems(value, input, IGNORE_EXAMPLE).entries()) {
    const at = `${input}[${index}]`;
    if (item.startsWith('$')) paths.push(parseJsonPathRule(item, at));
    else if (HEADER_NAME.test(item)) headers.push(item.toLowerCase());
    else
      throw new ConfigurationError(
        at,
        `"${item}" is neither a JSON path (starting with $) nor a header name`,
        '$.servedAt',
      );
  }
  return { paths, headers };
}

/** `compare-secrets`: name patterns with `*`, e.g. `x-internal-*`, added to the defaults. */
export function parseNamePatterns(value: unknown, input: string): string[] {
  return listItems(value, input, '[x-internal-key, "*pin*"]').map((item, index) => {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(item))
      throw new ConfigurationError(`${input}[${index}]`, `"${item}" is not a name pattern`, 'x-internal-*');
    return item.toLowerCase();
  });
}

/** `compare-max-body`: bytes, as a number or a quantity such as `1Mi` or `512Ki`; at least 1 KiB. */
export function parseBodyBound(value: unknown, input: string): number {
  const bytes = parseQuantity(value, input, '1Mi');
  if (!(Number.isInteger(bytes) && bytes >= 1024 && bytes <= 256 * 2 ** 20)) {
    throw new ConfigurationError(input, 'must be a whole number of bytes from 1Ki to 256Mi', '1Mi');
  }
  return bytes;
}

function listItems(value: unknown, input: string, example: string): string[] {
  const items = Array.isArray(value)
    ? value
    : typeof value === 'string'
      ? value.split(/[\n,]/).filter((item) => !item.trim().startsWith('#'))
      : undefined;
  if (!items) throw new ConfigurationError(input, 'expected a list', example);
  return items
    .map((item, index) => {
      if (typeof item !== 'string' || item.trim() === '')
        throw new ConfigurationError(`${input}[${index}]`, 'expected a non-empty string', example);
      return item.trim();
    })
    .filter((item) => item !== '');
}

/**
 * A JSON path naming places in a document (RFC 9535 without filters, slices or functions): `$`, then `.name`,
 * `['name']` or `["name"]`, `[3]`, `.*` or `[*]`, and `..` before a name, `*` or a bracket.
 */
export function parseJsonPathRule(text: string, input: string): JsonPathStep[] {
  const steps: JsonPathStep[] = [];
  const fail = (problem: string): never => {
    throw new ConfigurationError(input, `"${text}" is not a JSON path: ${problem}`, '$.items[*].updatedAt');
  };
  if (text[0] !== '$') fail('it must start with $');
  let i = 1;
  while (i < text.length) {
    if (text.startsWith('..', i)) {
      steps.push({ kind: 'descendants' });
      i += 2;
      if (text[i] === '[') continue;
      i = memberName(text, i, steps, fail);
    } else if (text[i] === '.') {
      i = memberName(text, i + 1, steps, fail);
    } else if (text[i] === '[') {
      i = bracket(text, i, steps, fail);
    } else {
      fail(`unexpected "${text[i]}" at position ${i + 1}`);
    }
  }
  if (steps.length === 0) fail('it names the whole document; ignore a field instead');
  if (steps.at(-1)?.kind === 'descendants') fail('.. must be followed by a name, * or [...]');
  return steps;
}

/** A name (or `*`) after `.` or `..`; returns the position after it. */
function memberName(text: string, at: number, steps: JsonPathStep[], fail: (p: string) => never): number {
  if (text[at] === '*') {
    steps.push({ kind: 'wildcard' });
    return at + 1;
  }
  const match = /^[^.[\]\s'"*]+/.exec(text.slice(at));
  if (!match) fail(`a name is expected at position ${at + 1}`);
  const name = (match as RegExpExecArray)[0];
  steps.push({ kind: 'key', name });
  return at + name.length;
}

/** `[3]`, `[*]`, `['name']` or `["name"]`; returns the position after `]`. */
function bracket(text: string, at: number, steps: JsonPathStep[], fail: (p: string) => never): number {
  const inside = text.slice(at + 1);
  const index = /^(\d+)\]/.exec(inside);
  if (index) {
    steps.push({ kind: 'index', index: Number(index[1]) });
    return at + 1 + index[0].length;
  }
  if (inside.startsWith('*]')) {
    steps.push({ kind: 'wildcard' });
    return at + 3;
  }
  const quote = inside[0];
  if (quote === "'" || quote === '"') {
    let name = '';
    let i = 1;
    while (i < inside.length && inside[i] !== quote) {
      if (inside[i] === '\\' && i + 1 < inside.length) i++;
      name += inside[i];
      i++;
    }
    if (inside[i] !== quote || inside[i + 1] !== ']') fail(`an unclosed [${quote} at position ${at + 1}`);
    steps.push({ kind: 'key', name });
    return at + 1 + i + 2;
  }
  return fail(`[${inside.slice(0, 8)}… is not [n], [*] or ['name']`);
}
