import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock/system-clock.js';
import type { PrometheusConfig } from '../../src/core/config.js';
import { runEvaluation } from '../../src/core/evaluation-loop.js';
import type { EvaluationPlan, Objective, Verdict } from '../../src/core/model.js';
import { PrometheusSource } from '../../src/metrics/prometheus-source.js';
import { type FakePod, MetricsExporter, type TrafficProfile } from '../support/metrics-exporter.js';
import { ERROR_RATE_UNDER_1_PERCENT, P95_UNDER_100_MS } from '../support/monte-carlo-objectives.js';
import { wrongWayAllowance } from '../support/monte-carlo-runs.js';
import { type PrometheusServer, prometheusBinaries, startPrometheus } from '../support/prometheus-server.js';

/**
 * Verdicts against noise, as a user would meet it: a real Prometheus scrapes Istio-shaped pods whose requests
 * are random draws from a known distribution, and the real loop with the real clock judges each at the
 * defaults (95% confidence, 10 iterations of 1 s, early fail and early pass). These are the runs that found
 * the point rule wrong in a third of them near a limit (issue 11): about 400 dark requests each. All runs of
 * one Prometheus go at once, one revision each, so the whole set takes one window.
 */
const NAMESPACE = 'noise';
const RUNS = 30;
const ALLOWED = wrongWayAllowance(RUNS);

const profile = (
  requestsPerSecond: number,
  slowShare: number,
  errorRatio: number,
): Omit<TrafficProfile, 'seed'> => ({
  requestsPerSecond,
  latencies: [
    { ms: 20, weight: 1 - slowShare },
    { ms: 200, weight: slowShare },
  ],
  errorRatio,
});

interface Truth {
  readonly name: string;
  readonly objective: Objective;
  readonly profile: Omit<TrafficProfile, 'seed'>;
  readonly runs: number;
  /** The verdict that would be the wrong way round, or, for the clear cases, the right one. */
  readonly wrong?: Verdict;
  readonly right?: Verdict;
}

const TRUTHS: readonly Truth[] = [
  { name: 'slow6', objective: P95_UNDER_100_MS, profile: profile(40, 0.06, 0), runs: RUNS, wrong: 'pass' },
  { name: 'slow4', objective: P95_UNDER_100_MS, profile: profile(40, 0.04, 0), runs: RUNS, wrong: 'fail' },
  {
    name: 'err15',
    objective: ERROR_RATE_UNDER_1_PERCENT,
    profile: profile(40, 0, 0.015),
    runs: RUNS,
    wrong: 'pass',
  },
  {
    name: 'err05',
    objective: ERROR_RATE_UNDER_1_PERCENT,
    profile: profile(40, 0, 0.005),
    runs: RUNS,
    wrong: 'fail',
  },
  // Clear cases: decided, the right way, within the window.
  { name: 'slow25', objective: P95_UNDER_100_MS, profile: profile(40, 0.25, 0), runs: 10, right: 'fail' },
  {
    name: 'err5',
    objective: ERROR_RATE_UNDER_1_PERCENT,
    profile: profile(40, 0, 0.05),
    runs: 10,
    right: 'fail',
  },
  {
    name: 'healthy',
    objective: ERROR_RATE_UNDER_1_PERCENT,
    profile: profile(150, 0, 0),
    runs: 10,
    right: 'pass',
  },
];

const pods: FakePod[] = TRUTHS.flatMap((truth, t) =>
  Array.from({ length: truth.runs }, (_, run) => ({
    namespace: NAMESPACE,
    service: 'checkout',
    revision: `${truth.name}-${run}`,
    profile: { ...truth.profile, seed: 1_000 * (t + 1) + run },
  })),
);

function plan(revision: string, objective: Objective): EvaluationPlan {
  return {
    name: revision,
    target: { namespace: NAMESPACE, service: 'checkout', darkRevision: revision },
    objectives: [objective],
    intervalMs: 1_000,
    iterations: 10,
    minRequests: 10,
    failFast: { enabled: true, consecutiveBreaches: 2 },
    decision: { mode: 'confidence', confidence: 0.95, earlyPass: true, minIterations: 1, minDurationMs: 0 },
  };
}

let exporter: MetricsExporter;
beforeAll(async () => {
  exporter = await MetricsExporter.start(pods);
});
afterAll(() => exporter?.stop());

describe.each(prometheusBinaries())('$name', (binary) => {
  let prometheus: PrometheusServer;
  let config: PrometheusConfig;
  beforeAll(async () => {
    prometheus = await startPrometheus({ binary, targets: exporter.targets });
    config = {
      url: prometheus.url,
      auth: { headers: {} },
      tls: { insecureSkipVerify: false },
      template: 'istio',
      queries: {},
      timeoutMs: 10_000,
      attempts: 4,
    };
  }, 60_000);
  afterAll(() => prometheus?.stop());

  it('gives at most α wrong-way verdicts near the limits, and decides clear cases within the window', async () => {
    const results = await Promise.all(
      TRUTHS.map(async (truth) => {
        const verdicts = await Promise.all(
          Array.from({ length: truth.runs }, async (_, run) => {
            const revision = `${truth.name}-${run}`;
            const source = new PrometheusSource(
              config,
              { namespace: NAMESPACE, service: 'checkout', darkRevision: revision },
              { withEvidence: true },
            );
            return (await runEvaluation(plan(revision, truth.objective), { source, clock: systemClock }))
              .verdict;
          }),
        );
        return { truth, count: (verdict: Verdict) => verdicts.filter((v) => v === verdict).length };
      }),
    );
    for (const { truth, count } of results) {
      const tally = `${truth.name}: pass ${count('pass')}, fail ${count('fail')}, inconclusive ${count('inconclusive')}`;
      if (truth.wrong) expect(count(truth.wrong) / truth.runs, tally).toBeLessThanOrEqual(ALLOWED);
      if (truth.right) expect(count(truth.right), tally).toBeGreaterThanOrEqual(truth.runs - 1);
    }
  }, 90_000);
});
