import { describe, expect, it } from 'vitest';
import type { IterationResult } from '../../../src/core/result.js';
import { formatProgressLine } from '../../../src/report/progress-line.js';

const start = Date.UTC(2026, 10, 26, 12, 0, 0);

describe('formatProgressLine', () => {
  it('shows each objective with value, limit and mark, the requests so far and the time left', () => {
    const iteration: IterationResult = {
      index: 3,
      window: { start, end: start + 30_000 },
      requests: { dark: { status: 'ok', value: 812 }, live: { status: 'ok', value: 2040 } },
      assessments: [
        {
          objective: {
            text: 'p95-latency < 100ms',
            metric: { id: 'p95-latency', kind: 'latency-percentile', percentile: 95, unit: 'ms' },
            comparator: '<',
            limit: { kind: 'absolute', value: 100 },
          },
          dark: { status: 'ok', value: 42.137 },
          limit: 100,
          status: 'met',
        },
        {
          objective: {
            text: 'p99-latency <= live + 20%',
            metric: { id: 'p99-latency', kind: 'latency-percentile', percentile: 99, unit: 'ms' },
            comparator: '<=',
            limit: { kind: 'relative', scale: 1.2, offset: 0 },
          },
          dark: { status: 'ok', value: 80 },
          live: { status: 'ok', value: 50 },
          limit: 60,
          status: 'breached',
        },
        {
          objective: {
            text: 'error-rate < 1%',
            metric: { id: 'error-rate', kind: 'error-rate', unit: 'ratio' },
            comparator: '<',
            limit: { kind: 'absolute', value: 0.01 },
          },
          dark: { status: 'no-data', reason: 'empty result' },
          status: 'unknown',
          reason: 'dark error-rate: empty result',
        },
      ],
      verdict: 'fail',
      reason: 'p99-latency 80 ms, limit <= 60 ms',
    };
    expect(formatProgressLine(iteration, { iterations: 10, endsAt: start + 100_000 })).toBe(
      '[3/10] p95-latency 42.14 ms (< 100 ms) ✓ · p99-latency 80 ms (<= live + 20% = 60 ms) ✗ · error-rate no data (< 1%) ? · requests 812 (live 2,040) · 70s left',
    );
  });
});
