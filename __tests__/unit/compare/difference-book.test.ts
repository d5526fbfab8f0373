import { describe, expect, it } from 'vitest';
import {
  DifferenceBook,
  EXAMPLES_PER_FIELD,
  MAX_FIELDS,
  MAX_SIGNATURES,
  NO_DIFFERENCE,
  NOT_ATTEMPTED,
  OTHER_FIELDS,
  OTHER_NO_RESPONSE,
  OVER_LIMIT,
} from '../../../src/compare/difference-book.js';
import { JsonNumber, type JsonValue } from '../../../src/compare/json-diff.js';
import type { FieldDifference, ResponseComparison } from '../../../src/compare/response-compare.js';
import { SecretNames } from '../../../src/compare/secret-names.js';
import { DEFAULT_SECRET_NAMES } from '../../../src/config/compare-values.js';
import { MATCHED, MISMATCHED, NOT_COMPARED } from '../../../src/core/mirrored-exchanges.js';

const secrets = new SecretNames(DEFAULT_SECRET_NAMES);
const request = { method: 'GET', target: '/products/42' };
const differing = (...fields: string[]): ResponseComparison => ({
  compared: true,
  differences: fields.map(
    (field): FieldDifference => ({ field, at: field, kind: 'changed', live: 'a', dark: 'b' }),
  ),
});
const same: ResponseComparison = { compared: true, differences: [] };

/** Records `n` requests: dark's and the replica's comparisons by index. */
function run(
  book: DifferenceBook,
  n: number,
  dark: (i: number) => ResponseComparison,
  replica?: (i: number) => ResponseComparison,
) {
  const darkCodes = Array.from({ length: n }, (_, i) => book.record('dark', dark(i), request));
  const replicaCodes = replica
    ? Array.from({ length: n }, (_, i) => book.record('replica', replica(i), request))
    : undefined;
  return { darkCodes, replicaCodes };
}

const count = (column: ArrayLike<number>, value: number) =>
  Array.from(column).filter((v) => v === value).length;

