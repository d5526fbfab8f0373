import { describe, expect, it } from 'vitest';
import {
  DifferenceBook,
  LIVE_NO_RESPONSE,
  NO_DIFFERENCE,
  NOT_ATTEMPTED,
  OVER_LIMIT,
} from '../../../src/compare/difference-book.js';
import type { ResponseComparison } from '../../../src/compare/response-compare.js';
import { SecretNames } from '../../../src/compare/secret-names.js';
import { RESPONSE_MISMATCH_RATE } from '../../../src/core/builtin-metrics.js';
import type { MetricReading } from '../../../src/core/metrics-source.js';
import { BuiltinSource } from '../../../src/metrics/builtin-source.js';
import { MirrorLog } from '../../../src/traffic/mirror-log.js';

const ALL = { start: 0, end: Number.MAX_SAFE_INTEGER };
const request = { method: 'GET', target: '/products/42' };
const differing = (field: string): ResponseComparison => ({
  compared: true,
  differences: [{ field, at: field, kind: 'changed', live: 'a', dark: 'b' }],
});
const answer = { status: 200, latencyMs: 1 };

/** A comparing log: dark codes and replica codes per pair, completed at t = 1, 2, 3, … */
function logOf(codes: (book: DifferenceBook) => { dark: number; replica: number }[]): MirrorLog {
  const book = new DifferenceBook(new SecretNames([]));
  const log = new MirrorLog(book);
  codes(book).forEach((pair, i) => {
    log.append(i + 1, answer, answer, pair);
  });
  return log;
}

const read = (log: MirrorLog, version: 'dark' | 'live', window = ALL): Promise<MetricReading> =>
  new BuiltinSource(log).read({ metric: RESPONSE_MISMATCH_RATE, version, window });

describe('response-mismatch-rate from the builtin source', () => {
  it('dark: mismatched of compared requests, with the per-request outcomes; the not compared are no trials', async () => {
    const log = logOf((book) => {
      const price = book.record('dark', differing('$.price'), request);
      return [price, NO_DIFFERENCE, OVER_LIMIT, price, LIVE_NO_RESPONSE, NO_DIFFERENCE].map((dark) => ({
        dark,
        replica: NOT_ATTEMPTED,
      }));
    });
    const reading = await read(log, 'dark');
    expect(reading).toEqual({
      status: 'ok',
      value: 0.5,
      evidence: { kind: 'counts', events: 2, trials: 4, outcomes: Uint8Array.from([1, 0, 1, 0]) },
    });
    expect(await read(log, 'dark', { start: 2, end: 3 })).toMatchObject({ status: 'ok', value: 0 });
  });

  it('live: without a replica, no data saying to configure traffic.liveReplica', async () => {
    const log = logOf(() => [{ dark: NO_DIFFERENCE, replica: NOT_ATTEMPTED }]);
    expect(await read(log, 'live')).toEqual({
      status: 'no-data',
      reason: expect.stringContaining(
        'configure traffic.liveReplica (live-replica-command or live-replica-url)',
      ),
    });
  });

  it('live: the replica noise rate after noise learning, paired with dark when both compared the same requests', async () => {
    const log = logOf((book) => {
      const noise = book.record('dark', differing('$.traceId'), request);
      const price = book.record('dark', differing('$.price'), request);
      const replicaNoise = book.record('replica', differing('$.traceId'), request);
      const replicaPrice = book.record('replica', differing('$.price'), request);
      // $.traceId differs everywhere (noise); $.price in dark 3 of 4, in the replica 1 of 4 (real, and it counts).
      return [
        { dark: price, replica: replicaNoise },
        { dark: price, replica: replicaPrice },
        { dark: price, replica: replicaNoise },
        { dark: noise, replica: replicaNoise },
      ];
    });
    const dark = await read(log, 'dark');
    const live = await read(log, 'live');
    expect(dark).toMatchObject({
      status: 'ok',
      value: 0.75,
      evidence: { events: 3, trials: 4, pairing: 'builtin comparison 0-9007199254740991' },
    });
    expect(live).toMatchObject({
      status: 'ok',
      value: 0.25,
      evidence: {
        events: 1,
        trials: 4,
        outcomes: Uint8Array.from([0, 1, 0, 0]),
        pairing: 'builtin comparison 0-9007199254740991',
      },
    });
  });

  it('is not paired when the two sides compared different requests', async () => {
    const log = logOf(() => [
      { dark: NO_DIFFERENCE, replica: OVER_LIMIT },
      { dark: NO_DIFFERENCE, replica: NO_DIFFERENCE },
    ]);
    const live = await read(log, 'live');
    expect(live).toMatchObject({ status: 'ok', value: 0, evidence: { trials: 1 } });
    expect(live.status === 'ok' && live.evidence && 'pairing' in live.evidence).toBe(false);
  });

  it('no data when nothing was compared, or when the proxy does not compare', async () => {
    const none = logOf(() => [{ dark: OVER_LIMIT, replica: NOT_ATTEMPTED }]);
    expect(await read(none, 'dark')).toEqual({
      status: 'no-data',
      reason: "no mirrored request's dark answer was compared in the window",
    });
    const plain = new MirrorLog();
    plain.append(1, answer, answer);
    expect(await read(plain, 'dark')).toEqual({
      status: 'no-data',
      reason: 'the mirroring proxy does not compare responses',
    });
  });
});
