import { describe, expect, it } from 'vitest';
import {
  DifferenceBook,
  NO_DIFFERENCE,
  NOT_ATTEMPTED,
  OVER_LIMIT,
} from '../../../src/compare/difference-book.js';
import { SecretNames } from '../../../src/compare/secret-names.js';
import { MATCHED, MISMATCHED, NOT_COMPARED } from '../../../src/core/mirrored-exchanges.js';
import { MirrorLog } from '../../../src/traffic/mirror-log.js';

describe('MirrorLog', () => {
  it('keeps every pair past its initial capacity, in order, column by column', () => {
    const log = new MirrorLog();
    for (let i = 0; i < 10_000; i++) {
      log.append(i, { status: 200, latencyMs: i }, { status: i % 2 === 0 ? 200 : 503, latencyMs: i * 2 });
    }
    expect(log.size).toBe(10_000);
    const sample = log.within({ start: 9_998, end: 20_000 });
    expect(sample.count).toBe(2);
    expect(Array.from(sample.live.latenciesMs)).toEqual([9_998, 9_999]);
    expect(Array.from(sample.dark.latenciesMs)).toEqual([19_996, 19_998]);
    expect(Array.from(sample.dark.statuses)).toEqual([200, 503]);
  });

  it('keeps the comparison codes past its initial capacity, and classifies them per window', () => {
    const book = new DifferenceBook(new SecretNames([]));
    const differing = book.record(
      'dark',
      { compared: true, differences: [{ field: '$.a', at: '$.a', kind: 'changed', live: 'x', dark: 'y' }] },
      { method: 'GET', target: '/' },
    );
    const log = new MirrorLog(book);
    const answer = { status: 200, latencyMs: 1 };
    for (let i = 0; i < 10_000; i++) {
      const dark = i % 3 === 0 ? differing : i % 3 === 1 ? NO_DIFFERENCE : OVER_LIMIT;
      log.append(i, answer, answer, { dark, replica: NOT_ATTEMPTED });
    }
    const sample = log.within({ start: 9_996, end: 20_000 });
    expect(Array.from(sample.comparison?.dark ?? [])).toEqual([
      MISMATCHED,
      MATCHED,
      NOT_COMPARED,
      MISMATCHED,
    ]);
    expect(sample.comparison?.live).toBeUndefined();
    expect(log.codes().dark).toHaveLength(10_000);
    expect(log.codes().replica).toBeUndefined();
  });

  it('selects windows with both ends inclusive, and an empty one outside', () => {
    const log = new MirrorLog();
    for (const at of [10, 20, 20, 30])
      log.append(at, { status: 200, latencyMs: at }, { status: 200, latencyMs: at });
    expect(log.within({ start: 20, end: 20 }).count).toBe(2);
    expect(log.within({ start: 0, end: 30 }).count).toBe(4);
    expect(log.within({ start: 31, end: 40 }).count).toBe(0);
    expect(log.within({ start: 0, end: 9 }).count).toBe(0);
  });

  it('keeps completion times in order when the clock steps back', () => {
    const log = new MirrorLog();
    log.append(100, { status: 200, latencyMs: 1 }, { status: 200, latencyMs: 1 });
    log.append(90, { status: 200, latencyMs: 2 }, { status: 200, latencyMs: 2 });
    expect(log.within({ start: 0, end: 99 }).count).toBe(0);
    expect(log.within({ start: 100, end: 100 }).count).toBe(2);
  });
});