describe('DifferenceBook', () => {
  it('without a replica, every difference counts', () => {
    const book = new DifferenceBook(secrets);
    const { darkCodes } = run(book, 100, (i) => (i % 10 === 0 ? differing('$.price') : same));
    const classified = book.classify(darkCodes);
    expect(count(classified.dark, MISMATCHED)).toBe(10);
    expect(count(classified.dark, MATCHED)).toBe(90);
    expect(classified.live).toBeUndefined();
  });

  it('learns per field, from a live replica, which differences are noise (as Diffy does)', () => {
    const book = new DifferenceBook(secrets);
    // $.traceId differs on every answer of every copy; $.recommended on a third of them, in dark and in the
    // replica alike; $.price only in dark, on one request in ten.
    const noise = (i: number) => ['$.traceId', ...(i % 3 === 0 ? ['$.recommended'] : [])];
    const { darkCodes, replicaCodes } = run(
      book,
      300,
      (i) => differing(...noise(i), ...(i % 10 === 0 ? ['$.price'] : [])),
      (i) => differing(...noise(i + 1)),
    );
    const classified = book.classify(darkCodes, replicaCodes);
    expect(count(classified.dark, MISMATCHED)).toBe(30);
    // Live against its replica differs only on noise: its mismatch rate is 0.
    expect(count(classified.live ?? [], MISMATCHED)).toBe(0);
    const summary = book.summary(darkCodes, replicaCodes, 1024);
    expect(summary.fields.map((f) => [f.field, f.requests, f.replicaRequests])).toEqual([['$.price', 30, 0]]);
    expect(summary.noise.map((f) => [f.field, f.requests, f.replicaRequests])).toEqual([
      ['$.traceId', 300, 300],
      ['$.recommended', 100, 100],
    ]);
    expect(summary.dark).toEqual({
      compared: 300,
      mismatched: 30,
      notCompared: { liveNoResponse: 0, otherNoResponse: 0, overLimit: 0, overBudget: 0 },
    });
  });

  it('keeps a noisy field that dark changes far more often than the replica does (Diffy: > 20% relative)', () => {
    const book = new DifferenceBook(secrets);
    // The replica differs on $.stock in 10% of answers; dark in 50%: (0.5 − 0.1) / 0.6 = 67% relative.
    const { darkCodes, replicaCodes } = run(
      book,
      200,
      (i) => (i % 2 === 0 ? differing('$.stock') : same),
      (i) => (i % 10 === 0 ? differing('$.stock') : same),
    );
    const classified = book.classify(darkCodes, replicaCodes);
    expect(count(classified.dark, MISMATCHED)).toBe(100);
    // The replica's own differences on a real field count for live, so the two rates compare like for like.
    expect(count(classified.live ?? [], MISMATCHED)).toBe(20);
    // 12% against 10%: within Diffy's 20% relative threshold, so noise.
    const close = new DifferenceBook(secrets);
    const near = run(
      close,
      200,
      (i) => (i % 25 < 3 ? differing('$.stock') : same),
      (i) => (i % 10 === 0 ? differing('$.stock') : same),
    );
    expect(count(close.classify(near.darkCodes, near.replicaCodes).dark, MISMATCHED)).toBe(0);
  });

  it('classifies each window on its own counts, and leaves requests not compared out', () => {
    const book = new DifferenceBook(secrets);
    const codes = [
      book.record('dark', differing('$.a'), request),
      NO_DIFFERENCE,
      OVER_LIMIT,
      OTHER_NO_RESPONSE,
      book.record('dark', differing('$.a', '$.b'), request),
    ];
    expect(Array.from(book.classify(codes).dark)).toEqual([
      MISMATCHED,
      MATCHED,
      NOT_COMPARED,
      NOT_COMPARED,
      MISMATCHED,
    ]);
    expect(
      book.classify(
        codes,
        codes.map(() => NOT_ATTEMPTED),
      ).live,
    ).toBeUndefined();
    expect(book.summary(codes, undefined, 1024).dark.notCompared).toEqual({
      liveNoResponse: 0,
      otherNoResponse: 1,
      overLimit: 1,
      overBudget: 0,
    });
  });

  it('keeps a few examples per field, masking secrets and truncating long values', () => {
    const book = new DifferenceBook(secrets);
    const token: FieldDifference = {
      field: '$.session.accessToken',
      at: '$.session.accessToken',
      name: 'accessToken',
      kind: 'changed',
      live: 'abc',
      dark: 'def',
    };
    const nested: FieldDifference = {
      field: '$.user',
      at: '$.user',
      name: 'user',
      kind: 'changed',
      live: { name: 'ada', password: 'hunter2', bio: 'x'.repeat(500) } as JsonValue,
      dark: { name: 'ada', password: 'hunter3', n: new JsonNumber('1.0') } as JsonValue,
    };
    const header: FieldDifference = {
      field: 'header set-cookie',
      at: 'header set-cookie',
      name: 'set-cookie',
      kind: 'changed',
      live: 'a=1',
      dark: 'a=2',
    };
    for (let i = 0; i < 10; i++) {
      book.record(
        'dark',
        { compared: true, differences: [token, nested, header] },
        { method: 'GET', target: `/me?x=1&api_key=k${i}` },
      );
    }
    const summary = book.summary([1], undefined, 1024);
    const byField = Object.fromEntries(summary.fields.map((field) => [field.field, field.example]));
    expect(byField['$.session.accessToken']).toEqual({
      request: 'GET /me?x=1&api_key=***',
      at: '$.session.accessToken',
      kind: 'changed',
      live: '***',
      dark: '***',
    });
    expect(byField['header set-cookie']?.live).toBe('***');
    const user = byField['$.user'];
    expect(user?.live).toMatch(/^\{"name":"ada","password":"\*\*\*","bio":"x+…$/);
    expect(user?.live?.length).toBe(120);
    expect(user?.dark).toBe('{"name":"ada","password":"***","n":1.0}');
  });

  it('stays bounded over a long run: fields, sets of fields and examples are capped', () => {
    const book = new DifferenceBook(secrets);
    for (let i = 0; i < 20_000; i++) book.record('dark', differing(`$.f${i}`, `$.g${i % 7}`), request);
    const internals = book as unknown as { fields: string[]; signatures: unknown[]; examples: unknown[][] };
    expect(internals.fields.length).toBe(MAX_FIELDS);
    expect(internals.fields.at(-1)).toBe(OTHER_FIELDS);
    expect(internals.signatures.length).toBeLessThanOrEqual(MAX_SIGNATURES);
    expect(Math.max(...internals.examples.map((kept) => kept.length))).toBe(EXAMPLES_PER_FIELD);
  });
});
