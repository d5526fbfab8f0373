import { describe, expect, it } from 'vitest';
import { runEvaluation } from '../../../src/core/evaluation-loop.js';
import type { ExperimentResult } from '../../../src/core/result.js';
import { buildLatencyTrendChart } from '../../../src/report/latency-trend-chart.js';
import { renderMarkdownReport } from '../../../src/report/markdown-report.js';
import { formatProgressLine } from '../../../src/report/progress-line.js';
import { toResultJson } from '../../../src/report/result-json.js';
import { renderTerminalReport } from '../../../src/report/terminal-report.js';
import { FakeClock } from '../../support/fake-clock.js';
import { ERROR_RATE_UNDER_1_PERCENT } from '../../support/monte-carlo-objectives.js';
import { gatePlan } from '../../support/monte-carlo-runs.js';
import { exponentialLatency, SimulatedRequests } from '../../support/simulated-requests.js';

const P95_UNDER_120_MS = {
  text: 'p95-latency < 120ms',
  metric: { id: 'p95-latency', kind: 'latency-percentile' as const, percentile: 95, unit: 'ms' as const },
  comparator: '<' as const,
  limit: { kind: 'absolute' as const, value: 120 },
};

/** A run that stays inconclusive: errors near their limit, p95 clearly met, its limit inside a bucket. */
async function inconclusiveRun(): Promise<ExperimentResult> {
  const clock = new FakeClock();
  const source = new SimulatedRequests(
    {
      dark: { errorRate: 0.009, latency: exponentialLatency(95, 60) },
      live: { errorRate: 0, latency: () => 10 },
    },
    { perSecond: 40, seed: 5, start: clock.now(), as: 'histogram' },
  );
  const plan = gatePlan([P95_UNDER_120_MS, ERROR_RATE_UNDER_1_PERCENT], { iterations: 3 });
  return runEvaluation(plan, { source, clock });
}

describe('reports of a run decided with confidence bounds', () => {
  it('the progress line shows each estimate with its interval and mark', async () => {
    const result = await inconclusiveRun();
    const first = result.iterations[0];
    if (!first) throw new Error('no iteration');
    expect(formatProgressLine(first, { iterations: 3, endsAt: result.startedAt + 30_000 })).toBe(
      '[1/3] p95-latency 100 ms [25 ms, 100 ms] (< 120 ms) ✓ · error-rate 1.5% [0.306%, 4.2%] (< 1%) … · requests 400 · 20s left',
    );
  });

  it('the Markdown report shows intervals, the decision rule, the method and assumptions, and what would settle it', async () => {
    await expect(
      renderMarkdownReport(await inconclusiveRun(), { experimentName: 'checkout' }),
    ).toMatchFileSnapshot('__snapshots__/markdown-report-confidence.md');
  });

  it('the terminal report says the same', async () => {
    const text = renderTerminalReport(await inconclusiveRun());
    expect(text).toContain('Decision: confidence 95%, each of the 2 bounded objectives at 97.5%');
    expect(text).toMatch(/… undecided \(about [\d,]+ more dark requests .* would likely settle it\)/);
    expect(text).toContain(
      'p95-latency: quantile confidence sequence (bucket bounds) at 97.5%; the limit 120 ms is inside the bucket (100 ms, 250 ms]',
    );
  });

  it('the result file carries the policy, the evidence, the intervals and what would settle it', async () => {
    const json = toResultJson(await inconclusiveRun());
    expect(json.plan.decision).toEqual({
      mode: 'confidence',
      confidence: 0.95,
      earlyPass: true,
      minIterations: 1,
      minDurationMs: 0,
    });
    const [p95, errors] = json.iterations.at(-1)?.assessments ?? [];
    expect(p95).toMatchObject({
      status: 'met',
      decidedBy: 'bound',
      bound: {
        level: 0.975,
        estimate: { low: 50, high: 100 },
        method: 'quantile confidence sequence (bucket bounds)',
        paired: false,
      },
      dark: { evidence: { kind: 'histogram' } },
    });
    expect(errors).toMatchObject({
      status: 'undecided',
      dark: { evidence: { kind: 'counts', trials: 1200 } },
    });
    expect(errors?.toSettle?.requests).toBeGreaterThan(0);
    expect(JSON.stringify(json)).not.toMatch(/Infinity|NaN/);
  });

  it('the trend chart draws the bounds beside the value and the limit', async () => {
    const chart = buildLatencyTrendChart(await inconclusiveRun());
    expect(chart?.seriesNames).toEqual([
      'p95-latency dark',
      'p95-latency limit',
      'p95-latency dark low',
      'p95-latency dark high',
    ]);
    expect(chart?.mermaid).toContain('line "p95-latency dark low" [25, 25, 50]');
  });
});
