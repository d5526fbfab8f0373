import { describe, expect, it } from 'vitest';
import { matchesRule } from '../../../src/compare/json-path.js';
import { parseIgnoreRules, parseJsonPathRule } from '../../../src/config/compare-values.js';

const rule = (text: string) => parseJsonPathRule(text, 'compare-ignore');
const matches = (text: string, path: (string | number)[]) => matchesRule(rule(text), path);

describe('JSON path ignore rules', () => {
  it('parses names, quoted names, indices, wildcards and descendants', () => {
    expect(rule("$.a['b c'][2][*].*..id..[0]")).toEqual([
      { kind: 'key', name: 'a' },
      { kind: 'key', name: 'b c' },
      { kind: 'index', index: 2 },
      { kind: 'wildcard' },
      { kind: 'wildcard' },
      { kind: 'descendants' },
      { kind: 'key', name: 'id' },
      { kind: 'descendants' },
      { kind: 'index', index: 0 },
    ]);
    expect(rule('$["it\\"s"]')).toEqual([{ kind: 'key', name: 'it"s' }]);
  });

  it('matches a path or anything below it', () => {
    expect(matches('$.timestamp', ['timestamp'])).toBe(true);
    expect(matches('$.meta', ['meta', 'servedAt'])).toBe(true);
    expect(matches('$.meta.servedAt', ['meta'])).toBe(false);
    expect(matches('$.timestamp', ['other', 'timestamp'])).toBe(false);
  });

  it('$..name matches the name at any depth, including the top', () => {
    expect(matches('$..id', ['id'])).toBe(true);
    expect(matches('$..id', ['items', 3, 'id'])).toBe(true);
    expect(matches('$..id', ['items', 3, 'sku'])).toBe(false);
    expect(matches('$.items..price', ['items', 0, 'variants', 2, 'price'])).toBe(true);
    expect(matches('$.items..price', ['price'])).toBe(false);
  });

  it('[*] and .* match any index or key; [n] only that index', () => {
    expect(matches('$.items[*].updatedAt', ['items', 7, 'updatedAt'])).toBe(true);
    expect(matches('$.*.updatedAt', ['order', 'updatedAt'])).toBe(true);
    expect(matches('$.items[0]', ['items', 0, 'x'])).toBe(true);
    expect(matches('$.items[0]', ['items', 1, 'x'])).toBe(false);
    // A key that looks like an index is still a key.
    expect(matches('$.items[0]', ['items', '0'])).toBe(false);
  });

  it('refuses what is not a path, naming the input', () => {
    for (const bad of ['timestamp', '$', '$.', '$..', '$[', "$['open", '$.a[?(@.x)]', '$.a b']) {
      expect(() => rule(bad), bad).toThrow(/compare-ignore: .* is not a JSON path|compare-ignore: "/);
    }
  });

  it('splits a list into JSON paths and header names, lower-casing the names', () => {
    expect(parseIgnoreRules('$.servedAt\nX-Served-By, $..traceId\n# a comment', 'compare-ignore')).toEqual({
      paths: [
        [{ kind: 'key', name: 'servedAt' }],
        [{ kind: 'descendants' }, { kind: 'key', name: 'traceId' }],
      ],
      headers: ['x-served-by'],
    });
    expect(() => parseIgnoreRules(['not a header'], 'compare-ignore')).toThrow(
      'compare-ignore[0]: "not a header" is neither a JSON path',
    );
  });
});
