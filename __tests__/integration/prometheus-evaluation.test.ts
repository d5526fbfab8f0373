import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock/system-clock.js';
import type { PrometheusConfig } from '../../src/core/config.js';
import { ConfigurationError } from '../../src/core/configuration-error.js';
import { runEvaluation } from '../../src/core/evaluation-loop.js';
import type { EvaluationPlan, MetricSpec, Objective } from '../../src/core/model.js';
import type { ExperimentResult } from '../../src/core/result.js';
import { PrometheusSource } from '../../src/metrics/prometheus-source.js';
import { FAST, NAMESPACE, SERVICE, SHOP_PODS } from '../support/fake-shop.js';
import { type MetricsBackend, metricsBackends, startBackend } from '../support/metrics-backends.js';
import { MetricsExporter, NO_TRAFFIC } from '../support/metrics-exporter.js';
import { freePort } from '../support/prometheus-server.js';

// The real loop with the real clock against each real backend (Prometheus 2.42 and 3.x, Thanos, Cortex,
// VictoriaMetrics) over fake pods scraped every second: each test runs 3 iterations of 2 s and checks the
// verdict and why it was reached.

const p95: MetricSpec = { id: 'p95-latency', kind: 'latency-percentile', percentile: 95, unit: 'ms' };
const errorRate: MetricSpec = { id: 'error-rate', kind: 'error-rate', unit: 'ratio' };
const meanLatency: MetricSpec = { id: 'mean-latency', kind: 'mean-latency', unit: 'ms' };

const below = (metric: MetricSpec, value: number, text: string): Objective => ({
  text,
  metric,
  comparator: '<',
  limit: { kind: 'absolute', value },
});
const SLO = [
  below(p95, 150, 'p95-latency < 150ms'),
  below(errorRate, 0.05, 'error-rate < 5%'),
  below(meanLatency, 50, 'mean-latency < 50ms'),
];
const P95_WITHIN_LIVE: Objective = {
  text: 'p95-latency <= live + 20%',
  metric: p95,
  comparator: '<=',
  limit: { kind: 'relative', scale: 1.2, offset: 0 },
};

function plan(darkRevision: string, objectives: readonly Objective[], intervalMs = 2_000): EvaluationPlan {
  return {
    name: `shop ${darkRevision}`,
    target: { namespace: NAMESPACE, service: SERVICE, darkRevision, liveRevision: 'shop-live' },
    objectives,
    intervalMs,
    iterations: 3,
    minRequests: 10,
    failFast: { enabled: false, consecutiveBreaches: 2 },
    decision: { mode: 'point' },
  };
}

const statuses = (result: ExperimentResult) =>
  Object.fromEntries(result.iterations.at(-1)?.assessments.map((a) => [a.objective.text, a.status]) ?? []);

let exporter: MetricsExporter;
beforeAll(async () => {
  exporter = await MetricsExporter.start(SHOP_PODS);
});
afterAll(() => exporter?.stop());

