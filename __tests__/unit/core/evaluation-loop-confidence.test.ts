import { describe, expect, it } from 'vitest';
import { runEvaluation } from '../../../src/core/evaluation-loop.js';
import type { MetricsSource } from '../../../src/core/metrics-source.js';
import type { DecisionPolicy, Objective } from '../../../src/core/model.js';
import { FakeClock } from '../../support/fake-clock.js';
import {
  ERROR_RATE_UNDER_1_PERCENT,
  failing,
  P95_UNDER_100_MS,
  within100ms,
} from '../../support/monte-carlo-objectives.js';
import { gatePlan } from '../../support/monte-carlo-runs.js';
import { SimulatedRequests, type VersionTruth } from '../../support/simulated-requests.js';

const CONFIDENT: DecisionPolicy = {
  mode: 'confidence',
  confidence: 0.95,
  earlyPass: true,
  minIterations: 1,
  minDurationMs: 0,
};
const atLeast5000Requests: Objective = {
  text: 'request-count >= 5000',
  metric: { id: 'request-count', kind: 'request-count', unit: 'count' },
  comparator: '>=',
  limit: { kind: 'absolute', value: 5000 },
};
const queueDepth: Objective = {
  text: 'queue-depth <= 20',
  metric: { id: 'queue-depth', kind: 'custom', unit: 'none' },
  comparator: '<=',
  limit: { kind: 'absolute', value: 20 },
};

function simulated(dark: VersionTruth, clock: FakeClock, seed = 1): SimulatedRequests {
  return new SimulatedRequests(
    { dark, live: dark },
    { perSecond: 40, seed, start: clock.now(), as: 'histogram' },
  );
}

async function run(
  objectives: readonly Objective[],
  dark: VersionTruth,
  decision: Partial<DecisionPolicy> = {},
) {
  const clock = new FakeClock();
  const plan = gatePlan(objectives, { decision: { ...CONFIDENT, ...decision } as DecisionPolicy });
  return runEvaluation(plan, { source: simulated(dark, clock), clock });
}

describe('runEvaluation with confidence bounds', () => {
  it('passes early once every objective is confidently met, and says so', async () => {
    const result = await run([ERROR_RATE_UNDER_1_PERCENT], failing(0));
    expect(result.verdict).toBe('pass');
    expect(result.stop).toEqual({
      reason: 'early-pass',
      detail: `stopped after iteration ${result.iterations.length} of 10: every objective confidently met`,
    });
    expect(result.iterations.length).toBeLessThan(10);
    const [assessment] = result.iterations.at(-1)?.assessments ?? [];
    expect(assessment).toMatchObject({ status: 'met', decidedBy: 'bound' });
    expect(assessment?.bound?.estimate.high).toBeLessThan(0.01);
  });

  it('waits for min-iterations and min-duration before an early pass, and runs on with early-pass off', async () => {
    expect(
      (await run([ERROR_RATE_UNDER_1_PERCENT], failing(0), { minIterations: 6 })).iterations,
    ).toHaveLength(6);
    expect(
      (await run([ERROR_RATE_UNDER_1_PERCENT], failing(0), { minDurationMs: 75_000 })).iterations,
    ).toHaveLength(8);
    const full = await run([ERROR_RATE_UNDER_1_PERCENT], failing(0), { earlyPass: false });
    expect(full.iterations).toHaveLength(10);
    expect(full).toMatchObject({ verdict: 'pass', stop: { reason: 'completed' } });
  });

  it('fails at the first confident breach, naming it', async () => {
    const result = await run([P95_UNDER_100_MS, ERROR_RATE_UNDER_1_PERCENT], within100ms(0.5));
    expect(result.verdict).toBe('fail');
    expect(result.stop.reason).toBe('fail-fast');
    expect(result.iterations).toHaveLength(1);
    expect(result.stop.detail).toMatch(
      /^stopped after iteration 1 of 10: confidently breached \(p95-latency /,
    );
  });

  it('ends inconclusive when a bound still straddles the limit, with about how many more requests would settle it', async () => {
    const result = await run([ERROR_RATE_UNDER_1_PERCENT], failing(0.009));
    expect(result.verdict).toBe('inconclusive');
    const last = result.iterations.at(-1)?.assessments[0];
    expect(last?.status).toBe('undecided');
    expect(last?.toSettle?.requests).toBeGreaterThan(1000);
    expect(last?.toSettle?.seconds).toBeCloseTo((last?.toSettle?.requests ?? 0) / 40, -1);
    expect(result.reason).toMatch(
      /^not settled: error-rate [\d.]+%: its 95% interval reaches both sides of the limit; about [\d,]+ more dark requests \(~\d+ (s|min|h) at the rate so far\) would likely settle it$/,
    );
    // Earlier iterations needed no advice: only the last one's undecided objectives decide the verdict.
    expect(result.iterations[0]?.assessments[0]?.toSettle).toBeUndefined();
  });

  it('counts requests exactly: a shortfall is undecided until the last iteration, then breached', async () => {
    const result = await run([atLeast5000Requests, ERROR_RATE_UNDER_1_PERCENT], failing(0));
    expect(result.iterations).toHaveLength(10);
    expect(result.iterations[0]?.assessments[0]).toMatchObject({ status: 'undecided', decidedBy: 'count' });
    expect(result.iterations.at(-1)?.assessments[0]).toMatchObject({
      status: 'breached',
      decidedBy: 'count',
    });
    expect(result.verdict).toBe('fail');
  });

  it('decides a custom query on its value alone, and only at the last iteration does it count', async () => {
    const clock = new FakeClock();
    const requests = simulated(failing(0), clock);
    const source: MetricsSource = {
      description: 'simulated with a custom metric',
      read: async (query) =>
        query.metric.kind === 'custom' ? { status: 'ok', value: 3 } : requests.read(query),
    };
    const plan = gatePlan([ERROR_RATE_UNDER_1_PERCENT, queueDepth], { decision: CONFIDENT });
    const result = await runEvaluation(plan, { source, clock });
    expect(result.stop.reason).toBe('completed');
    expect(result.verdict).toBe('pass');
    expect(result.iterations.at(-1)?.assessments[1]).toMatchObject({
      status: 'met',
      decidedBy: 'value',
      reason: 'the source gave queue-depth as a value only, with no counts or histogram',
    });
  });

  it('keeps missing and thin data inconclusive, never pass', async () => {
    const clock = new FakeClock();
    const empty: MetricsSource = {
      description: 'empty',
      read: async (query) =>
        query.metric.kind === 'request-count'
          ? { status: 'ok', value: 5 }
          : { status: 'no-data', reason: 'empty result' },
    };
    const result = await runEvaluation(gatePlan([ERROR_RATE_UNDER_1_PERCENT], { decision: CONFIDENT }), {
      source: empty,
      clock,
    });
    expect(result.verdict).toBe('inconclusive');
    expect(result.reason).toBe('not enough data: dark has 5 requests, fewer than min-requests 10');
  });
});
