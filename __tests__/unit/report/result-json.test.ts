import { describe, expect, it } from 'vitest';
import { toResultJson } from '../../../src/report/result-json.js';
import { failFastResult, inconclusiveResult, passResult } from '../../fixtures/experiment-result.js';

describe('toResultJson', () => {
  it.each([
    ['pass', passResult],
    ['inconclusive', inconclusiveResult],
    ['fail-fast', failFastResult],
  ])('round-trips a %s result through JSON unchanged', (_, build) => {
    const json = toResultJson(build());
    expect(JSON.parse(JSON.stringify(json))).toStrictEqual(json);
  });

  it('carries the verdict, stop, plan, every reading and the queries, with ISO times', () => {
    const result = inconclusiveResult();
    const json = toResultJson(result);
    expect(json).toMatchObject({
      schemaVersion: 2,
      name: 'checkout-latency',
      verdict: 'inconclusive',
      stop: { reason: 'completed', detail: 'all 5 iterations ran' },
      startedAt: '2026-03-02T10:00:00.000Z',
      endedAt: '2026-03-02T10:04:01.250Z',
      plan: { target: { darkRevision: 'checkout-00042' }, iterations: 5, minRequests: 50 },
    });
    expect(json.iterations).toHaveLength(result.iterations.length);
    expect(json.iterations[3]?.window).toEqual({
      start: '2026-03-02T10:00:00.000Z',
      end: '2026-03-02T10:04:00.000Z',
    });
    expect(json.iterations[3]?.requests).toEqual({
      dark: { status: 'ok', value: 1850 },
      live: { status: 'ok', value: 8840 },
    });
    expect(json.iterations[3]?.assessments[1]).toEqual({
      objective: 'mean-latency <= live + 20%',
      metric: 'mean-latency',
      status: 'unknown',
      reason: 'live mean-latency: prometheus unreachable after 3 attempts (ECONNREFUSED)',
      dark: { status: 'ok', value: 12.8 },
      live: { status: 'unavailable', reason: 'prometheus unreachable after 3 attempts (ECONNREFUSED)' },
    });
    expect(json.queries).toEqual(result.queries);
  });

  it('turns non-finite values into null', () => {
    const base = passResult();
    const [first, ...rest] = base.iterations;
    if (!first) throw new Error('fixture has iterations');
    const json = toResultJson({
      ...base,
      iterations: [{ ...first, requests: { dark: { status: 'ok', value: Number.NaN } } }, ...rest],
    });
    expect(json.iterations[0]?.requests.dark).toEqual({ status: 'ok', value: null });
    expect(JSON.stringify(json)).not.toContain('NaN');
  });
});
