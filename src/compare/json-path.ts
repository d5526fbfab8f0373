import type { JsonPathStep } from '../core/traffic-config.js';

/** One step into a JSON document: an object key or an array index. */
export type PathSegment = string | number;

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A path as RFC 9535 writes it: `$.items[3].price`, `$['content-type']`. */
export function formatPath(path: readonly PathSegment[]): string {
  return `$${path.map(formatSegment).join('')}`;
}

/** The path a field is counted under: every array index becomes `[*]`, so `$.items[*].price` is one field. */
export function fieldPath(path: readonly PathSegment[]): string {
  return `$${path.map((segment) => (typeof segment === 'number' ? '[*]' : formatSegment(segment))).join('')}`;
}

function formatSegment(segment: PathSegment): string {
  if (typeof segment === 'number') return `[${segment}]`;
  return PLAIN_KEY.test(segment) ? `.${segment}` : `[${quoteKey(segment)}]`;
}

/** A key in single quotes, with RFC 9535's escapes for the quote, the backslash and control characters. */
function quoteKey(key: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what gets escaped.
  const escaped = key.replace(/[\\'\u0000-\u001f]/g, (c) =>
    c === '\\' || c === "'" ? `\\${c}` : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return `'${escaped}'`;
}

/**
 * Whether the rule matches `path` or one of its ancestors, so ignoring `$.meta` ignores `$.meta.servedAt` too.
 * `..` matches any number of steps (zero included) before the next step.
 */
export function matchesRule(rule: readonly JsonPathStep[], path: readonly PathSegment[]): boolean {
  return matchFrom(rule, 0, path, 0);
}

function matchFrom(
  rule: readonly JsonPathStep[],
  step: number,
  path: readonly PathSegment[],
  at: number,
): boolean {
  const current = rule[step];
  if (current === undefined) return true;
  if (current.kind === 'descendants') {
    for (let skip = at; skip <= path.length; skip++) if (matchFrom(rule, step + 1, path, skip)) return true;
    return false;
  }
  const segment = path[at];
  if (segment === undefined) return false;
  const matches =
    current.kind === 'wildcard' ||
    (current.kind === 'key' && segment === current.name) ||
    (current.kind === 'index' && segment === current.index);
  return matches && matchFrom(rule, step + 1, path, at + 1);
}
