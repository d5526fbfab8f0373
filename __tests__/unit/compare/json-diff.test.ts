import { describe, expect, it } from 'vitest';
import {
  diffJson,
  JsonNumber,
  jsonText,
  MAX_DIFFERENCES_PER_BODY,
  parseJson,
} from '../../../src/compare/json-diff.js';
import { fieldPath, formatPath, matchesRule } from '../../../src/compare/json-path.js';
import { parseJsonPathRule } from '../../../src/config/compare-values.js';

const diff = (live: string, dark: string, ignore: string[] = []) => {
  const rules = ignore.map((rule) => parseJsonPathRule(rule, 'compare-ignore'));
  return diffJson(parseJson(live), parseJson(dark), (path) =>
    rules.some((rule) => matchesRule(rule, path)),
  ).map((d) => ({
    at: formatPath(d.path),
    field: fieldPath(d.path),
    kind: d.kind,
    live: d.live === undefined ? undefined : jsonText(d.live),
    dark: d.dark === undefined ? undefined : jsonText(d.dark),
  }));
};

describe('diffJson', () => {
  it('finds nothing in equal documents, whatever the order of their keys', () => {
    expect(
      diff('{"a": 1, "b": {"c": [1, 2], "d": null}}', '{"b": {"d": null, "c": [1, 2]}, "a": 1}'),
    ).toEqual([]);
  });

  it('names each differing field in a nested document by its path', () => {
    expect(
      diff(
        '{"order": {"id": 7, "customer": {"name": "Ada", "tier": "gold"}, "note": "x"}}',
        '{"order": {"id": 7, "customer": {"name": "Ada", "tier": "silver"}, "gift": true}}',
      ),
    ).toEqual([
      {
        at: '$.order.customer.tier',
        field: '$.order.customer.tier',
        kind: 'changed',
        live: '"gold"',
        dark: '"silver"',
      },
      { at: '$.order.note', field: '$.order.note', kind: 'missing', live: '"x"', dark: undefined },
      { at: '$.order.gift', field: '$.order.gift', kind: 'added', live: undefined, dark: 'true' },
    ]);
  });

  it('compares arrays index by index, counting every index under one field; different lengths as a whole', () => {
    expect(
      diff('{"items": [{"p": 1}, {"p": 2}, {"p": 3}]}', '{"items": [{"p": 1}, {"p": 5}, {"p": 6}]}'),
    ).toEqual([
      { at: '$.items[1].p', field: '$.items[*].p', kind: 'changed', live: '2', dark: '5' },
      { at: '$.items[2].p', field: '$.items[*].p', kind: 'changed', live: '3', dark: '6' },
    ]);
    expect(diff('[1, 2, 3]', '[1, 2]')).toEqual([
      { at: '$', field: '$', kind: 'length', live: '[1,2,3]', dark: '[1,2]' },
    ]);
  });

  it('tells a change of JSON type from a change of value', () => {
    expect(
      diff('{"price": 19.99, "tags": [], "gone": null}', '{"price": "19.99", "tags": {}, "gone": false}'),
    ).toEqual([
      { at: '$.price', field: '$.price', kind: 'type', live: '19.99', dark: '"19.99"' },
      { at: '$.tags', field: '$.tags', kind: 'type', live: '[]', dark: '{}' },
      { at: '$.gone', field: '$.gone', kind: 'type', live: 'null', dark: 'false' },
    ]);
  });

  it('compares numbers as the decimals they denote, not as doubles nor as text', () => {
    expect(diff('[1, 1.0, 100, 0.5, -0, 2.50]', '[1.0, 1e0, 1E2, 5e-1, 0, 2.5]')).toEqual([]);
    // One double, two different numbers: a 64-bit id past 2^53 changed in its last digit.
    expect(diff('{"id": 12345678901234567890}', '{"id": 12345678901234567891}')).toEqual([
      {
        at: '$.id',
        field: '$.id',
        kind: 'changed',
        live: '12345678901234567890',
        dark: '12345678901234567891',
      },
    ]);
    expect(diff('{"p": 0.1}', '{"p": 0.10000000000000001}')).toHaveLength(1);
    expect(new JsonNumber('1.50e2').canonical).toBe('15e1');
  });

  it('shows keys that are not identifiers in brackets', () => {
    expect(
      diff('{"content-type": "a", "it\'s": 1}', '{"content-type": "b", "it\'s": 2}').map((d) => d.at),
    ).toEqual(["$['content-type']", "$['it\\'s']"]);
  });

  it('prunes ignored paths and everything below them', () => {
    const live = '{"servedAt": 1, "meta": {"traceId": "a", "v": 1}, "items": [{"id": 1, "updatedAt": 1}]}';
    const dark = '{"servedAt": 2, "meta": {"traceId": "b", "v": 1}, "items": [{"id": 2, "updatedAt": 2}]}';
    expect(diff(live, dark, ['$.servedAt', '$.meta', '$.items[*].updatedAt']).map((d) => d.at)).toEqual([
      '$.items[0].id',
    ]);
    expect(diff(live, dark, ['$..id', '$..updatedAt', '$..traceId', '$.servedAt'])).toEqual([]);
    // An ignored key that is missing on one side is no difference either.
    expect(diff('{"a": 1, "t": 1}', '{"a": 1}', ['$.t'])).toEqual([]);
  });

  it(`lists at most ${MAX_DIFFERENCES_PER_BODY} differences in one pair of bodies`, () => {
    const values = (offset: number) => JSON.stringify(Array.from({ length: 500 }, (_, i) => i + offset));
    expect(diff(values(0), values(1))).toHaveLength(MAX_DIFFERENCES_PER_BODY);
  });
});

describe('jsonText', () => {
  it('writes numbers as they were written and masks members with secret names at any depth', () => {
    const value = parseJson('{"user": {"name": "ada", "apiToken": "t0k3n", "n": 1.50}}');
    expect(jsonText(value, (key) => /token/i.test(key))).toBe(
      '{"user":{"name":"ada","apiToken":"***","n":1.50}}',
    );
  });
});