describe.each(metricsBackends())('$name', (spec) => {
  let backend: MetricsBackend;
  let config: PrometheusConfig;

  beforeAll(async () => {
    backend = await startBackend(spec, exporter.targets);
    config = {
      url: backend.url,
      auth: { headers: { ...backend.headers } },
      tls: { insecureSkipVerify: false },
      template: 'istio',
      queries: {},
      timeoutMs: 5_000,
      attempts: 3,
    };
    // Some history before the runs, so the first window has two scrapes in it.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  });
  afterAll(() => backend?.stop());

  const run = (evaluation: EvaluationPlan, overrides: Partial<PrometheusConfig> = {}) =>
    runEvaluation(evaluation, {
      source: new PrometheusSource({ ...config, ...overrides }, evaluation.target),
      clock: systemClock,
    });

  describe.concurrent('verdicts', () => {
    it('passes a healthy dark revision', async ({ expect }) => {
      const result = await run(plan('shop-fast', SLO));
      expect(result.verdict, result.reason).toBe('pass');
      expect(result.reason).toBe('all 3 objectives met');
      expect(result.iterations).toHaveLength(3);
      expect(result.source).toBe(`prometheus (istio) at ${backend.url}`);
    });

    it('fails on latency when p95 is above the limit', async ({ expect }) => {
      const result = await run(plan('shop-slow', SLO));
      expect(result.verdict, result.reason).toBe('fail');
      expect(statuses(result)).toEqual({
        'p95-latency < 150ms': 'breached',
        'error-rate < 5%': 'met',
        'mean-latency < 50ms': 'breached',
      });
      expect(result.reason).toMatch(/^p95-latency 475 ?ms, limit < 150 ?ms/);
    });

    it('fails on errors', async ({ expect }) => {
      const result = await run(plan('shop-errors', SLO));
      expect(result.verdict, result.reason).toBe('fail');
      expect(statuses(result)).toEqual({
        'p95-latency < 150ms': 'met',
        'error-rate < 5%': 'breached',
        'mean-latency < 50ms': 'met',
      });
      expect(result.reason).toMatch(/^error-rate 20(\.0)? ?%/);
    });

    it('passes a relative objective when dark is within live + 20%', async ({ expect }) => {
      const result = await run(plan('shop-fast', [P95_WITHIN_LIVE]));
      expect(result.verdict, result.reason).toBe('pass');
      const [assessment] = result.iterations.at(-1)?.assessments ?? [];
      // Istio buckets put both p95s at 75 ms (FAST and LIVE share the 50–100 ms bucket proportions).
      expect(assessment?.limit).toBeCloseTo(90, 6);
    });

    it('fails a relative objective when dark is slower than live + 20%', async ({ expect }) => {
      const result = await run(plan('shop-slow-tail', [P95_WITHIN_LIVE]));
      expect(result.verdict, result.reason).toBe('fail');
      expect(result.reason).toMatch(/^p95-latency 175 ?ms, limit <= 90 ?ms/);
      expect(result.queries.map((q) => `${q.version} ${q.metricId}`).sort()).toEqual([
        'dark p95-latency',
        'dark request-count',
        'live p95-latency',
        'live request-count',
      ]);
    });
  });

  it('is inconclusive when the dark revision gets no traffic', async () => {
    exporter.switchProfile(NAMESPACE, 'shop-stopping', NO_TRAFFIC);
    try {
      const result = await run(plan('shop-stopping', SLO));
      const dark = result.iterations.at(-1)?.requests.dark;
      if (spec.kind === 'victoriametrics') {
        // MetricsQL's increase() starts from the last sample before the window, so it also counts what the
        // revision served between that scrape and the run's start: up to one scrape interval (1 s here) of the
        // traffic before the run (README, metrics backends).
        expect(dark?.status).toBe('ok');
        const counted = dark?.status === 'ok' ? dark.value : Number.NaN;
        expect(counted).toBeGreaterThan(0);
        expect(counted).toBeLessThanOrEqual(FAST.requestsPerSecond * 1.25);
        return;
      }
      expect(result.verdict, result.reason).toBe('inconclusive');
      expect(result.reason).toBe('not enough data: dark has 0 requests, fewer than min-requests 10');
      expect(dark).toMatchObject({ status: 'ok', value: 0 });
    } finally {
      exporter.switchProfile(NAMESPACE, 'shop-stopping', FAST);
    }
  });

  // The client's retries do not depend on the backend.
  it.runIf(spec.kind === 'prometheus')(
    'is inconclusive when Prometheus stays down past the retry budget',
    async () => {
      const closedPort = await freePort();
      const result = await run(plan('shop-fast', SLO, 1_500), {
        url: `http://127.0.0.1:${closedPort}`,
        attempts: 2,
      });
      expect(result.verdict).toBe('inconclusive');
      expect(result.reason).toContain(
        `dark request count: Prometheus at http://127.0.0.1:${closedPort}: network error ECONNREFUSED (connection refused) (2 attempts)`,
      );
      expect(result.iterations.at(-1)?.requests.dark.status).toBe('unavailable');
    },
  );

  it('rejects a query Prometheus cannot parse with a configuration error quoting its message', async () => {
    const broken = {
      'p95-latency': 'histogram_quantile($quantile, sum by (le) (rate(x_bucket{rev="$revision"}[$window]))',
    };
    const requestCount = { 'request-count': 'sum(increase(x{rev="$revision"}[$window])) or on() vector(0)' };
    const error = await run(plan('shop-fast', [SLO[0] as Objective], 1_000), {
      template: 'custom',
      queries: { ...broken, ...requestCount },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).input).toBe('queries.p95-latency');
    // Each backend words the parse error its own way (Thanos without `invalid parameter`, VictoriaMetrics with
    // errorType "400"); every one answers 400 with an error envelope, which is what the client goes by.
    const why = {
      prometheus: /bad_data: invalid parameter "query": .*parse error: .*/,
      thanos: /bad_data: .*parse error: unclosed left parenthesis/,
      cortex: /bad_data: .*parse error: .*/,
      victoriametrics: /400: error when executing query=.*argList: unexpected token .*/,
    }[spec.kind].source;
    expect((error as Error).message).toMatch(
      new RegExp(
        `^Invalid queries\\.p95-latency: Prometheus rejected the query \\(${why}\\):\\n {2}histogram_quantile\\(0\\.95, sum by \\(le\\) \\(rate\\(x_bucket\\{rev="shop-fast"\\}\\[1s\\]\\)\\)$`,
      ),
    );
  });
});
